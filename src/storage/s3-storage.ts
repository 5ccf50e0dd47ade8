import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import {
  ObjectTooLargeError,
  type ByteRange,
  type MediaStorage,
  type PutOptions,
  type StoredObject,
} from './media-storage.js';

/** Multipart part size: what one part in flight holds in memory. */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once, so a put holds at most about PART_SIZE × (QUEUE_SIZE + 1). */
export const S3_QUEUE_SIZE = 2;

/** Region used when the environment names none (S3-compatible servers mostly ignore it). */
export const DEFAULT_S3_REGION = 'us-east-1';

export interface S3StorageOptions {
  bucket: string;
  /** key prefix, '' or ending in '/' (added when missing) */
  prefix: string;
  /** path-style addressing (`endpoint/bucket/key`), which most non-AWS servers need */
  forcePathStyle?: boolean;
  /**
   * Extra client settings (tests pass endpoint and credentials). Unset fields come from the AWS
   * SDK's own environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
   * AWS_ENDPOINT_URL_S3 and the shared config files.
   */
  client?: S3ClientConfig;
  /** the environment the region default is decided from */
  env?: NodeJS.ProcessEnv;
}

/** The client settings of a store: the SDK's environment, a default region, plain checksums. */
export function s3ClientConfig(options: S3StorageOptions): S3ClientConfig {
  const env = options.env ?? process.env;
  const regionSet = (env.AWS_REGION ?? '').trim() !== '';
  return {
    ...(regionSet ? {} : { region: DEFAULT_S3_REGION }),
    forcePathStyle: options.forcePathStyle ?? false,
    // checksums only where the API requires them: many S3-compatible servers (older MinIO, OSS,
    // s3rver) refuse the SDK's default CRC32 trailers on streamed parts
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...options.client,
  };
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return (
    err.$metadata.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey'
  );
}

/**
 * Results and stored inputs as objects in one bucket under a prefix (AWS S3, MinIO, R2, OSS…).
 * A put is a streamed multipart upload, visible only once S3 completes it; a process killed
 * mid-put leaves an incomplete multipart upload, which sweepPartials aborts.
 */
export class S3Storage implements MediaStorage {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;

  constructor(options: S3StorageOptions) {
    if (options.bucket === '') throw new Error('S3Storage needs a bucket');
    this.bucket = options.bucket;
    const p = options.prefix.replace(/^\/+/, '');
    this.prefix = p === '' || p.endsWith('/') ? p : `${p}/`;
    this.client = new S3Client(s3ClientConfig(options));
  }

  private keyOf(key: string): string {
    if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '.'))
      throw new Error(`storage key is not a plain relative path: ${key}`);
    return this.prefix + key;
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const Key = this.keyOf(key);
    const { maxBytes } = options;
    let bytes = 0;
    let tooLarge = false;
    const bound = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (maxBytes !== undefined && bytes > maxBytes) {
          tooLarge = true;
          cb(new ObjectTooLargeError(maxBytes));
        } else cb(null, chunk);
      },
    });
    body.once('error', (err) => bound.destroy(err));
    body.pipe(bound);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: bound },
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      body.unpipe(bound);
      body.destroy();
      bound.destroy();
      // lib-storage aborted the multipart upload (an abort that itself failed is left to the
      // sweep); the bound's refusal is what the caller is told, not the SDK's wrapping of it
      if (tooLarge && maxBytes !== undefined) throw new ObjectTooLargeError(maxBytes);
      throw err;
    }
    return { size: bytes };
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }),
      );
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    const got = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.keyOf(key),
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
    const body = got.Body;
    if (body instanceof Readable) return body;
    throw new Error('the S3 client answered without a Node stream body');
  }

  /**
   * Deletes the object. An incomplete multipart upload of the key (a put killed mid-way) is not
   * an object; sweepPartials aborts it, by age, at every start.
   */
  async delete(key: string): Promise<void> {
    const Key = this.keyOf(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async sweepPartials(idleMs: number, now: number): Promise<number> {
    let removed = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.prefix === '' ? undefined : this.prefix,
          KeyMarker,
          UploadIdMarker,
        }),
      );
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        const started = u.Initiated?.getTime();
        if (started !== undefined && now - started < idleMs) continue;
        try {
          await this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: u.Key,
              UploadId: u.UploadId,
            }),
          );
          removed++;
        } catch (err) {
          // another process's sweep got there first
          if (!isNotFound(err)) throw err;
        }
      }
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
      if (KeyMarker === undefined && UploadIdMarker === undefined) break;
    }
    return removed;
  }

  /** Where the store lives, for logs: never the credentials. */
  describe(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }
}
