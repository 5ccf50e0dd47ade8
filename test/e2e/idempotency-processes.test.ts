import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { withTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import { makeTempDir, randomText, removeDir, taskBodySchema } from './helpers.js';

const PER_PROCESS = 40;

/** Keys live in the shared store: creates with one key spread over two processes make one task. */
describe('Idempotency-Key across two vidgate processes on one PostgreSQL', () => {
  let postgres: TestPostgres | undefined;
  let db: pg.Pool | undefined;
  let dataDir = '';
  let procs: VidgateProcess[] = [];
  const token = randomText(40);

  before(async () => {
    postgres = await withTestPostgres();
    const url = await postgres.createDatabase();
    db = new pg.Pool({ connectionString: url, max: 2 });
    dataDir = makeTempDir('idem-processes');
    const env = {
      DATABASE_URL: url,
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_BOOTSTRAP_TOKEN: token,
      VIDGATE_LOG_LEVEL: 'warn',
    };
    // one after the other: the first creates the schema and the bootstrap token
    procs.push(await startVidgateProcess({ env }));
    procs.push(await startVidgateProcess({ env }));
  });

  after(async () => {
    for (const p of procs) await p.kill();
    procs = [];
    await db?.end();
    await postgres?.stop();
    if (dataDir !== '') removeDir(dataDir);
  });

  async function create(p: VidgateProcess, key: string, prompt: string) {
    const res = await fetch(`${p.url}/task/bailian/text2video`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify({ model: 'wan2.6-t2v', input: { prompt } }),
    });
    const json: unknown = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    return taskBodySchema.parse(json).output.task_id;
  }

  it('makes one task for concurrent creates with one key sent to both processes', async () => {
    const key = `two-processes-${randomText(8)}`;
    const ids = await Promise.all(
      procs.flatMap((p) =>
        Array.from({ length: PER_PROCESS }, () => create(p, key, 'one key, two processes')),
      ),
    );
    assert.equal(new Set(ids).size, 1, `one task id, got ${[...new Set(ids)].join(', ')}`);
    assert.ok(db);
    const rows = await db.query<{ id: string }>(
      `select id from tasks where request like '%one key, two processes%'`,
    );
    assert.deepEqual(
      rows.rows.map((r) => r.id),
      [ids[0]],
    );
    const keys = await db.query<{ task_id: string }>('select task_id from idempotency_keys');
    assert.deepEqual(
      keys.rows.map((r) => r.task_id),
      [ids[0]],
    );
  });
});
