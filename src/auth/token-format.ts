import { createHash, createHmac, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX = 'vg_';

function base62(bytes: Buffer, length: number): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (out.length < length) {
    out = (BASE62[Number(n % 62n)] ?? '0') + out;
    n /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  return base62(createHash('sha256').update(body).digest().subarray(0, 6), 6);
}

/**
 * `vg_` + 32 base62 characters of randomness (~190 bits) + a 6-character checksum, so a secret
 * scanner can tell a real token from look-alikes without asking the server (ADR 0005).
 */
export function generateToken(): string {
  const body = `${PREFIX}${base62(randomBytes(24), 32)}`;
  return `${body}${checksum(body)}`;
}

/** True for strings shaped like a vidgate-generated token with a valid checksum. */
export function hasValidChecksum(token: string): boolean {
  if (!token.startsWith(PREFIX) || token.length !== PREFIX.length + 38) return false;
  const body = token.slice(0, -6);
  return checksum(body) === token.slice(-6);
}

/**
 * How a stored token hash was made: `hmac-sha256` keyed by a server secret (ADR 0005, amended),
 * or the unkeyed `sha256` of rows written before migration 0004, upgraded on their next use.
 */
export const TOKEN_HASH_SCHEMES = ['sha256', 'hmac-sha256'] as const;
export type TokenHashScheme = (typeof TOKEN_HASH_SCHEMES)[number];

/** What tokens are stored and looked up by: without the key, a stolen database checks nothing. */
export function keyedTokenHash(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(token, 'utf8').digest('hex');
}

/** The hash of rows written before keyed hashes; only ever computed to find and upgrade them. */
export function legacyTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What listings show: enough to recognise a token, never enough to use it. */
export function displayPrefix(token: string): string {
  return `${token.slice(0, 7)}…`;
}
