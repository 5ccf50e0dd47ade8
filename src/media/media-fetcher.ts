import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseDataUri } from './data-uri.js';

export interface FetchedMedia {
  path: string;
  bytes: number;
  contentType: string | null;
}

export interface FetchOptions {
  maxBytes: number;
  signal?: AbortSignal;
  /** the whole download, redirects included; the fetcher's own default unless set */
  timeoutMs?: number;
  /**
   * `host` / `host:port` entries let through for this fetch only, on top of the fetcher's
   * allow-list: a channel's own upstream origin for its result links, for example
   */
  alsoAllowHosts?: readonly string[];
}

/** An answered http(s) request whose body has not been read yet. */
export interface OpenedMedia {
  /** the body as it arrives; reading it is bounded by the fetch's time limit, not its size */
  body: Readable;
  /** Content-Length as declared (already checked against maxBytes), null when absent */
  declaredBytes: number | null;
  contentType: string | null;
}

/** Why media could not be fetched, in DashScope's terms. */
export class MediaFetchError extends Error {
  constructor(
    readonly code: 'BadRequest.InputDownloadFailed' | 'InvalidURL' | 'InvalidParameter',
    message: string,
  ) {
    super(message);
    this.name = 'MediaFetchError';
  }
}

/** A byte count as people read limits: "20 MB", "512 KB", "300 bytes". */
export function formatBytes(bytes: number): string {
  const MB = 1024 * 1024;
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}

/** Gets a media input (http(s) URL or data: URI) into a local file. */
export interface MediaFetcher {
  fetchToFile(url: string, destPath: string, opts: FetchOptions): Promise<FetchedMedia>;
  /**
   * Opens an http(s) URL under the same address rules as fetchToFile, for callers that stream
   * the body elsewhere; they must bound its size themselves.
   */
  open(url: string, opts: FetchOptions): Promise<OpenedMedia>;
}

/** Writes a data: URI's bytes; shared by every fetcher. */
export async function writeDataUri(
  url: string,
  destPath: string,
  maxBytes: number,
): Promise<FetchedMedia> {
  const parsed = parseDataUri(url);
  if (!parsed) throw new MediaFetchError('InvalidURL', 'The data: URI is malformed.');
  if (parsed.bytes.length > maxBytes) {
    throw new MediaFetchError(
      'InvalidParameter',
      `The inline file is larger than ${formatBytes(maxBytes)}.`,
    );
  }
  await writeFile(destPath, parsed.bytes);
  return { path: destPath, bytes: parsed.bytes.length, contentType: parsed.mimeType };
}

/** Streams a response body to disk, stopping as soon as it passes `maxBytes`. */
export async function streamToFile(
  body: WebReadableStream<Uint8Array> | Readable,
  destPath: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<number> {
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        cb(
          new MediaFetchError(
            'InvalidParameter',
            `The file is larger than ${formatBytes(maxBytes)}.`,
          ),
        );
      } else cb(null, chunk);
    },
  });
  const tmp = `${destPath}.part`;
  try {
    const source = body instanceof Readable ? body : Readable.fromWeb(body);
    await pipeline(source, limiter, createWriteStream(tmp), { signal });
    await rename(tmp, destPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return bytes;
}
