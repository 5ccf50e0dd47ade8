import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createServices } from '../../src/services/create-services.js';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import {
  imageDataUri,
  makeTempDir,
  removeDir,
  startTestVidgate,
  type TestVidgate,
} from './helpers.js';

const KEY = 'sk-sim-reconcile-budget-0123456789';
/** the account's query count, on both sides: low, so a burst beyond it cannot hide */
const QPS = 4;
const TASKS = 8;

/**
 * A lost submit is reconciled by reading the upstream's task list to its last page. Every page
 * is a query of its own: with one task a page and eight tasks in the window, a reconciliation
 * that read the list under one slot sent eight queries at once to an account allowing four a
 * second (a polling bench run saw 22 against 20 this way). The simulator counts what arrives.
 */
describe('reconciliation stays within the account’s query count', () => {
  let sim: DashScopeSimulator;
  let vg: TestVidgate;
  let dataDir = '';

  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [
        {
          id: 'acct',
          region: 'beijing',
          keys: [KEY],
          limits: { queriesPerSecond: QPS, concurrentTasks: 50, createPerSecond: 50 },
        },
      ],
      durations: { queueMs: 300, runMs: 1500 },
      listPageSizeCap: 1,
    });
    sim.setFaults({ create: { queue: [{ kind: 'lostAnswer', handleAfterMs: 0 }] } });
    // the channel is made before the start, with the account's count as its limit
    dataDir = makeTempDir('reconcile-budget');
    const config = loadConfig({ VIDGATE_DATA_DIR: dataDir, VIDGATE_LOG_LEVEL: 'silent' });
    const s = await createServices(config);
    try {
      await s.channels.create({
        name: 'acct',
        provider: 'dashscope',
        settings: { apiKeys: [KEY], baseUrl: sim.url },
        models: ['*'],
        limits: { queriesPerSecond: QPS, maxRunning: 50, submitPerSecond: 20 },
      });
    } finally {
      await s.close();
    }
    vg = await startTestVidgate({
      dataDir,
      env: { VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '3', VIDGATE_RECONCILE_WINDOW_SECONDS: '6' },
    });
  });
  after(async () => {
    await vg?.stop();
    await sim.close();
    removeDir(dataDir);
  });

  it('reads a many-page list one slot per page: no 429, never more than the count', async () => {
    const image = await imageDataUri(320, 240);
    const ids = await Promise.all(
      Array.from({ length: TASKS }, async (_, i) => {
        const res = await vg.api('POST', '/task/bailian/image2video', {
          model: 'wan2.6-i2v-flash',
          input: { prompt: `a paper boat number ${i}`, img_url: image },
          parameters: { resolution: '720P', duration: 5 },
        });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        return (res.json as { output: { task_id: string } }).output.task_id;
      }),
    );
    const done = await Promise.all(
      ids.map((id) => vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 120_000)),
    );
    for (const d of done)
      assert.equal(d.body.output.task_status, 'SUCCEEDED', JSON.stringify(d.body));
    const stats = sim.stats();
    assert.equal(stats.faultsInjected.lostAnswer, 1, 'one create answer was lost');
    const adopted = await vg.vg.db.kysely
      .selectFrom('tasks')
      .select('id')
      .where('adoptedAt', 'is not', null)
      .execute();
    assert.equal(adopted.length, 1, 'and reconciled from the list');
    const account = stats.accounts['acct'];
    assert.ok(account);
    assert.equal(account.total429, 0, JSON.stringify(account.throttled));
    assert.ok(
      account.maxQueriesPerSecond <= QPS,
      `${account.maxQueriesPerSecond} queries in a second`,
    );
  });
});
