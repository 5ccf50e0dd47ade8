import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import type { PoolConfig } from 'pg';
import { registerDialect, type Db } from './database.js';
import { POSTGRES_CAPABILITIES } from './dialects.js';
import type { Database } from './schema.js';

const INT8_OID = 20;
/** pg_advisory_lock key of vidgate's startup work; any constant no other tool of the database uses */
const STARTUP_LOCK_KEY = '7066426391822614529';

export interface PostgresOptions {
  /** most connections this pool opens (default 10) */
  maxConnections?: number;
  /** told about errors of idle connections, which the pool then drops and replaces */
  onIdleError?: (err: Error) => void;
}

/**
 * Timestamps and counts are int8 columns; pg hands those back as strings so that no precision is
 * lost. Every int8 vidgate stores is far below 2^53, so a number is exact; anything larger is a
 * bug and fails loudly instead of rounding.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} exceeds 2^53`);
  return value;
}

/** Opens a PostgreSQL store. `pg` is imported here, so SQLite-only deployments never load it. */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const { default: pg } = await import('pg');
  // Per-pool parsers: setting them on pg.types would change every other pg user in the process.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, parseInt8);
  const config: PoolConfig = {
    connectionString: url,
    max: opts.maxConnections ?? 10,
    application_name: 'vidgate',
    types,
  };
  const pool = new pg.Pool(config);
  // Without a listener, an idle connection dropped by the server (restart, failover) would be
  // an unhandled 'error' event and end the process; the pool already replaces such connections.
  pool.on('error', (err) => opts.onIdleError?.(err));
  // The pool listens only while a connection is idle. One checked out between two statements (a
  // transaction's JS, the moment after acquire) that the server drops (57P01 on
  // pg_terminate_backend or a restart) emits 'error' with nobody listening, which ended the
  // process. Its next statement fails instead, retried on another connection (ADR 0016); the
  // pool drops it when it comes back, since it is no longer queryable.
  pool.on('connect', (client) => client.on('error', (err) => opts.onIdleError?.(err)));
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    kysely,
    capabilities: POSTGRES_CAPABILITIES,
    // A session-level advisory lock on a connection of its own, outside the pool: `fn` uses the
    // pool freely, and a process that dies while holding the lock frees it with its connection.
    async exclusive(fn) {
      const client = new pg.Client({ connectionString: url, application_name: 'vidgate-startup' });
      // a connection lost mid-way only frees the lock early; it must not end the process
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query('select pg_advisory_lock($1::bigint)', [STARTUP_LOCK_KEY]);
        return await fn();
      } finally {
        await client.end();
      }
    },
    close: () => kysely.destroy(),
  };
}

/** Makes `openDatabase({ kind: 'postgres', url })` available. */
export function registerPostgresDialect(opts: PostgresOptions = {}): void {
  registerDialect('postgres', (location) => {
    if (location.kind !== 'postgres') throw new Error(`not a postgres location: ${location.kind}`);
    return openPostgres(location.url, opts);
  });
}
