import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CamelCasePlugin,
  Kysely,
  Migrator,
  SqliteDialect,
  type SqliteDatabase as KyselySqliteDatabase,
} from 'kysely';
import { migrationProvider } from './migrations/index.js';
import { SQLITE_CAPABILITIES, type StoreCapabilities } from './dialects.js';
import type { Database } from './schema.js';

export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly capabilities: StoreCapabilities;
  /**
   * Runs `fn` while no other holder of this database's startup lock runs it: first-start work
   * (migrations, the bootstrap account and token, default channels) must happen once even when
   * several processes start at the same moment on an empty database.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DialectFactory = (location: StoreLocation) => Promise<Db>;

/**
 * Makes a database file readable by its owner only (creating it when asked). SQLite creates the
 * -wal and -shm files with the database file's mode, so a private database keeps all three
 * private, also when a CLI command is the first to create the store.
 */
function keepPrivate(file: string, create: boolean): void {
  try {
    if (create) closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // not there yet, or not ours to change (the operator's own file): not worth refusing to start
    if (code !== 'ENOENT' && code !== 'EPERM') throw err;
  }
}

function openSqlite(path: string): Promise<Db> {
  const onDisk = path !== ':memory:';
  if (onDisk) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    keepPrivate(path, true);
  }
  const sqlite = new SqliteDatabase(path);
  // WAL lets readers (GET /task) proceed while a worker writes; busy_timeout covers the CLI
  // writing while the server runs.
  sqlite.pragma('journal_mode = WAL');
  // -wal and -shm left world-readable by an earlier version keep their mode until changed here
  if (onDisk) for (const f of [`${path}-wal`, `${path}-shm`]) keepPrivate(f, false);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: reusingStatements(sqlite) }),
    plugins: [new CamelCasePlugin()],
  });
  return Promise.resolve({
    kysely,
    capabilities: SQLITE_CAPABILITIES,
    // one process per SQLite file (supportsMultipleProcesses is false): an in-process queue is
    // enough, and it keeps handles opened side by side in one process from interleaving
    exclusive: (fn) => inProcessLock(path, fn),
    close: () => kysely.destroy(),
  });
}

/** Distinct statements kept prepared; vidgate issues a few dozen, `in (…)` lists add variants. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every statement it runs, and on the hot paths (token check,
 * task read, claim) preparing cost as much as running. Statements are kept per SQL text instead
 * (least recently used dropped); one still being iterated is not handed out twice.
 */
function reusingStatements(sqlite: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (text) => {
      const cached = cache.get(text);
      if (cached && !cached.busy) {
        // re-inserted so the map's order stays least recently used first
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const stmt = sqlite.prepare(text);
      if (!cached) {
        cache.set(text, stmt);
        const oldest = cache.keys().next();
        if (cache.size > STATEMENT_CACHE_SIZE && !oldest.done) cache.delete(oldest.value);
      }
      return stmt;
    },
  };
}

const lockTails = new Map<string, Promise<unknown>>();

function inProcessLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = lockTails.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  lockTails.set(key, tail);
  void tail.then(() => {
    if (lockTails.get(key) === tail) lockTails.delete(key);
  });
  return run;
}

const dialects: { [K in StoreLocation['kind']]?: DialectFactory } = {
  sqlite: (loc) => openSqlite(loc.kind === 'sqlite' ? loc.path : ''),
  // loaded lazily: the pg driver is only needed when DATABASE_URL is set
  postgres: async (loc) =>
    (await import('./postgres-dialect.js')).openPostgres(loc.kind === 'postgres' ? loc.url : ''),
};

/** Registers a dialect; kept pluggable so the PostgreSQL driver loads only when used. */
export function registerDialect(kind: StoreLocation['kind'], factory: DialectFactory): void {
  dialects[kind] = factory;
}

export async function openDatabase(location: StoreLocation): Promise<Db> {
  const factory = dialects[location.kind];
  if (!factory) throw new Error(`no store dialect registered for ${location.kind}`);
  const db = await factory(location);
  try {
    await db.exclusive(() => migrate(db.kysely));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

export async function migrate(kysely: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db: kysely, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed) {
    const reason =
      error instanceof Error ? error.message : `migration ${failed?.migrationName ?? '?'} failed`;
    throw new Error(`database migration failed: ${reason}`);
  }
}
