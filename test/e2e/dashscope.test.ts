import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { imageDataUri, startTestVidgate, type TestVidgate } from './helpers.js';

const KEY = 'sk-sim-0123456789abcdef';

/** vidgate relaying to a DashScope simulator over real HTTP on loopback. */
async function setup(
  simOpts: Parameters<typeof startDashScopeSimulator>[0],
  env: Record<string, string> = {},
): Promise<{ sim: DashScopeSimulator; vg: TestVidgate }> {
  const sim = await startDashScopeSimulator({
    accounts: [{ id: 'acct-a', region: 'beijing', keys: [KEY] }],
    ...simOpts,
  });
  const vg = await startTestVidgate({
    env: {
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
      VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '5',
      VIDGATE_RECONCILE_WINDOW_SECONDS: '10',
      VIDGATE_WORKER_CONCURRENCY: '32',
      ...env,
    },
  });
  return { sim, vg };
}

async function submit(vg: TestVidgate, image: string, prompt = 'a calm sea'): Promise<string> {
  const res = await vg.api('POST', '/task/bailian/image2video', {
    model: 'wan2.6-i2v-flash',
    input: { prompt, img_url: image },
    parameters: { resolution: '720P', duration: 5 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const body = res.json as { output: { task_id: string } };
  return body.output.task_id;
}

describe('DashScope channel against the simulator', () => {
  let image = '';
  before(async () => {
    image = await imageDataUri(320, 240);
  });

  describe('200 tasks at once on the default limits', () => {
    let sim: DashScopeSimulator;
    let vg: TestVidgate;
    before(async () => {
      ({ sim, vg } = await setup({ durations: { queueMs: [100, 300], runMs: [300, 800] } }));
    });
    after(async () => {
      await vg.stop();
      await sim.close();
    });

    it('never exceeds 5 submits/s, 5 running or 20 queries/s, and every task succeeds once', async () => {
      const ids = await Promise.all(Array.from({ length: 200 }, () => submit(vg, image)));
      // the test is about limits and exactly-once, not speed: 200 tasks at 5 submits/s took
      // 130 s alone with two busy loops on 2 cores and over 240 s inside the busy full suite, so
      // the wait is the SDKs' own 10 minutes (speed is measured in bench/, not here)
      const done = await Promise.all(
        ids.map((id) => vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 600_000)),
      );
      for (const d of done)
        assert.equal(d.body.output.task_status, 'SUCCEEDED', JSON.stringify(d.body));
      const stats = sim.stats();
      const a = stats.accounts['acct-a'];
      assert.ok(a);
      assert.ok(a.maxCreatesPerSecond <= 5, `creates/s ${a.maxCreatesPerSecond}`);
      assert.ok(a.maxConcurrentTasks <= 5, `running ${a.maxConcurrentTasks}`);
      assert.ok(a.maxQueriesPerSecond <= 20, `queries/s ${a.maxQueriesPerSecond}`);
      assert.equal(a.total429, 0, 'no upstream 429 caused by the account limits');
      assert.equal(a.tasksCreated, 200);
      assert.deepEqual(stats.duplicateClientRequestIds, []);
      // each vidgate task is exactly one upstream task
      const byClientId = new Map(sim.tasks().map((t) => [t.clientRequestId, t]));
      for (const id of ids) assert.ok(byClientId.has(id), `no upstream task for ${id}`);
      // results were copied into vidgate: the link points at vidgate and serves an MP4
      const first = done[0]?.body.output.video_url ?? '';
      assert.match(first, /\/results\/task_/);
      const video = await vg.fetchResult(first);
      assert.equal(video.status, 200);
      assert.ok(video.bytes.length > 1000);
      assert.equal(done[0]?.body.usage?.['SR'], 720);
    });
  });

  describe('faults', () => {
    let sim: DashScopeSimulator;
    let vg: TestVidgate;
    before(async () => {
      // a short timeout so the `timeout` fault resolves quickly
      ({ sim, vg } = await setup(
        { durations: { queueMs: 100, runMs: 400 } },
        { VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '2' },
      ));
    });
    after(async () => {
      await vg.stop();
      await sim.close();
    });

    it('recovers from every create fault without ever creating an upstream task twice', async () => {
      sim.setFaults({
        create: {
          queue: ['rate429', 'error5xx', 'reset', 'malformedJson', 'lostAnswer', 'timeout', 'slow'],
          delayMs: 300,
        },
      });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await submit(vg, image, `fault case ${i}`));
      const done = await Promise.all(
        ids.map((id) => vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 90_000)),
      );
      for (const d of done)
        assert.equal(d.body.output.task_status, 'SUCCEEDED', JSON.stringify(d.body));
      const stats = sim.stats();
      assert.deepEqual(stats.duplicateClientRequestIds, []);
      assert.equal(stats.accounts['acct-a']?.tasksCreated, 8, 'one upstream task per vidgate task');
      for (const kind of [
        'rate429',
        'error5xx',
        'reset',
        'malformedJson',
        'lostAnswer',
        'timeout',
      ] as const) {
        assert.ok(stats.faultsInjected[kind] >= 1, `fault ${kind} was not exercised`);
      }
    });

    it('keeps polling through query faults', async () => {
      sim.setFaults({
        query: { queue: ['rate429', 'error5xx', 'malformedJson', 'reset', 'slow'], delayMs: 200 },
      });
      const id = await submit(vg, image, 'query faults');
      const d = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 60_000);
      assert.equal(d.body.output.task_status, 'SUCCEEDED');
      assert.ok(sim.stats().faultsInjected.malformedJson >= 1);
    });

    it('reports an upstream task failure with DashScope code and message', async () => {
      sim.setFaults({});
      const id = await submit(vg, image, 'please FAIL_CONTENT now');
      const d = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 60_000);
      assert.equal(d.body.output.task_status, 'FAILED');
      assert.equal(typeof d.body.output.code, 'string');
      assert.notEqual(d.body.output.code, 'InternalError');
    });
  });

  describe('quota exhaustion fails over to another channel', () => {
    let sim: DashScopeSimulator;
    let vg: TestVidgate;
    before(async () => {
      ({ sim, vg } = await setup({
        accounts: [
          { id: 'acct-a', region: 'beijing', keys: [KEY], allocationQuotaExhausted: true },
          { id: 'acct-b', region: 'beijing', keys: ['sk-sim-second-account'] },
        ],
        durations: { queueMs: 100, runMs: 300 },
      }));
      await vg.vg.channels.create({
        name: 'second',
        provider: 'dashscope',
        settings: { baseUrl: sim.url, apiKeys: ['sk-sim-second-account'], requestTimeoutMs: 2000 },
        priority: -1,
      });
    });
    after(async () => {
      await vg.stop();
      await sim.close();
    });

    it('takes the exhausted channel out of rotation and the task succeeds on the other', async () => {
      const id = await submit(vg, image, 'failover');
      const d = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 60_000);
      assert.equal(d.body.output.task_status, 'SUCCEEDED', JSON.stringify(d.body));
      const stats = sim.stats();
      assert.equal(stats.accounts['acct-b']?.tasksCreated, 1);
      assert.equal(stats.accounts['acct-a']?.tasksCreated, 0);
      const paused = (await vg.vg.channels.list()).find((c) => c.name === 'dashscope-default');
      assert.equal(paused?.pause_reason, 'Throttling.AllocationQuota');
      assert.equal(
        JSON.stringify(await vg.vg.channels.list()).includes('sk-sim'),
        false,
        'no key in listings',
      );
    });
  });
});
