import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { TLSSocket } from 'node:tls';
import { AddressPolicy, bareHostname } from './address-policy.js';
import {
  formatBytes,
  MediaFetchError,
  streamToFile,
  writeDataUri,
  type FetchOptions,
  type FetchedMedia,
  type MediaFetcher,
  type OpenedMedia,
} from './media-fetcher.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has; injectable so tests can fake public names. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo), every address of every family. */
export const systemResolver: HostResolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface SafeMediaFetcherOptions {
  /** the whole download, redirects included */
  timeoutMs: number;
  /** establishing each connection (TCP, and TLS for https); defaults to min(10 s, timeoutMs) */
  connectTimeoutMs?: number;
  /** redirects followed before giving up; 5 unless set */
  maxRedirects?: number;
  /** `host` or `host:port` entries that skip the address policy (VIDGATE_MEDIA_ALLOW_HOSTS) */
  allowHosts?: readonly string[];
  resolve?: HostResolver;
  userAgent?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_HOST_IN_MESSAGE = 100;

function hostForMessage(url: URL): string {
  const host = url.hostname;
  return host.length > MAX_HOST_IN_MESSAGE ? `${host.slice(0, MAX_HOST_IN_MESSAGE)}…` : host;
}

function downloadFailed(url: URL, why: string): MediaFetchError {
  return new MediaFetchError(
    'BadRequest.InputDownloadFailed',
    `Download of the media from ${hostForMessage(url)} failed: ${why}.`,
  );
}

function refused(url: URL, redirected: boolean): MediaFetchError {
  const lead = redirected
    ? `The media URL redirected to host '${hostForMessage(url)}', which is not allowed`
    : `The media URL host '${hostForMessage(url)}' is not allowed`;
  return new MediaFetchError('InvalidURL', `${lead}: only public internet addresses are fetched.`);
}

/** Refuses error statuses and declared sizes over the limit; returns the declared size. */
function checkAnswer(res: IncomingMessage, url: URL, maxBytes: number): number | null {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    res.destroy();
    throw downloadFailed(url, `HTTP ${status}`);
  }
  const header = res.headers['content-length'];
  const declared = header === undefined ? null : Number(header);
  if (declared !== null && declared > maxBytes) {
    res.destroy();
    throw new MediaFetchError(
      'InvalidParameter',
      `The file is larger than ${formatBytes(maxBytes)}.`,
    );
  }
  return declared !== null && Number.isFinite(declared) ? declared : null;
}

function parseHttpUrl(text: string, base: URL | undefined): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new MediaFetchError('InvalidURL', `'${text.slice(0, 80)}' is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MediaFetchError(
      'InvalidURL',
      `URL scheme '${url.protocol}' is not supported here; use http(s) or a data: URI.`,
    );
  }
  return url;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** Network error codes (ECONNREFUSED, CERT_HAS_EXPIRED, …) say what went wrong without leaking addresses. */
function networkReason(err: unknown): string {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return 'network error';
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Request options that connect to exactly the vetted address: Node calls `lookup` instead of
 * DNS, so the socket goes there while Host and TLS SNI still carry the original name. Shared
 * with webhook deliveries (webhooks/webhook-sender.ts), which follow the same policy.
 */
export function pinnedTarget(
  url: URL,
  target: ResolvedAddress,
): {
  protocol: string;
  host: string;
  port: number | undefined;
  path: string;
  lookup: LookupFunction;
} {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return {
    protocol: url.protocol,
    host: bareHostname(url),
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    lookup,
  };
}

/**
 * Fetches media over http(s) without letting a request reach the gateway's own network (SSRF):
 * it resolves every host itself, refuses any non-public address, connects to exactly the
 * address it checked (no DNS-rebinding window), and re-checks each redirect hop. data: URIs
 * are decoded locally.
 */
export class SafeMediaFetcher implements MediaFetcher {
  /** the host rules in force, shared with create-time checks (MediaChecker's `policy`) */
  readonly policy: AddressPolicy;
  private readonly resolve: HostResolver;
  private readonly connectTimeoutMs: number;
  private readonly maxRedirects: number;

  constructor(private readonly options: SafeMediaFetcherOptions) {
    this.policy = new AddressPolicy(options.allowHosts ?? []);
    this.resolve = options.resolve ?? systemResolver;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.min(10_000, options.timeoutMs);
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  async fetchToFile(url: string, destPath: string, opts: FetchOptions): Promise<FetchedMedia> {
    if (/^data:/i.test(url)) return writeDataUri(url, destPath, opts.maxBytes);
    return this.exchange(url, opts, async (res, at, signal) => {
      checkAnswer(res, at, opts.maxBytes);
      try {
        const bytes = await streamToFile(res, destPath, opts.maxBytes, signal);
        return { path: destPath, bytes, contentType: res.headers['content-type'] ?? null };
      } catch (err) {
        res.destroy();
        throw err;
      }
    });
  }

  async open(url: string, opts: FetchOptions): Promise<OpenedMedia> {
    return this.exchange(url, opts, (res, at) =>
      Promise.resolve({
        body: res,
        declaredBytes: checkAnswer(res, at, opts.maxBytes),
        contentType: res.headers['content-type'] ?? null,
      }),
    );
  }

  /**
   * Follows the URL to a final answer, vetting every hop, and hands it to `use`. Failures while
   * `use` runs are reported like those before it (timeouts, resets), with the host they hit.
   */
  private async exchange<T>(
    url: string,
    opts: FetchOptions,
    use: (res: IncomingMessage, at: URL, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    let current = parseHttpUrl(url, undefined);
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const policy = this.policy.withHosts(opts.alsoAllowHosts ?? []);
    try {
      for (let hop = 0; ; hop++) {
        const res = await this.openHop(policy, current, hop > 0, signal);
        const location = res.headers.location;
        if (!REDIRECT_STATUSES.has(res.statusCode ?? 0) || location === undefined) {
          return await use(res, current, signal);
        }
        res.destroy();
        if (hop >= this.maxRedirects) {
          throw downloadFailed(current, `more than ${this.maxRedirects} redirects`);
        }
        current = parseHttpUrl(location, current);
      }
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      if (err instanceof MediaFetchError) throw err;
      if (timeout.aborted) {
        throw downloadFailed(current, `timed out after ${timeoutMs / 1000} s`);
      }
      throw downloadFailed(current, networkReason(err));
    }
  }

  /** Vets the URL's host and every address it resolves to, then sends the request. */
  private async openHop(
    policy: AddressPolicy,
    url: URL,
    redirected: boolean,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    if (policy.checkHostname(url) !== null) throw refused(url, redirected);
    const host = bareHostname(url);
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    if (literal !== 0) {
      addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await untilAborted(this.resolve(host), signal);
      } catch (err) {
        if (signal.aborted) throw err;
        throw downloadFailed(url, 'the host name could not be resolved');
      }
    }
    const first = addresses[0];
    if (!first) throw downloadFailed(url, 'the host name could not be resolved');
    // Any bad address disqualifies the name: picking only the good ones would still let an
    // attacker's DNS steer later connections (or another client's) to the bad one.
    if (addresses.some((a) => policy.checkAddress(url, a.address) !== null)) {
      throw refused(url, redirected);
    }
    return this.send(url, first, signal);
  }

  private send(url: URL, target: ResolvedAddress, signal: AbortSignal): Promise<IncomingMessage> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request({
        ...pinnedTarget(url, target),
        method: 'GET',
        headers: { accept: '*/*', 'user-agent': this.options.userAgent ?? 'vidgate-media-fetcher' },
        // A fresh connection per request: pooled sockets would outlive the address check.
        agent: false,
        signal,
      });
      const connectTimer = setTimeout(() => {
        req.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
      }, this.connectTimeoutMs);
      req.on('socket', (socket) => {
        socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
          clearTimeout(connectTimer);
        });
      });
      req.on('response', (res) => {
        clearTimeout(connectTimer);
        resolve(res);
      });
      req.on('error', (err) => {
        clearTimeout(connectTimer);
        reject(err);
      });
      req.on('close', () => clearTimeout(connectTimer));
      req.end();
    });
  }
}
