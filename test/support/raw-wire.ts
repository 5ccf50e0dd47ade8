import { connect } from 'node:net';
import type { WireRequest } from './python-sdk-wire.js';

/**
 * Raw HTTP/1.1 over a socket for the Python SDK replays (python-sdk-wire.ts): the request goes
 * out exactly as built, and the answer is read back without a client library in between.
 */

/** The request as bytes. */
export function serialize(r: WireRequest): Buffer {
  const u = new URL(r.url);
  const head = [
    `${r.method} ${u.pathname}${u.search} HTTP/1.1`,
    ...r.headers.map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), r.body]);
}

/** An HTTP answer as read off the socket. */
export interface WireAnswer {
  status: number;
  /** lower-case names */
  headers: Map<string, string>;
  body: Buffer;
  /** the body parsed when the content type says JSON */
  json: unknown;
}

function parse(buf: Buffer): WireAnswer | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  let rest = buf.subarray(end + 4);
  let body: Buffer;
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return null;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size + 2) return null;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(chunks);
  } else {
    const length = Number(headers.get('content-length') ?? 0);
    if (rest.length < length) return null;
    body = rest.subarray(0, length);
  }
  const json: unknown =
    headers.get('content-type')?.includes('json') && body.length > 0
      ? (JSON.parse(body.toString('utf8')) as unknown)
      : null;
  return { status, headers, body, json };
}

/**
 * Sends the bytes over a raw socket to `target` (an origin; defaults to the request URL's) and
 * reads one answer whole. Rejects on a closed connection without an answer or after 60 s.
 */
export function send(r: WireRequest, target = r.url): Promise<WireAnswer> {
  const { hostname, port } = new URL(target);
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${r.method} ${r.url} within 60 s`));
    }, 60_000);
    const done = (a: WireAnswer | null, err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (a) resolve(a);
      else reject(err ?? new Error(`connection closed before an answer to ${r.method} ${r.url}`));
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      const a = parse(Buffer.concat(received));
      if (a) done(a);
    });
    socket.on('error', (err) => done(null, err));
    socket.on('close', () => done(parse(Buffer.concat(received))));
    socket.write(serialize(r));
  });
}
