import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { imageDataUri, startTestVidgate, type TestVidgate } from './helpers.js';

const KEY = 'sk-sim-sweep-0123456789abcdef';
const TASKS = 30;

/*
 * The task list's page-size cap and lag are undocumented (reference §8), so they are set small
 * and large here. The sweep must still notice every change, and do it without the per-task
 * queries a poller would spend: run times vary tenfold, so once vidgate has learned an expected
 * time from the first tasks, many others run past it, which is where a poller queries early.
 */
describe('status sweep with a page cap of 3 and a list that lags 1 s', () => {
  let sim: DashScopeSimulator;
  let vg: TestVidgate;
  let image = '';

  before(async () => {
    image = await imageDataUri(320, 240);
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct-sweep', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: [100, 400], runMs: [600, 6000] },
      listPageSizeCap: 3,
      listLagMs: 1000,
    });
    vg = await startTestVidgate({
      env: {
        DASHSCOPE_API_KEY: KEY,
        DASHSCOPE_HTTP_BASE_URL: sim.url,
        VIDGATE_WORKER_CONCURRENCY: '16',
      },
    });
  });
  after(async () => {
    await vg.stop();
    await sim.close();
  });

  it('reports every task, with no per-task query before the upstream end', async () => {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const res = await vg.api('POST', '/task/bailian/image2video', {
        model: 'wan2.6-i2v-flash',
        input: { prompt: `sweep task ${i}`, img_url: image },
        parameters: { resolution: '720P', duration: 5 },
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      ids.push((res.json as { output: { task_id: string } }).output.task_id);
    }
    const done = await Promise.all(
      ids.map((id) => vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 120_000)),
    );
    assert.deepEqual(
      done.map((d) => d.body.output.task_status),
      ids.map(() => 'SUCCEEDED'),
    );

    const upstream = sim.tasks();
    assert.equal(upstream.length, TASKS, 'one upstream task per vidgate task');
    const stats = sim.stats().accounts['acct-sweep'];
    assert.ok(stats, 'simulator account stats');
    assert.equal(stats.total429, 0);
    let early = 0;
    let queries = 0;
    const noticedAfterMs: number[] = [];
    for (const t of upstream) {
      const q = t.requests.filter((r) => r.kind === 'query');
      queries += q.length;
      early += q.filter((r) => r.at < t.endAt).length;
      const first = q.find((r) => r.at >= t.endAt);
      if (first) noticedAfterMs.push(first.at - t.endAt);
      assert.ok(q.length >= 1, `${t.taskId}: video_url is only read by a per-task query`);
    }
    assert.equal(early, 0, 'per-task queries made while the task was still running');
    // noticed by the sweep, not by the safety-net poll a minute after the expected end
    const latest = Math.max(...noticedAfterMs);
    assert.ok(latest < 30_000, `a task was noticed only ${latest} ms after it ended`);
    assert.ok(queries <= TASKS * 1.5, `${queries} per-task queries for ${TASKS} tasks`);
  });
});
