import type { Readable } from 'node:stream';
import {
  formatBytes,
  MediaFetchError,
  streamToFile,
  type FetchedMedia,
  type FetchOptions,
  type MediaFetcher,
  type OpenedMedia,
} from './media-fetcher.js';
import { mediaUrlKind } from '../models/media-url.js';

/** What a reader of an uploaded file gets. */
export interface OpenedUpload {
  body: Readable;
  bytes: number;
  contentType: string | null;
  /** the file's name as uploaded, the last segment of its key */
  fileName: string;
}

/** Reads uploaded files by their `oss://vidgate-uploads/…` URL (uploads/UploadService fits). */
export interface UploadReader {
  open(url: string): Promise<OpenedUpload | null>;
}

const GONE =
  'The uploaded file is no longer there (uploads are kept 48 hours); upload it again and create a new task.';

/**
 * A fetcher that also reads files uploaded to vidgate (ADR 0017): the media check, the sandbox
 * and a DashScope channel's transfer all get an upload's bytes the way they get a URL's, and
 * every other URL goes to the wrapped fetcher with its address rules.
 */
export class UploadAwareFetcher implements MediaFetcher {
  constructor(
    private readonly inner: MediaFetcher,
    private readonly uploads: UploadReader,
  ) {}

  async fetchToFile(url: string, destPath: string, opts: FetchOptions): Promise<FetchedMedia> {
    if (mediaUrlKind(url) !== 'upload') return this.inner.fetchToFile(url, destPath, opts);
    const up = await this.openUpload(url, opts.maxBytes);
    const bytes = await streamToFile(up.body, destPath, opts.maxBytes, opts.signal);
    return { path: destPath, bytes, contentType: up.contentType };
  }

  async open(url: string, opts: FetchOptions): Promise<OpenedMedia> {
    if (mediaUrlKind(url) !== 'upload') return this.inner.open(url, opts);
    const up = await this.openUpload(url, opts.maxBytes);
    return { body: up.body, declaredBytes: up.bytes, contentType: up.contentType };
  }

  private async openUpload(url: string, maxBytes: number): Promise<OpenedUpload> {
    const up = await this.uploads.open(url);
    if (!up) throw new MediaFetchError('InvalidParameter', GONE);
    if (up.bytes > maxBytes) {
      up.body.destroy();
      throw new MediaFetchError(
        'InvalidParameter',
        `The file is larger than ${formatBytes(maxBytes)}.`,
      );
    }
    return up;
  }
}
