import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  MediaFetchError,
  streamToFile,
  writeDataUri,
  type FetchOptions,
  type FetchedMedia,
  type MediaFetcher,
} from './media-fetcher.js';

export interface HttpMediaFetcherOptions {
  timeoutMs: number;
}

/** Fetches http(s) media and decodes data: URIs, bounded in time and size. */
export class HttpMediaFetcher implements MediaFetcher {
  constructor(private readonly options: HttpMediaFetcherOptions) {}

  async fetchToFile(url: string, destPath: string, opts: FetchOptions): Promise<FetchedMedia> {
    if (url.startsWith('data:')) return writeDataUri(url, destPath, opts.maxBytes);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MediaFetchError('InvalidURL', `'${url.slice(0, 80)}' is not a valid URL.`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new MediaFetchError(
        'InvalidURL',
        `URL scheme '${parsed.protocol}' is not supported here; use http(s) or a data: URI.`,
      );
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(parsed, { signal, redirect: 'follow' });
    } catch (err) {
      throw new MediaFetchError(
        'BadRequest.InputDownloadFailed',
        `Download of ${parsed.host} failed: ${err instanceof Error ? err.message : String(err)}.`,
      );
    }
    if (!res.ok || !res.body) {
      throw new MediaFetchError(
        'BadRequest.InputDownloadFailed',
        `Download of ${parsed.host}${parsed.pathname} failed with HTTP ${res.status}.`,
      );
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > opts.maxBytes) {
      await res.body.cancel();
      throw new MediaFetchError('InvalidParameter', `The file exceeds ${opts.maxBytes} bytes.`);
    }
    const body = res.body as WebReadableStream<Uint8Array>;
    const bytes = await streamToFile(body, destPath, opts.maxBytes, signal);
    return { path: destPath, bytes, contentType: res.headers.get('content-type') };
  }
}
