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
 * True when the JSON text nests objects and arrays deeper than `limit`. One pass over the bytes,
 * no allocation: brackets inside strings do not count, and an escaped quote does not end one.
 * UTF-8 never puts these ASCII bytes inside a multi-byte character, so bytes are safe to scan.
 * The text need not be valid JSON; JSON.parse judges that afterwards.
 */
export function nestsDeeperThan(body: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (inString) {
      // a create body is mostly one long string (base64 media): jump to its closing quote
      // with the native search instead of looking at every byte
      const end = closingQuote(body, i);
      if (end < 0) return false;
      i = end;
      inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && depth > 0) {
      depth--;
    }
  }
  return false;
}

export type BoundedJson =
  | { ok: true; value: unknown }
  | { ok: false; code: 'InvalidParameter' | 'BadRequest.InvalidJson'; message: string };

/**
 * A JSON body as the API reads it, wherever it is read (the HTTP edge, an intake thread): depth
 * first, so nothing deeper than MAX_JSON_DEPTH ever reaches JSON.parse.
 */
export function parseBoundedJson(body: Uint8Array): BoundedJson {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    return {
      ok: false,
      code: 'InvalidParameter',
      message: `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`,
    };
  }
  try {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      code: 'BadRequest.InvalidJson',
      message: `The request body is not valid JSON: ${why}`,
    };
  }
}
