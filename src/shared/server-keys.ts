import { hkdfSync } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import { loadOrCreateSecret } from './secret-file.js';

/** What the keys are made from: the settings every process (server or CLI) shares. */
export type KeySource = Pick<Config, 'dataDir' | 'encryptionKey'>;

/** The data directory's `secrets/`, private to the service user even if an older start made it. */
function secretsDir(source: KeySource): string {
  const dir = join(source.dataDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    // a directory mounted read-only or owned by another user (an orchestrator's secret volume)
    // is the operator's to protect
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EROFS') throw err;
  }
  return dir;
}

/**
 * The deployment's root secret: VIDGATE_ENCRYPTION_KEY, or else a key file made on first use.
 * It seals upstream API keys (ADR 0007) and is the one input the other keys are derived from, so
 * that setting the variable moves every key out of the data directory at once.
 */
export function encryptionKey(source: KeySource): Buffer {
  return (
    source.encryptionKey ??
    loadOrCreateSecret(join(secretsDir(source), 'encryption.key')).subarray(0, 32)
  );
}

/**
 * The HMAC key of stored token hashes (ADR 0005, amended). Derived, not the root key itself, so
 * that no key serves two algorithms. Every process on one database must derive the same one:
 * the server verifies tokens the CLI created.
 */
export function tokenHashKey(source: KeySource): Buffer {
  return Buffer.from(
    hkdfSync('sha256', encryptionKey(source), Buffer.alloc(0), 'vidgate token hash v1', 32),
  );
}

/** Signs result links; a file of its own, so links stay valid however the root key is given. */
export function linkSigningKey(source: KeySource): Buffer {
  return loadOrCreateSecret(join(secretsDir(source), 'link-signing.key'));
}
