/** Shorter than this, a token chosen by a person is within reach of offline guessing. */
export const MIN_TOKEN_LENGTH = 32;

/** Random hex or base64 of this many bits is accepted without mixing character classes. */
const MIN_RANDOM_BITS = 128;

/** Fewer distinct characters than this is a repeated pattern, however long. */
const MIN_DISTINCT_CHARACTERS = 10;

/** The rule, as a config error states it; never includes the value. */
export const TOKEN_STRENGTH_RULE =
  `too weak: use at least ${MIN_TOKEN_LENGTH} characters that mix at least 3 of lowercase, ` +
  `uppercase, digits and symbols (random hex or base64 of ${MIN_RANDOM_BITS}+ bits also passes), ` +
  `with at least ${MIN_DISTINCT_CHARACTERS} different characters; ` +
  'for example the output of `openssl rand -base64 32`';

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

/**
 * The string's length times the Shannon entropy of its own characters: what the text itself
 * shows of its randomness. It cannot see dictionary words, so it only ever admits strings that
 * also pass the length and variety checks.
 */
function observedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * value.length;
}

/**
 * True when an operator-chosen token (VIDGATE_BOOTSTRAP_TOKEN, VIDGATE_ADMIN_TOKEN) is strong
 * enough to stand beside generated ones. Generated tokens pass by construction (ADR 0005).
 */
export function isStrongToken(value: string): boolean {
  const chars = [...value];
  if (chars.length < MIN_TOKEN_LENGTH) return false;
  if (new Set(chars).size < MIN_DISTINCT_CHARACTERS) return false;
  const classes = CLASSES.filter((c) => c.test(value)).length;
  return classes >= 3 || observedBits(value) >= MIN_RANDOM_BITS;
}
