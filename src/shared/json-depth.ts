import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';

/**
 * Deepest `{`/`[` nesting a body may have. DashScope bodies are about 4 deep; JSON.parse and
 * everything that walks the result afterwards (validation, structuredClone, JSON.stringify when
 * the task is stored) recurse, and a few thousand levels overflow the stack.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index of the quote that ends the string whose text starts at `from`, or -1. */
function closingQuote(body: Uint8Array, from: number): number {
  let at = body.indexOf(QUOTE, from);
  while (at >= 0) {
    let backslashes = 0;
    while (at - 1 - backslashes >= from && body[at - 1 - backslashes] === BACKSLASH) backslashes++;
    // an even run of backslashes escapes itself, not the quote
    if (backslashes % 2 === 0) return at;
    at = body.indexOf(QUOTE, at + 1);
  }
  return -1;
}

/**
 * A string value this long, of plain printable ASCII, is cut out of the text before JSON.parse
 * and put back afterwards (see parseBoundedJson).
 */
const LIFT_BYTES = 64 * 1024;

interface Scan {
  deep: boolean;
  /** [first byte, closing quote) of each long plain string value, in order */
  lifted: [number, number][];
}

/** Whether any byte of the range is below 0x20 (a control character, which JSON forbids raw). */
function hasControlByte(body: Uint8Array, from: number, to: number): boolean {
  let i = from;
  const isControl = (b: number | undefined): boolean => b !== undefined && b < 0x20;
  for (; i < to && (body.byteOffset + i) % 4 !== 0; i++) if (isControl(body[i])) return true;
  const words = Math.floor((to - i) / 4);
  const view = new Uint32Array(body.buffer, body.byteOffset + i, words);
  for (let w = 0; w < words; w++) {
    const x = view[w] ?? 0;
    // "some byte < 0x20" a word at a time; exact for ASCII words (bytes < 0x80, checked first)
    if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
  }
  for (i += words * 4; i < to; i++) if (isControl(body[i])) return true;
  return false;
}

/**
 * Printable ASCII without a backslash: its JSON value is its bytes read as latin1. Native
 * searches and a word-at-a-time check: a byte loop over a 20 MB data URI took 20-30 ms.
 */
function isPlainAscii(body: Uint8Array, from: number, to: number): boolean {
  const range = body.subarray(from, to);
  return isAscii(range) && range.indexOf(BACKSLASH) < 0 && !hasControlByte(body, from, to);
}

/** Whether the string that closes at `end` is an object key (the next non-blank byte is `:`). */
function isKey(body: Uint8Array, end: number): boolean {
  for (let i = end + 1; i < body.length; i++) {
    const b = body[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b === 0x3a;
  }
  return false;
}

/**
 * One pass over the bytes, no allocation but the span list: brackets inside strings do not count,
 * and an escaped quote does not end one. UTF-8 never puts these ASCII bytes inside a multi-byte
 * character, so bytes are safe to scan. The text need not be valid JSON.
 */
function scan(body: Uint8Array, limit: number, liftAt: number): Scan {
  const lifted: [number, number][] = [];
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === QUOTE) {
      // a create body is mostly one long string (base64 media): jump to its closing quote
      // with the native search instead of looking at every byte
      const end = closingQuote(body, i + 1);
      if (end < 0) break;
      if (end - (i + 1) >= liftAt && !isKey(body, end) && isPlainAscii(body, i + 1, end))
        lifted.push([i + 1, end]);
      i = end;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > limit) return { deep: true, lifted };
    } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && depth > 0) {
      depth--;
    }
  }
  return { deep: false, lifted };
}

/**
 * True when the JSON text nests objects and arrays deeper than `limit`; JSON.parse judges the
 * rest afterwards.
 */
export function nestsDeeperThan(body: Uint8Array, limit: number): boolean {
  return scan(body, limit, Infinity).deep;
}

/**
 * JSON.parse of the body with its long plain strings cut out and put back as one-byte strings.
 * A create body is mostly one data URI of base64; one CJK character in the prompt made V8 decode
 * the whole 20 MB text into a two-byte string, and decoding, parsing and checking that cost an
 * intake thread about 150 ms per maximal body. A cut string is printable ASCII without escapes,
 * so JSON.parse would have given exactly its bytes; the placeholder carries a random nonce, so
 * no client text can pass for one.
 */
function parseLifting(body: Buffer, lifted: [number, number][]): unknown {
  if (lifted.length === 0) return JSON.parse(body.toString('utf8')) as unknown;
  const prefix = `vidgate-lifted-${randomBytes(16).toString('hex')}-`;
  const values = new Map<string, string>();
  const pieces: string[] = [];
  let at = 0;
  for (const [from, to] of lifted) {
    const placeholder = `${prefix}${values.size}`;
    values.set(placeholder, body.toString('latin1', from, to));
    // the cuts sit next to quotes, which are ASCII: no UTF-8 sequence is split
    pieces.push(body.toString('utf8', at, from), placeholder);
    at = to;
  }
  pieces.push(body.toString('utf8', at));
  return JSON.parse(pieces.join(''), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(prefix) ? (values.get(value) ?? value) : value,
  ) as unknown;
}

export type BoundedJson =
  | { ok: true; value: unknown }
  | { ok: false; code: 'InvalidParameter' | 'BadRequest.InvalidJson'; message: string };

/**
 * A JSON body as the API reads it, wherever it is read (the HTTP edge, an intake thread): depth
 * first, so nothing deeper than MAX_JSON_DEPTH ever reaches JSON.parse.
 */
export function parseBoundedJson(body: Uint8Array): BoundedJson {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const found = scan(bytes, MAX_JSON_DEPTH, LIFT_BYTES);
  if (found.deep) {
    return {
      ok: false,
      code: 'InvalidParameter',
      message: `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`,
    };
  }
  try {
    return { ok: true, value: parseLifting(bytes, found.lifted) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      code: 'BadRequest.InvalidJson',
      message: `The request body is not valid JSON: ${why}`,
    };
  }
}
