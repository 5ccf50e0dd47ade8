import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * DashScope's temporary file storage as its SDKs use it (reference §12.1, `oss_utils.py`):
 * `GET /api/v1/uploads?action=getPolicy&model=M` answers an OSS POST policy, the client POSTs a
 * multipart form (policy fields, then `file`) to `upload_host`, and a create may then name
 * `oss://<key>` with `X-DashScope-OssResourceResolve: enable` (§1 headers table). Files live
 * 48 hours and belong to the account and the model of the policy. How DashScope answers an
 * `oss://` create without the header, or a file of another model, is not documented; the
 * answers here are guesses (docs/simulator.md).
 */

const FILE_TTL_MS = 48 * 3600_000;
const POLICY_TTL_MS = 300_000;
const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** where the simulator's own "OSS" takes upload forms, outside the API's path */
export const SIM_UPLOAD_PATH = '/oss-upload';

interface Grant {
  accountId: string;
  model: string;
  dir: string;
  expiresAt: number;
}

interface StoredFile {
  accountId: string;
  model: string;
  bytes: number;
  expiresAt: number;
}

export interface UploadReply {
  status: number;
  /** OSS answers errors as XML */
  xml?: string;
}

function ossXml(code: string, message: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n` +
    `  <Message>${message}</Message>\n  <HostId>simulator</HostId>\n</Error>\n`
  );
}

/** The parts of a multipart/form-data body: text fields, and the `file` part's size. */
function parseForm(
  body: Buffer,
  contentType: string,
): { fields: Map<string, string>; fileBytes: number | null } | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) return null;
  const delimiter = Buffer.from(`--${b}`);
  const fields = new Map<string, string>();
  let fileBytes: number | null = null;
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return null;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return null;
    const head = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    const content = part.subarray(split + 4);
    if (name === 'file') fileBytes = content.length;
    else if (name !== undefined) fields.set(name, content.toString('utf8'));
    at = next;
  }
  return { fields, fileBytes };
}

/** The temporary uploads of every account, in memory (a test double's lifetime). */
export class SimUploads {
  private readonly secret = randomBytes(32);
  private readonly files = new Map<string, StoredFile>();

  private sign(policy: string): string {
    return createHmac('sha1', this.secret).update(policy).digest('base64');
  }

  /** getPolicy's answer for an account and model; `origin` is how the client reached us. */
  policy(accountId: string, model: string, origin: string, now: number): Record<string, unknown> {
    const grant: Grant = {
      accountId,
      model,
      dir: `dashscope-instant/${randomBytes(16).toString('hex')}/${new Date(now).toISOString().slice(0, 10)}/${randomUUID()}`,
      expiresAt: now + POLICY_TTL_MS,
    };
    const policy = Buffer.from(JSON.stringify(grant)).toString('base64');
    return {
      request_id: randomUUID(),
      data: {
        policy,
        signature: this.sign(policy),
        upload_dir: grant.dir,
        upload_host: `${origin}${SIM_UPLOAD_PATH}`,
        expire_in_seconds: POLICY_TTL_MS / 1000,
        max_file_size_mb: MAX_FILE_BYTES / (1024 * 1024),
        capacity_limit_mb: 999_999_999,
        oss_access_key_id: 'LTAI-simulator',
        x_oss_object_acl: 'private',
        x_oss_forbid_overwrite: 'true',
      },
    };
  }

  /** The form POST to `upload_host`, answered as OSS's PostObject would. */
  receive(body: Buffer, contentType: string, now: number): UploadReply {
    const form = parseForm(body, contentType);
    if (!form)
      return {
        status: 400,
        xml: ossXml(
          'MalformedPOSTRequest',
          'The body of your POST request is not well-formed multipart/form-data.',
        ),
      };
    const policy = form.fields.get('policy') ?? '';
    const signature = form.fields.get('Signature') ?? '';
    if (!policy || signature !== this.sign(policy)) {
      return {
        status: 403,
        xml: ossXml(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided.',
        ),
      };
    }
    const grant = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as Grant;
    if (grant.expiresAt <= now) {
      return {
        status: 403,
        xml: ossXml('AccessDenied', 'Invalid according to Policy: Policy expired.'),
      };
    }
    const key = form.fields.get('key') ?? '';
    if (!key.startsWith(`${grant.dir}/`)) {
      return {
        status: 403,
        xml: ossXml(
          'AccessDenied',
          'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", ...]',
        ),
      };
    }
    if (form.fileBytes === null) {
      return { status: 400, xml: ossXml('InvalidArgument', 'The file part is missing.') };
    }
    if (form.fileBytes > MAX_FILE_BYTES) {
      return {
        status: 400,
        xml: ossXml('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'),
      };
    }
    if (this.files.has(key)) {
      return {
        status: 409,
        xml: ossXml(
          'FileAlreadyExists',
          'The object you specified already exists and can not be overwritten.',
        ),
      };
    }
    this.files.set(key, {
      accountId: grant.accountId,
      model: grant.model,
      bytes: form.fileBytes,
      expiresAt: now + FILE_TTL_MS,
    });
    return { status: form.fields.get('success_action_status') === '200' ? 200 : 204 };
  }

  /**
   * Why a create of `model` by the account cannot read the `oss://` URLs it names; null when it
   * can. Without the resolve header DashScope does not look the files up.
   */
  createProblem(
    accountId: string,
    model: string,
    urls: readonly string[],
    resolve: boolean,
    now: number,
  ): string | null {
    for (const url of urls) {
      if (!/^oss:\/\//i.test(url)) continue;
      if (!resolve)
        return `The oss resource ${url} cannot be read without the header X-DashScope-OssResourceResolve: enable.`;
      const file = this.files.get(url.slice('oss://'.length));
      if (!file || file.expiresAt <= now || file.accountId !== accountId) {
        return `The oss resource ${url} does not exist or has expired.`;
      }
      if (file.model !== model) return `The oss resource ${url} was uploaded for another model.`;
    }
    return null;
  }

  /** how many files are stored: the test's view of what clients uploaded */
  get count(): number {
    return this.files.size;
  }
}

/** Every string under `input` that names an oss:// resource (any field, any depth). */
export function ossUrlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^oss:\/\//i.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(ossUrlsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(ossUrlsIn);
  return [];
}
