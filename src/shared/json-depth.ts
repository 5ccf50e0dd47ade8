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
