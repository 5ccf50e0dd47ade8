import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { MediaFetchError, type MediaFetcher } from '../../media/media-fetcher.js';
import { mediaUrlKind } from '../../models/media-url.js';
import { ProviderError } from '../provider-error.js';
import { upstreamCall, UpstreamCallError, type UpstreamAnswer } from './upstream-http.js';

/** getPolicy's `data` (reference §12.1): what the form POST to DashScope's OSS needs. */
const policySchema = z.object({
  data: z.object({
    policy: z.string(),
    signature: z.string(),
    upload_dir: z.string(),
    upload_host: z.url(),
    oss_access_key_id: z.string(),
    x_oss_object_acl: z.string().optional(),
    x_oss_forbid_overwrite: z.string().optional(),
    max_file_size_mb: z.number().optional(),
  }),
});
type Policy = z.infer<typeof policySchema>['data'];

export interface TempUploadDeps {
  /** GETs a path under the channel's base URL with its key, as every DashScope call */
  get(path: string, signal?: AbortSignal): Promise<UpstreamAnswer>;
  /** reads files uploaded to vidgate (an UploadAwareFetcher) */
  fetcher: MediaFetcher;
  timeoutMs: number;
}

const FILE_NAME_CHARS = /[^A-Za-z0-9._-]/g;

/** One text part of a multipart form, as OSS's PostObject reads it. */
function part(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

/**
 * Hands a file uploaded to vidgate (ADR 0017) to a DashScope channel the way DashScope's own SDKs
 * do (reference §12.1): `getPolicy` for the task's model with the channel's key, then a form POST
 * of the file to the OSS host the policy names, streamed with its length known. The task is then
 * sent `oss://<key>` with `X-DashScope-OssResourceResolve: enable`. A file is handed over anew
 * for each submit attempt; DashScope keeps its temporary copies 48 hours.
 */
export class TempUpload {
  constructor(private readonly d: TempUploadDeps) {}

  /** The body with every upload URL replaced by the channel's own `oss://` copy. */
  async handOver<T>(model: string, input: T, signal?: AbortSignal): Promise<T> {
    let policy: Policy | null = null;
    const replace = async (value: unknown): Promise<unknown> => {
      if (typeof value === 'string') {
        if (mediaUrlKind(value) !== 'upload') return value;
        policy ??= await this.policy(model, signal);
        return this.send(policy, value, signal);
      }
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (const v of value) out.push(await replace(v));
        return out;
      }
      if (typeof value === 'object' && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await replace(v);
        return out;
      }
      return value;
    };
    return (await replace(input)) as T;
  }

  private async policy(model: string, signal?: AbortSignal): Promise<Policy> {
    const q = new URLSearchParams({ action: 'getPolicy', model });
    let res: UpstreamAnswer;
    try {
      res = await this.d.get(`/uploads?${q.toString()}`, signal);
    } catch (err) {
      throw this.unreached('getPolicy', err);
    }
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = undefined;
    }
    const parsed = policySchema.safeParse(json);
    if (res.status !== 200 || !parsed.success) {
      // nothing was created upstream yet: the submit is tried again later
      throw new ProviderError(
        'retry',
        'InternalError',
        `DashScope's upload policy could not be had (HTTP ${res.status}).`,
      );
    }
    return parsed.data.data;
  }

  private async send(p: Policy, url: string, signal?: AbortSignal): Promise<string> {
    let opened;
    try {
      opened = await this.d.fetcher.open(url, { maxBytes: Number.MAX_SAFE_INTEGER, signal });
    } catch (err) {
      if (err instanceof MediaFetchError) throw new ProviderError('reject', err.code, err.message);
      throw err;
    }
    const length = opened.declaredBytes;
    if (length === null) throw new Error('an uploaded file has no known length');
    const name = (url.slice(url.lastIndexOf('/') + 1) || 'file').replace(FILE_NAME_CHARS, '_');
    const key = `${p.upload_dir}/${name}`;
    const boundary = `vidgate${randomBytes(12).toString('hex')}`;
    const head =
      part(boundary, 'OSSAccessKeyId', p.oss_access_key_id) +
      part(boundary, 'Signature', p.signature) +
      part(boundary, 'policy', p.policy) +
      part(boundary, 'key', key) +
      part(boundary, 'x-oss-object-acl', p.x_oss_object_acl ?? 'private') +
      part(boundary, 'x-oss-forbid-overwrite', p.x_oss_forbid_overwrite ?? 'true') +
      part(boundary, 'success_action_status', '200') +
      (opened.contentType ? part(boundary, 'x-oss-content-type', opened.contentType) : '') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: ${opened.contentType ?? 'application/octet-stream'}\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const parts = [Buffer.from(head), opened.body, Buffer.from(tail)];
    const stream = Readable.from(
      (async function* () {
        for (const p of parts) {
          if (Buffer.isBuffer(p)) yield p;
          else for await (const chunk of p) yield chunk as Buffer;
        }
      })(),
    );
    let res: UpstreamAnswer;
    try {
      res = await upstreamCall(p.upload_host, {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          Accept: 'application/json',
        },
        body: { stream, length: Buffer.byteLength(head) + length + Buffer.byteLength(tail) },
        timeoutMs: this.d.timeoutMs,
        maxAnswerBytes: 64 * 1024,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw this.unreached('the upload', err);
    }
    if (res.status !== 200 && res.status !== 204) {
      throw new ProviderError(
        'retry',
        'InternalError',
        `DashScope's temporary storage refused the upload (HTTP ${res.status}).`,
      );
    }
    return `oss://${key}`;
  }

  private unreached(what: string, err: unknown): ProviderError {
    if (err instanceof ProviderError) return err;
    const code = err instanceof UpstreamCallError ? err.code : 'Error';
    return new ProviderError(
      'retry',
      'RequestTimeOut',
      `DashScope did not answer ${what} (${code}).`,
    );
  }
}
