import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function readSecret(path: string): Buffer | null {
  try {
    const buf = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    return buf.length >= 32 ? buf : null;
  } catch {
    return null;
  }
}

/**
 * A 32-byte server secret kept in a file (mode 0600), created on first use. Every process that
 * shares the data directory (or is given the same file) signs and verifies alike.
 *
 * Processes starting together on a shared volume race to create it. The secret is written to a
 * private temp file and hard-linked into place: the link either wins whole or fails with EEXIST,
 * so no process ever reads a half-written file, and the losers adopt the winner's secret.
 */
export function loadOrCreateSecret(path: string): Buffer {
  const existing = readSecret(path);
  if (existing) return existing;
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, path);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = readSecret(path);
    if (!winner) throw new Error(`${path} exists but holds no 32-byte base64 secret`);
    return winner;
  } finally {
    unlinkSync(temp);
  }
}
