import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Db, type StoreLocation } from '../../src/store/database.js';
import { registerPostgresDialect } from '../../src/store/postgres-dialect.js';
import type { TestPostgres } from './postgres.js';

registerPostgresDialect();

/** The dialects every store contract suite runs on. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Hands out databases of one dialect that no other test uses. */
export interface Backend {
  /** a new database, never migrated */
  fresh(): Promise<StoreLocation>;
  /**
   * An empty, migrated database: a new file on SQLite. A PostgreSQL database costs a template
   * copy (0.3-0.7 s), so there it is the suite's one database with every table truncated.
   */
  empty(): Promise<StoreLocation>;
  close(): Promise<void>;
}

/**
 * A backend of `dialect`. The PostgreSQL server is the test file's own (`withTestPostgres()`
 * started at load, so the cluster boots while the SQLite suite runs); closing stops it.
 */
export async function openBackend(
  dialect: Dialect,
  testPostgres: Promise<TestPostgres>,
): Promise<Backend> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vidgate-store-'));
    const fresh = () =>
      Promise.resolve<StoreLocation>({ kind: 'sqlite', path: join(dir, `${randomUUID()}.db`) });
    return {
      fresh,
      empty: fresh,
      close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const server = await testPostgres;
  const fresh = async (): Promise<StoreLocation> => ({
    kind: 'postgres',
    url: await server.createDatabase(),
  });
  const shared = await fresh();
  const admin = await openDatabase(shared);
  return {
    fresh,
    async empty() {
      const tables = await admin.kysely.introspection.getTables();
      const names = tables.map((t) => sql.table(`${t.schema ?? 'public'}.${t.name}`));
      await sql`truncate ${sql.join(names)} cascade`.execute(admin.kysely);
      return shared;
    },
    async close() {
      await admin.close();
      await server.stop();
    },
  };
}

/**
 * `n` handles on one database standing for separate processes: their own connection pools
 * where the dialect supports several processes, else the one handle (SQLite's single writer).
 */
export async function peersOf(db: Db, location: StoreLocation, n: number): Promise<Db[]> {
  if (!db.capabilities.supportsMultipleProcesses) return Array.from({ length: n }, () => db);
  return Promise.all(Array.from({ length: n }, () => openDatabase(location)));
}

export async function closePeers(db: Db, peers: Db[]): Promise<void> {
  await Promise.all(peers.filter((p) => p !== db).map((p) => p.close()));
}
