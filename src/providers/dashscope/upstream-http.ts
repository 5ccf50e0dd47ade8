import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

export interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A body streamed from elsewhere (a file being handed over), of a length known up front. */
export interface StreamedBody {
  stream: Readable;
  length: number;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | StreamedBody;
  timeoutMs: number;
  signal?: AbortSignal;
  /** an answer larger than this is cut off and reported as an error */
  maxAnswerBytes: number;
}

/**
 * A call that got no complete answer. `written` tells whether the whole request left this
 * process: a request not written in full cannot have been acted on by the upstream, which is
 * the proof that a create made nothing (ADR 0011).
 */
export class UpstreamCallError extends Error {
  constructor(
    readonly code: string,
    readonly written: boolean,
  ) {
    super(`upstream call failed (${code})`);
    this.name = 'UpstreamCallError';
  }
}

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.name : 'Error';
}

/** One HTTP exchange with an upstream, over node:http so that "was it written" is known. */
export function upstreamCall(url: string, r: UpstreamRequest): Promise<UpstreamAnswer> {
  const target = new URL(url);
  const tls = target.protocol === 'https:';
  const send = tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let written = false;
    let settled = false;
    const fail = (code: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new UpstreamCallError(code, written));
    };
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    const req = send(target, {
      method: r.method,
      agent: tls ? agents.https : agents.http,
      headers: {
        ...r.headers,
        ...(body ? { 'Content-Length': String(body.length) } : {}),
      },
    });
    const timer = setTimeout(() => {
      fail('ETIMEDOUT');
      req.destroy();
    }, r.timeoutMs);
    const onAbort = (): void => {
      fail('ABORTED');
      req.destroy();
    };
    r.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('finish', () => {
      written = true;
    });
    req.once('error', (err) => fail(codeOf(err)));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > r.maxAnswerBytes) {
          fail('ANSWER_TOO_LARGE');
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.once('error', (err) => fail(codeOf(err)));
      res.once('aborted', () => fail('ECONNRESET'));
      res.once('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.signal?.removeEventListener('abort', onAbort);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    if (body === undefined || Buffer.isBuffer(body)) req.end(body);
    else {
      // a source that fails mid-way ends the request unfinished, so it is never taken as sent
      body.stream.once('error', (err) => {
        fail(codeOf(err));
        req.destroy();
      });
      body.stream.pipe(req);
    }
  });
}
