import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';

/** Versioned migrations, applied in key order at start; never edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
