import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A 32-byte server secret kept in a file (mode 0600), created on first use. Every process that
 * shares the data directory (or is given the same file) signs and verifies alike.
 */
export function loadOrCreateSecret(path: string): Buffer {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const buf = Buffer.from(text, 'base64');
    if (buf.length >= 32) return buf;
  } catch {
    // absent: created below
  }
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(path, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
