import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { AddressPolicy, bareHostname } from '../media/address-policy.js';
import {
  pinnedTarget,
  systemResolver,
  type HostResolver,
  type ResolvedAddress,
} from '../media/safe-media-fetcher.js';

/** What one POST came to; `statusCode` null when nothing was sent or nothing answered. */
export interface SendOutcome {
  statusCode: number | null;
  latencyMs: number;
  /** ≤ 512 bytes of the answer, or why there is none (never the request, so never the secret) */
  outcome: string;
  ok: boolean;
}

export interface WebhookSenderOptions {
  /** `host` / `host:port` entries that may be private (VIDGATE_WEBHOOK_ALLOW_HOSTS) */
  allowHosts: readonly string[];
  /** the whole exchange; 10 s unless set */
  timeoutMs?: number;
  /** bytes of the answer read before the connection is cut; 64 KiB unless set */
  maxAnswerBytes?: number;
  resolve?: HostResolver;
  now?: () => number;
}

const EXCERPT_BYTES = 512;

function excerpt(bytes: Buffer): string {
  // cut on bytes, then drop a split trailing character rather than log half of one
  return bytes
    .subarray(0, EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}

/**
 * POSTs signed webhook bodies under the media fetcher's address policy (no private addresses
 * unless allow-listed), to the very address it checked (no DNS rebinding), without following
 * redirects (a receiver that moved must be reconfigured, not followed to wherever it points).
 */
export class WebhookSender {
  private readonly policy: AddressPolicy;
  private readonly resolve: HostResolver;
  private readonly timeoutMs: number;
  private readonly maxAnswerBytes: number;
  private readonly now: () => number;

  constructor(opts: WebhookSenderOptions) {
    this.policy = new AddressPolicy(opts.allowHosts);
    this.resolve = opts.resolve ?? systemResolver;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxAnswerBytes = opts.maxAnswerBytes ?? 64 * 1024;
    this.now = opts.now ?? Date.now;
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    const started = this.now();
    const fail = (why: string, statusCode: number | null = null): SendOutcome => ({
      statusCode,
      latencyMs: this.now() - started,
      outcome: why,
      ok: false,
    });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return fail('refused: not a valid URL');
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return fail('refused: not an http(s) URL');
    }
    const nameBlock = this.policy.checkHostname(target);
    if (nameBlock !== null) return fail(`refused: ${nameBlock} address (not sent)`);
    const host = bareHostname(target);
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    try {
      addresses =
        literal !== 0
          ? [{ address: host, family: literal === 6 ? 6 : 4 }]
          : await this.resolve(host);
    } catch {
      return fail('the host name could not be resolved');
    }
    const first = addresses[0];
    if (!first) return fail('the host name could not be resolved');
    const blocked = addresses
      .map((a) => this.policy.checkAddress(target, a.address))
      .find((r) => r !== null);
    if (blocked) return fail(`refused: ${blocked} address (not sent)`);
    try {
      const { statusCode, answer } = await this.post(target, first, headers, body);
      const ok = statusCode >= 200 && statusCode <= 299;
      return { statusCode, latencyMs: this.now() - started, outcome: excerpt(answer), ok };
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'network error';
      return fail(err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : code);
    }
  }

  private post(
    url: URL,
    to: ResolvedAddress,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ statusCode: number; answer: Buffer }> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = AbortSignal.timeout(this.timeoutMs);
    return new Promise((resolve, reject) => {
      const req = request({
        ...pinnedTarget(url, to),
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'vidgate-webhooks',
        },
        // a fresh connection per attempt: a pooled socket would outlive the address check
        agent: false,
        signal,
      });
      const failed = (err: Error): void =>
        reject(signal.aborted && signal.reason instanceof Error ? signal.reason : err);
      req.on('error', failed);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let held = 0;
        const done = (): void =>
          resolve({ statusCode: res.statusCode ?? 0, answer: Buffer.concat(chunks) });
        res.on('data', (chunk: Buffer) => {
          if (held >= this.maxAnswerBytes) return;
          chunks.push(chunk);
          held += chunk.length;
          // enough to judge and log: the rest of a huge answer is not read
          if (held >= this.maxAnswerBytes) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', failed);
      });
      req.end(body);
    });
  }
}
