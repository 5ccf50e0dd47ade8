import type { Readable } from 'node:stream';
import { Refusal } from '../contract/refusal.js';
import { formatBytes } from '../media/media-fetcher.js';
import type { OpenedUpload, UploadReader } from '../media/upload-aware-fetcher.js';
import { uploadKeyOf } from '../models/media-url.js';
import { maxMediaBytes } from '../models/media-limits.js';
import { findModel, MODELS } from '../models/model-table.js';
import { showValue } from '../models/request-problem.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { LinkSigner } from '../shared/link-signer.js';
import { ObjectTooLargeError, type MediaStorage } from '../storage/media-storage.js';
import type { UploadRow, UploadStore } from '../store/upload-store.js';
import {
  newUploadDir,
  signPolicy,
  UPLOAD_KEY_ID,
  verifyPolicy,
  type SignedPolicy,
} from './upload-policy.js';

/** How long an uploaded file can be named in a create: DashScope keeps its own for 48 hours. */
export const UPLOAD_KEEP_MS = 48 * 3600_000;
/** How long a policy takes uploads: DashScope's are good for 300 s. */
export const POLICY_TTL_MS = 300_000;

/** `getPolicy`'s `data`, field for field as DashScope answers it (reference §12.1). */
export interface PolicyAnswer {
  policy: string;
  signature: string;
  upload_dir: string;
  upload_host: string;
  expire_in_seconds: number;
  max_file_size_mb: number;
  capacity_limit_mb: number;
  oss_access_key_id: string;
  x_oss_object_acl: string;
  x_oss_forbid_overwrite: string;
}

/** The form fields of an upload, as the SDKs send them next to the file. */
export interface UploadForm {
  fields: Readonly<Record<string, string>>;
  file: Readable;
  contentType: string | null;
}

export interface UploadServiceDeps {
  store: UploadStore;
  storage: MediaStorage;
  links: LinkSigner;
  clock: Clock;
}

/** The largest file a model takes in any of its media fields; a model that takes none is refused. */
function maxBytesFor(model: string): number {
  const spec = findModel(model);
  if (!spec) {
    const names = MODELS.map((m) => m.name).join(', ');
    throw new Refusal(
      'InvalidParameter',
      `Query parameter 'model': ${showValue(model)} is not a model vidgate serves; use one of ${names}.`,
    );
  }
  const max = maxMediaBytes(spec);
  if (max === 0) {
    throw new Refusal(
      'InvalidParameter',
      `Query parameter 'model': ${spec.name} takes no media files, so there is nothing to upload for it.`,
    );
  }
  return max;
}

/** A file name as the last segment of a key: one plain segment, no control characters. */
function isFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 200 &&
    // eslint-disable-next-line no-control-regex
    !/[/\\\u0000-\u001f]/.test(name) &&
    name !== '..' &&
    name !== '.'
  );
}

/**
 * The SDKs' local-file upload flow served by vidgate itself (ADR 0017): `getPolicy` hands out a
 * signed OSS-style POST policy whose upload host is vidgate, the form POST stores the file in
 * media storage for the account the policy names, and a create names it as `oss://<key>`. What
 * reaches an upstream is decided at dispatch, by its provider: the sandbox reads the file, a
 * DashScope channel gets its own temporary upload of it.
 */
export class UploadService implements UploadReader {
  constructor(private readonly d: UploadServiceDeps) {}

  /** A fresh policy for one account and model; the form goes to `uploadHost`. */
  policyFor(accountId: string, model: string, uploadHost: string): PolicyAnswer {
    const maxBytes = maxBytesFor(model);
    const dir = newUploadDir();
    const signed = signPolicy(this.d.links, {
      accountId,
      dir,
      maxBytes,
      expiresAt: this.d.clock.now() + POLICY_TTL_MS,
    });
    return {
      ...signed,
      upload_dir: dir,
      upload_host: uploadHost,
      expire_in_seconds: POLICY_TTL_MS / 1000,
      max_file_size_mb: Math.floor(maxBytes / (1024 * 1024)),
      capacity_limit_mb: Math.floor(maxBytes / (1024 * 1024)),
      oss_access_key_id: UPLOAD_KEY_ID,
      x_oss_object_acl: 'private',
      x_oss_forbid_overwrite: 'true',
    };
  }

  /**
   * Checks a form's policy and key, then streams its file into storage, bounded by the policy's
   * size. Refusals name the field; nothing is kept of a refused upload.
   */
  async receive(form: UploadForm): Promise<{ key: string; bytes: number }> {
    const f = form.fields;
    for (const name of ['OSSAccessKeyId', 'policy', 'Signature', 'key']) {
      if (!f[name]) {
        throw new Refusal(
          'InvalidParameter',
          `The form field '${name}' is required before the file.`,
        );
      }
    }
    const signed: SignedPolicy = { policy: f.policy ?? '', signature: f.Signature ?? '' };
    const verdict = verifyPolicy(this.d.links, signed, this.d.clock.now());
    if (!verdict.ok) {
      throw new Refusal(
        'AccessDenied',
        verdict.reason === 'expired'
          ? 'The upload policy has expired; ask GET /api/v1/uploads?action=getPolicy for a new one.'
          : 'The upload policy or its Signature is not valid; send them as getPolicy answered them.',
      );
    }
    const { grant } = verdict;
    const key = f.key ?? '';
    const prefix = `${grant.dir}/`;
    if (!key.startsWith(prefix) || !isFileName(key.slice(prefix.length))) {
      throw new Refusal(
        'InvalidParameter',
        `The form field 'key' must be '${prefix}' followed by a file name, got ${showValue(key)}.`,
      );
    }
    if (await this.d.store.exists(key)) {
      throw new Refusal('FileAlreadyExists', `A file was already uploaded as ${showValue(key)}.`);
    }
    const id = newId('upload', this.d.clock.now());
    const storageKey = `uploads/${id}`;
    let bytes: number;
    try {
      ({ size: bytes } = await this.d.storage.put(storageKey, form.file, {
        maxBytes: grant.maxBytes,
      }));
    } catch (err) {
      if (!(err instanceof ObjectTooLargeError)) throw err;
      throw new Refusal(
        'BadRequest.TooLarge',
        `The file is larger than this policy allows (${formatBytes(grant.maxBytes)}).`,
      );
    }
    const now = this.d.clock.now();
    const row: UploadRow = {
      id,
      objectKey: key,
      accountId: grant.accountId,
      storageKey,
      bytes,
      contentType: f['x-oss-content-type'] || form.contentType,
      createdAt: now,
      expiresAt: now + UPLOAD_KEEP_MS,
    };
    if (!(await this.d.store.insert(row))) {
      // a concurrent upload took the key between the check and now
      await this.d.storage.delete(storageKey);
      throw new Refusal('FileAlreadyExists', `A file was already uploaded as ${showValue(key)}.`);
    }
    return { key, bytes };
  }

  /**
   * Why `url` (an upload URL in `field`) cannot be used by this account, or null when it can: a
   * file another account uploaded is as unknown as one never uploaded.
   */
  async problemOf(accountId: string, field: string, url: string): Promise<string | null> {
    const key = uploadKeyOf(url);
    const row = key === null ? undefined : await this.d.store.find(key, this.d.clock.now());
    if (row && row.accountId === accountId) return null;
    return (
      `${field}: ${showValue(url)} names no file uploaded by this account in the last ` +
      `${UPLOAD_KEEP_MS / 3600_000} hours; upload it again (GET /api/v1/uploads?action=getPolicy).`
    );
  }

  /** Opens an uploaded file by its URL; null when there is none (never uploaded, or swept). */
  async open(url: string): Promise<OpenedUpload | null> {
    const key = uploadKeyOf(url);
    const row = key === null ? undefined : await this.d.store.find(key, this.d.clock.now());
    if (!row || !(await this.d.storage.stat(row.storageKey))) return null;
    return {
      body: await this.d.storage.open(row.storageKey),
      bytes: row.bytes,
      contentType: row.contentType,
      fileName: row.objectKey.slice(row.objectKey.lastIndexOf('/') + 1),
    };
  }

  /** Deletes expired uploads, bytes first; returns how many went. */
  async sweep(limit = 500): Promise<number> {
    const rows = await this.d.store.expired(this.d.clock.now(), limit);
    for (const row of rows) {
      await this.d.storage.delete(row.storageKey);
      await this.d.store.delete(row.id);
    }
    return rows.length;
  }
}
