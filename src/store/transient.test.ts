import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { withTestPostgres } from '../../test/support/postgres.js';
import { DIALECTS, openBackend, type Backend } from '../../test/support/store-backends.js';
import { freshStoreOf, task } from '../../test/support/store-fixtures.js';
import { freePort } from '../../test/support/vidgate-process.js';
import {
  isTransientStoreError,
  retryTransient,
  StoreUnavailableError,
  type RetryPolicy,
} from './transient.js';

const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

/** Patient enough for a loaded machine: these tests count attempts, not milliseconds. */
const PATIENT: RetryPolicy = {
  budgetMs: 60_000,
  firstDelayMs: 1,
  maxDelayMs: 20,
  retryAfterSeconds: 3,
};

describe('retryTransient on SQLite: a second connection holding the write lock', () => {
  let dir = '';
  let holder: SqliteDatabase.Database;
  let writer: SqliteDatabase.Database;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vidgate-transient-'));
    const file = join(dir, 'db.sqlite');
    holder = new SqliteDatabase(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('create table t (id text primary key)');
    writer = new SqliteDatabase(file);
    // no waiting inside SQLite: every attempt under the lock fails at once with SQLITE_BUSY
    writer.pragma('busy_timeout = 0');
  });

  after(() => {
    if (holder.inTransaction) holder.exec('rollback');
    holder.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (id: string) => () =>
    Promise.resolve(writer.prepare('insert into t (id) values (?)').run(id));

  it('classifies a real SQLITE_BUSY as transient and a constraint violation as not', () => {
    holder.exec('begin immediate');
    let busy: unknown;
    try {
      writer.prepare('insert into t (id) values (?)').run('busy');
    } catch (err) {
      busy = err;
    } finally {
      holder.exec('rollback');
    }
    assert.equal((busy as { code?: string }).code, 'SQLITE_BUSY');
    assert.equal(isTransientStoreError(busy), true);

    writer.prepare('insert into t (id) values (?)').run('dup');
    assert.throws(
      () => writer.prepare('insert into t (id) values (?)').run('dup'),
      (err: unknown) => !isTransientStoreError(err),
    );
  });

  it('tries again until the lock is released, then succeeds', async () => {
    holder.exec('begin immediate');
    let attempts = 0;
    await retryTransient(() => {
      attempts++;
      // the lock goes away after the third failure, as a CLI's write would end
      if (attempts === 4) holder.exec('commit');
      return write('after-lock')();
    }, PATIENT);
    assert.equal(attempts, 4);
    assert.ok(writer.prepare("select 1 from t where id = 'after-lock'").get());
  });

  it('gives up with StoreUnavailableError (cause kept) once the budget is spent', async () => {
    holder.exec('begin immediate');
    let attempts = 0;
    try {
      await assert.rejects(
        retryTransient(
          () => {
            attempts++;
            return write('never')();
          },
          { ...PATIENT, budgetMs: 200, firstDelayMs: 20 },
        ),
        (err: unknown) =>
          err instanceof StoreUnavailableError &&
          err.retryAfterSeconds === 3 &&
          (err.cause as { code?: string }).code === 'SQLITE_BUSY',
      );
    } finally {
      holder.exec('rollback');
    }
    assert.ok(attempts > 1, `only ${attempts} attempt(s)`);
  });

  it('throws any other error at once, without a second attempt', async () => {
    let attempts = 0;
    await assert.rejects(
      retryTransient(() => {
        attempts++;
        return write('dup')();
      }, PATIENT),
      (err: unknown) => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
    );
    assert.equal(attempts, 1);
  });
});

describe('isTransientStoreError on PostgreSQL failures', () => {
  it('a refused connection (nothing listening) is transient', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://u@127.0.0.1:${await freePort()}/x` });
    try {
      await assert.rejects(pool.query('select 1'), (err: unknown) => isTransientStoreError(err));
    } finally {
      await pool.end();
    }
  });

  it('a backend ended by pg_terminate_backend (57P01), and the dead client after it, are transient', async () => {
    const server = await testPostgres;
    const client = new pg.Client({ connectionString: server.url });
    // the socket's end follows the FATAL message as a second 'error': both are listened to
    const dropped = new Promise<unknown>((resolve) => client.on('error', resolve));
    await client.connect();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0];
      assert.ok(pid);
      await admin.query('select pg_terminate_backend($1)', [pid.pid]);
      const err = await dropped;
      assert.equal((err as { code?: string }).code, '57P01');
      assert.equal(isTransientStoreError(err), true);
      await assert.rejects(client.query('select 1'), (e: unknown) => isTransientStoreError(e));
      // a plain SQL error of the same server is not
      await assert.rejects(admin.query('select * from no_such_table'), (e: unknown) => {
        return (e as { code?: string }).code === '42P01' && !isTransientStoreError(e);
      });
    } finally {
      await admin.end();
      await client.end().catch(() => undefined);
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`a create's insert is repeatable (ADR 0016): ${dialect}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await openBackend(dialect, testPostgres);
    });
    after(() => backend.close());

    it('an insert whose commit was not seen, run again, leaves one task and no error', async (t) => {
      const { db, tasks } = await freshStoreOf(backend, t);
      const row = task('t-repeat');
      await tasks.insert(row);
      await tasks.insert(row);
      const ids = await db.kysely.selectFrom('tasks').select('id').execute();
      assert.deepEqual(
        ids.map((r) => r.id),
        ['t-repeat'],
      );
    });

    it('a keyed insert run again for the same task answers inserted, one task and one key', async (t) => {
      const { db, tasks } = await freshStoreOf(backend, t);
      const claim = { accountId: 'acc-1', keyHash: 'k', bodyHash: 'b' };
      const row = task('t-keyed');
      assert.deepEqual(await tasks.insertKeyed(row, claim), { inserted: true });
      assert.deepEqual(await tasks.insertKeyed(row, claim), { inserted: true });
      // another task under the key is still answered with the first
      const other = await tasks.insertKeyed(task('t-other'), claim);
      assert.equal(other.inserted ? null : other.existing.taskId, 't-keyed');
      const ids = await db.kysely.selectFrom('tasks').select('id').execute();
      assert.deepEqual(
        ids.map((r) => r.id),
        ['t-keyed'],
      );
      const keys = await db.kysely.selectFrom('idempotencyKeys').select('taskId').execute();
      assert.equal(keys.length, 1);
    });
  });
}
