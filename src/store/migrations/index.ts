import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-rate-limits.js';
import * as m0003 from './0003-lost-submit-evidence.js';
import * as m0004 from './0004-keyed-token-hashes.js';
import * as m0005 from './0005-task-events.js';
import * as m0006 from './0006-due-reason.js';
import * as m0007 from './0007-idempotency-keys.js';
import * as m0008 from './0008-cancel-requests.js';
import * as m0009 from './0009-uploads.js';
import * as m0010 from './0010-result-expiry.js';
import * as m0011 from './0011-webhooks.js';

/** Versioned migrations, applied in key order at start; never edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-rate-limits': m0002,
  '0003-lost-submit-evidence': m0003,
  '0004-keyed-token-hashes': m0004,
  '0005-task-events': m0005,
  '0006-due-reason': m0006,
  '0007-idempotency-keys': m0007,
  '0008-cancel-requests': m0008,
  '0009-uploads': m0009,
  '0010-result-expiry': m0010,
  '0011-webhooks': m0011,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
