import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { startVidgate, type Vidgate } from '../../src/main.js';
import { openDatabase } from '../../src/store/database.js';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { withTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import { imageDataUri, makeTempDir, randomText, removeDir, taskBodySchema } from './helpers.js';

const KEY = 'sk-sim-concurrent-start-0123456789';
const BANNER = 'vidgate created the first account and token';

/*
 * docker-compose and Kubernetes start every replica at once. On an empty PostgreSQL and an
 * empty shared volume, each process must not bootstrap on its own: one account, one token, one
 * default channel, and one link-signing and encryption secret that every process uses.
 */
describe('three vidgate processes started at the same moment on an empty store', () => {
  let postgres: TestPostgres | undefined;
  let sim: DashScopeSimulator | undefined;
  let db: pg.Pool | undefined;
  let dataDir = '';
  let procs: VidgateProcess[] = [];
  const token = randomText(40);

  before(async () => {
    postgres = await withTestPostgres();
    const url = await postgres.createDatabase();
    db = new pg.Pool({ connectionString: url, max: 2 });
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct-start', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: 100, runMs: 300 },
    });
    dataDir = makeTempDir('concurrent-start');
    const env = {
      DATABASE_URL: url,
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_BOOTSTRAP_TOKEN: token,
      // no VIDGATE_ENCRYPTION_KEY: the processes must agree on the generated one
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
      VIDGATE_LOG_LEVEL: 'warn',
    };
    const started = await Promise.allSettled([1, 2, 3].map(() => startVidgateProcess({ env })));
    procs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    assert.deepEqual(failed, [], 'every process starts');
  });

  after(async () => {
    for (const p of procs) await p.kill();
    await db?.end();
    await sim?.close();
    await postgres?.stop();
    if (dataDir !== '') removeDir(dataDir);
  });

  it('bootstraps once: one account, one token, one channel, one banner', async () => {
    assert.ok(db);
    const count = async (table: string) =>
      Number((await db?.query<{ n: string }>(`select count(*) as n from ${table}`))?.rows[0]?.n);
    assert.equal(await count('accounts'), 1);
    assert.equal(await count('tokens'), 1);
    const channels = await db.query<{ name: string; enabled: number }>(
      'select name, enabled from channels order by name',
    );
    assert.deepEqual(channels.rows, [{ name: 'dashscope-default', enabled: 1 }]);
    const banners = procs.filter((p) => p.output().includes(BANNER));
    assert.equal(banners.length, 1, 'exactly one process created and printed the first token');
    for (const name of ['link-signing.key', 'encryption.key'])
      assert.ok(existsSync(join(dataDir, 'secrets', name)), `${name} written`);
  });

  it('holds when the starts interleave at every await (three in one process)', async (t) => {
    assert.ok(postgres && sim);
    const url = await postgres.createDatabase();
    // Migrated beforehand, and the example files already on the shared volume (from the
    // processes above): the three starts then reach the bootstrap within the same milliseconds.
    await (await openDatabase({ kind: 'postgres', url })).close();
    const env = {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_BOOTSTRAP_TOKEN: token,
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
      VIDGATE_LOG_LEVEL: 'silent',
    };
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => startVidgate(loadConfig(env), { printBanner: false })),
    );
    const up: Vidgate[] = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    t.after(async () => {
      for (const vg of up) await vg.stop();
    });
    assert.deepEqual(
      started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : [])),
      [],
      'every start succeeds',
    );
    assert.equal(up.filter((vg) => vg.bootstrapToken !== null).length, 1, 'one start bootstraps');
    const peek = new pg.Pool({ connectionString: url, max: 1 });
    t.after(() => peek.end());
    const rows = await peek.query<{ accounts: string; tokens: string; channels: string }>(
      `select (select count(*) from accounts) as accounts, (select count(*) from tokens) as tokens,
              (select count(*) from channels) as channels`,
    );
    assert.deepEqual(rows.rows[0], { accounts: '1', tokens: '1', channels: '1' });
  });

  it('runs a task accepted by one process, reported by another, downloaded from the third', async () => {
    const [a, b, c] = procs;
    assert.ok(a && b && c);
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${a.url}/task/bailian/image2video`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'wan2.6-i2v-flash',
        input: { prompt: 'a lighthouse at dusk', img_url: await imageDataUri(320, 240) },
        parameters: { resolution: '720P', duration: 2 },
      }),
    });
    const body = taskBodySchema.parse(await created.json());
    assert.equal(created.status, 200, JSON.stringify(body));
    const id = body.output.task_id;

    const deadline = Date.now() + 60_000;
    let task = body;
    while (!['SUCCEEDED', 'FAILED'].includes(task.output.task_status)) {
      assert.ok(Date.now() < deadline, `task still ${task.output.task_status}`);
      await sleep(200);
      task = taskBodySchema.parse(
        await (await fetch(`${b.url}/task/${id}`, { headers: auth })).json(),
      );
    }
    assert.equal(task.output.task_status, 'SUCCEEDED', JSON.stringify(task.output));
    // signed by b, served by c: both hold the same link-signing secret
    const link = new URL(task.output.video_url ?? '');
    const video = await fetch(`${c.url}${link.pathname}${link.search}`);
    assert.equal(video.status, 200);
    assert.ok((await video.arrayBuffer()).byteLength > 1000);
  });
});
