import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { withTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import { errorBodySchema, makeTempDir, randomText, removeDir, taskBodySchema } from './helpers.js';

const CLIENTS = 4;
const CREATES_PER_CLIENT = 15;

interface Answer {
  status: number;
  json: unknown;
  headers: Headers;
}

function client(url: string, token: string) {
  const send = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...init.headers },
    });
    return { status: res.status, json: await res.json(), headers: res.headers };
  };
  return {
    create: (prompt: string, key?: string) =>
      send('/task/bailian/text2video', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(key === undefined ? {} : { 'Idempotency-Key': key }),
        },
        body: JSON.stringify({ model: 'wan2.6-t2v', input: { prompt } }),
      }),
    get: (path: string) => send(path),
  };
}

const taskIdOf = (a: Answer) => taskBodySchema.parse(a.json).output.task_id;

/** ADR 0016: backends of vidgate's pool killed over and over while a client creates and polls. */
describe('store hiccups on PostgreSQL: backends terminated under creates and task GETs', () => {
  let postgres: TestPostgres | undefined;
  let admin: pg.Pool | undefined;
  let proc: VidgateProcess | undefined;
  let dataDir = '';
  let dbName = '';
  let dbUrl = '';
  const token = randomText(40);

  before(async () => {
    postgres = await withTestPostgres();
    const url = await postgres.createDatabase();
    dbUrl = url;
    dbName = new URL(url).pathname.slice(1);
    // the server's superuser: pg_terminate_backend on another role's backends needs it
    admin = new pg.Pool({ connectionString: postgres.url, max: 2 });
    dataDir = makeTempDir('store-hiccups-pg');
    proc = await startVidgateProcess({
      env: {
        DATABASE_URL: url,
        VIDGATE_DATA_DIR: dataDir,
        VIDGATE_BOOTSTRAP_TOKEN: token,
        VIDGATE_LOG_LEVEL: 'warn',
      },
    });
  });

  after(async () => {
    await proc?.kill();
    await admin?.end();
    await postgres?.stop();
    if (dataDir !== '') removeDir(dataDir);
  });

  it('answers every create and GET 200, makes no duplicate task and shows every accepted one', async () => {
    const p = proc;
    const a = admin;
    assert.ok(p && a);
    const api = client(p.url, token);
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const accepted = new Set<string>();
    let done = false;
    let terminated = 0;

    // kills vidgate's connections (57P01 admin_shutdown) over and over until the clients are done
    const killer = (async () => {
      while (!done) {
        const r = await a.query<{ killed: boolean }>(
          `select pg_terminate_backend(pid) as killed from pg_stat_activity
            where datname = $1 and application_name = 'vidgate' and pid <> pg_backend_pid()`,
          [dbName],
        );
        terminated += r.rows.filter((row) => row.killed).length;
        // a hiccup each second, not a store that stays down: every request gets attempts between
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();

    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; i < CREATES_PER_CLIENT; i++) {
        const key = i % 2 === 0 ? `hiccup-${c}-${i}-${randomText(6)}` : undefined;
        const created = await api.create(`hiccup ${c} ${i}`, key);
        count(created.status);
        if (created.status !== 200) continue;
        const id = taskIdOf(created);
        accepted.add(id);
        if (key !== undefined) {
          // the repeat answers the same task, whatever the first attempt went through
          const again = await api.create(`hiccup ${c} ${i}`, key);
          count(again.status);
          if (again.status === 200) assert.equal(taskIdOf(again), id);
        }
        for (const path of [`/task/${id}`, `/api/v1/tasks/${id}`])
          count((await api.get(path)).status);
      }
    });
    try {
      await Promise.all(clients);
    } catch (err) {
      // a refused connection means the process died: its output says why
      throw new Error(`${String(err)}; vidgate said: ${p.output().slice(-3000)}`, { cause: err });
    } finally {
      done = true;
      await killer;
    }

    assert.ok(terminated > 0, 'the drill terminated no backend: it proved nothing');
    assert.deepEqual([...statuses.keys()], [200], JSON.stringify([...statuses]));
    assert.equal(accepted.size, CLIENTS * CREATES_PER_CLIENT);
    const rows = await tasksIn(dbUrl);
    assert.equal(rows.length, accepted.size, 'a task stored twice, or one answered but not stored');
    for (const id of accepted) assert.ok(rows.includes(id), `accepted task ${id} not stored`);
    for (const id of accepted) {
      const seen = await api.get(`/api/v1/tasks/${id}`);
      assert.equal(seen.status, 200);
      assert.equal(taskBodySchema.parse(seen.json).output.task_id, id);
    }
  });
});

async function tasksIn(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ id: string }>('select id from tasks')).rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

/** A second connection (the CLI, a backup tool) holding SQLite's write lock. */
describe('store hiccups on SQLite: the write lock held by another connection', () => {
  let proc: VidgateProcess | undefined;
  let dataDir = '';
  let other: SqliteDatabase.Database | undefined;
  const token = randomText(40);

  before(async () => {
    dataDir = makeTempDir('store-hiccups-sqlite');
    proc = await startVidgateProcess({
      env: { VIDGATE_DATA_DIR: dataDir, VIDGATE_BOOTSTRAP_TOKEN: token, VIDGATE_LOG_LEVEL: 'warn' },
    });
    other = new SqliteDatabase(join(dataDir, 'vidgate.db'));
  });

  after(async () => {
    if (other?.inTransaction) other.prepare('rollback').run();
    other?.close();
    await proc?.kill();
    if (dataDir !== '') removeDir(dataDir);
  });

  const taskCount = () => {
    const row: unknown = other?.prepare('select count(*) as n from tasks').get();
    return (row as { n: number }).n;
  };

  it('a create waits out a lock shorter than busy_timeout and answers 200', async () => {
    const p = proc;
    const o = other;
    assert.ok(p && o);
    const before = taskCount();
    o.prepare('begin immediate').run();
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        o.prepare('commit').run();
        resolve();
      }, 1000),
    );
    const created = await client(p.url, token).create('short lock', `short-${randomText(6)}`);
    await released;
    assert.equal(created.status, 200, JSON.stringify(created.json));
    assert.equal(taskCount(), before + 1);
  });

  it('answers 503 ServiceUnavailable with Retry-After while the lock outlasts the retries, and GETs 200', async () => {
    const p = proc;
    const o = other;
    assert.ok(p && o);
    const api = client(p.url, token);
    const first = await api.create('before the lock');
    assert.equal(first.status, 200);
    const id = taskIdOf(first);
    const key = `long-${randomText(6)}`;
    const before = taskCount();

    o.prepare('begin immediate').run();
    let refused: Answer;
    let read: Answer;
    try {
      // held until the answer is in: however slow the machine, the create cannot get the lock
      [refused, read] = await Promise.all([api.create('long lock', key), api.get(`/task/${id}`)]);
    } finally {
      o.prepare('rollback').run();
    }
    assert.equal(refused.status, 503, JSON.stringify(refused.json));
    assert.equal(errorBodySchema.parse(refused.json).code, 'ServiceUnavailable');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    // WAL: a reader is not blocked by a writer
    assert.equal(read.status, 200);
    assert.equal(taskBodySchema.parse(read.json).output.task_id, id);
    assert.equal(taskCount(), before, 'the refused create stored something');

    // the client's retry, as Retry-After tells it, makes the one task
    const retried = await api.create('long lock', key);
    assert.equal(retried.status, 200, JSON.stringify(retried.json));
    const again = await api.create('long lock', key);
    assert.equal(taskIdOf(again), taskIdOf(retried));
    assert.equal(taskCount(), before + 1);
  });
});
