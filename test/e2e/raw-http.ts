import { connect, type Socket } from 'node:net';

/** The first answer read off a raw connection. */
export interface RawAnswer {
  status: number;
  /** lower-case names; a repeated header keeps its last value */
  headers: Map<string, string>;
  body: string;
  /** the body parsed, when it is JSON */
  json: unknown;
  /** ms from the first byte sent to the whole answer read (or the connection closing) */
  elapsedMs: number;
  /** the server closed the connection after (or instead of) answering */
  closed: boolean;
}

export interface RawOptions {
  /** the source address: the whole 127.0.0.0/8 reaches a server on 127.0.0.1 */
  localAddress?: string;
  /** give up after this long (default 10 s) */
  timeoutMs?: number;
  /** after `head`, send these pieces one by one, `everyMs` apart, until answered or closed */
  trickle?: { pieces: Array<string | Buffer>; everyMs: number };
  /** keep reading this long after the answer, to see whether the server closes (default 0) */
  lingerMs?: number;
}

function parseAnswer(
  buf: Buffer,
  bodiless: boolean,
): { answer: Omit<RawAnswer, 'elapsedMs' | 'closed'>; complete: boolean } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  // interim answers (100 Continue) precede the real one
  if (status >= 100 && status < 200) return parseAnswer(buf.subarray(end + 4), bodiless);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  let rest = buf.subarray(end + 4);
  let complete: boolean;
  if (bodiless) {
    // an answer to HEAD names the length of a body it does not send
    complete = true;
    rest = Buffer.alloc(0);
  } else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    complete = false;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) break;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        complete = true;
        break;
      }
      if (rest.length < lineEnd + 2 + size + 2) break;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    rest = Buffer.concat(chunks);
  } else {
    const length = Number(headers.get('content-length') ?? 0);
    complete = rest.length >= length;
    rest = rest.subarray(0, length);
  }
  const body = rest.toString('utf8');
  let json: unknown = null;
  if (headers.get('content-type')?.includes('json') && body !== '') {
    try {
      json = JSON.parse(body) as unknown;
    } catch {
      json = null;
    }
  }
  return { answer: { status, headers, body, json }, complete };
}

/**
 * Sends bytes as they are (no client fixes them up) and reads the first answer. Resolves when
 * an answer is read whole, the connection closes, or the timeout passes (status 0).
 */
export function rawExchange(
  baseUrl: string,
  head: string | Buffer,
  opts: RawOptions = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const started = Date.now();
    const received: Buffer[] = [];
    let answered: Omit<RawAnswer, 'elapsedMs' | 'closed'> | null = null;
    let answeredAt = 0;
    let done = false;
    const socket: Socket = connect({
      host: hostname,
      port: Number(port),
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const timers: NodeJS.Timeout[] = [];
    const bodiless = (typeof head === 'string' ? head : head.toString('latin1', 0, 5)).startsWith(
      'HEAD ',
    );
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      const fallback = { status: 0, headers: new Map<string, string>(), body: '', json: null };
      resolve({
        ...(answered ?? fallback),
        elapsedMs: (answered ? answeredAt : Date.now()) - started,
        closed,
      });
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      const parsed = parseAnswer(Buffer.concat(received), bodiless);
      if (parsed?.complete && !answered) {
        answered = parsed.answer;
        answeredAt = Date.now();
        if (!opts.lingerMs) finish(false);
        else timers.push(setTimeout(() => finish(false), opts.lingerMs));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!answered) answered = parseAnswer(Buffer.concat(received), bodiless)?.answer ?? null;
      if (answered && !answeredAt) answeredAt = Date.now();
      finish(true);
    });
    timers.push(setTimeout(() => finish(false), opts.timeoutMs ?? 10_000));
    socket.write(head);
    const pieces = [...(opts.trickle?.pieces ?? [])];
    const every = opts.trickle?.everyMs ?? 0;
    const next = (): void => {
      const piece = pieces.shift();
      if (piece === undefined || done || answered || socket.destroyed) return;
      socket.write(piece);
      timers.push(setTimeout(next, every));
    };
    if (pieces.length > 0) timers.push(setTimeout(next, every));
  });
}

/** A request head: request line, headers, the blank line. */
export function requestHead(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  version = 'HTTP/1.1',
): string {
  const lines = [
    `${method} ${path} ${version}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
