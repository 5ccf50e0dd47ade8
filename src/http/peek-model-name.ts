const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const COMMA = 0x2c;
const COLON = 0x3a;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The index of the quote that ends the string opened at `start`, or -1. */
function stringEnd(bytes: Buffer, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = bytes.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let slashes = 0;
    while (bytes[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    from = q + 1;
  }
}

function decodeString(bytes: Buffer, start: number, end: number): string | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8', start, end + 1));
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The top-level `"model"` string of a JSON object body, found without parsing the body. The
 * native face needs the model to know a create's mode, and a body with inline media is parsed
 * on an intake thread, not here: strings (the base64 megabytes) are skipped with a native
 * search, so only the few structural bytes are looked at. undefined when the body is not an
 * object, has no such key, its value is not a string, or the JSON breaks before it; the caller
 * then parses the body to say what is wrong.
 */
export function peekModelName(bytes: Buffer): string | undefined {
  let depth = 0;
  let expectKey = false;
  let i = 0;
  while (i < bytes.length && WHITESPACE.has(bytes[i] ?? 0)) i++;
  if (bytes[i] !== 0x7b) return undefined;
  for (; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end < 0) return undefined;
      if (depth === 1 && expectKey) {
        expectKey = false;
        if (decodeString(bytes, i, end) === 'model') return valueAfterKey(bytes, end + 1);
      }
      i = end;
    } else if (OPEN.has(c)) {
      depth++;
      expectKey = depth === 1 && c === 0x7b;
    } else if (CLOSE.has(c)) {
      depth--;
      if (depth === 0) return undefined;
    } else if (c === COMMA && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

function valueAfterKey(bytes: Buffer, from: number): string | undefined {
  let i = from;
  while (WHITESPACE.has(bytes[i] ?? 0)) i++;
  if (bytes[i] !== COLON) return undefined;
  i++;
  while (WHITESPACE.has(bytes[i] ?? 0)) i++;
  if (bytes[i] !== QUOTE) return undefined;
  const end = stringEnd(bytes, i);
  return end < 0 ? undefined : decodeString(bytes, i, end);
}
