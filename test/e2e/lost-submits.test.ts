import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  startDashScopeSimulator,
  type DashScopeSimulator,
  type SimFaults,
} from '../../src/simulator/simulator.js';
import { simTaskIdOf } from '../../src/simulator/sim-video.js';
import { imageDataUri, startTestVidgate, type TestVidgate } from './helpers.js';

const KEY = 'sk-sim-lost-submits-0123456789';

/**
 * ADR 0011 against the simulator over real HTTP: lost create answers are attached only to the
 * upstream task made for their own request, whatever order the upstream created them in.
 */
describe('lost submits are never crossed', () => {
  let image = '';
  let sim: DashScopeSimulator;
  let vg: TestVidgate;

  before(async () => {
    image = await imageDataUri(320, 240);
  });
  beforeEach(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: 100, runMs: 600 },
      // one task a page: the list must be read to its last page to see both tasks
      listPageSizeCap: 1,
    });
    vg = await startTestVidgate({
      env: {
        DASHSCOPE_API_KEY: KEY,
        DASHSCOPE_HTTP_BASE_URL: sim.url,
        VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '5',
        VIDGATE_RECONCILE_WINDOW_SECONDS: '10',
      },
    });
  });
  afterEach(async () => {
    await vg.stop();
    await sim.close();
  });

  async function submit(prompt: string): Promise<string> {
    const res = await vg.api('POST', '/task/bailian/image2video', {
      model: 'wan2.6-i2v-flash',
      input: { prompt, img_url: image },
      parameters: { resolution: '720P', duration: 5 },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return (res.json as { output: { task_id: string } }).output.task_id;
  }

  async function stateOf(id: string): Promise<string | undefined> {
    const row = await vg.vg.db.kysely
      .selectFrom('tasks')
      .select('state')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.state;
  }

  /**
   * Runs two same-model tasks through the fault plan; checks each got its own video. With
   * `staggerMs`, the second is accepted only once the first's create is on the wire, so the
   * order in which they left is known.
   */
  async function runPair(
    faults: SimFaults,
    staggerMs?: number,
  ): Promise<{ ids: string[]; prompts: string[] }> {
    sim.setFaults(faults);
    const prompts = ['a lighthouse in fog', 'a red kite over dunes'];
    let ids: string[];
    if (staggerMs === undefined) {
      ids = await Promise.all(prompts.map((p) => submit(p)));
    } else {
      const first = await submit(prompts[0] ?? '');
      while ((await stateOf(first)) !== 'SUBMITTING') await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, staggerMs));
      ids = [first, await submit(prompts[1] ?? '')];
    }
    const done = await Promise.all(
      ids.map((id) => vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 90_000)),
    );
    assert.equal(sim.faultsPending().create, 0, 'every planned fault was used');
    const upstream = sim.tasks();
    assert.equal(upstream.length, 2, 'one upstream task per vidgate task, none twice');
    assert.deepEqual(sim.stats().duplicateClientRequestIds, []);
    for (const [i, d] of done.entries()) {
      assert.equal(d.body.output.task_status, 'SUCCEEDED', JSON.stringify(d.body));
      assert.equal(d.body.output.orig_prompt, prompts[i], 'orig_prompt of its own request');
      const video = await vg.fetchResult(d.body.output.video_url ?? '');
      assert.equal(video.status, 200);
      const madeFor = upstream.find((t) => t.taskId === simTaskIdOf(video.bytes));
      assert.ok(madeFor, 'the stored video names the upstream task it came from');
      assert.equal(madeFor.clientRequestId, ids[i], 'the video was made for this very request');
      assert.equal(madeFor.body.input.prompt, prompts[i]);
    }
    return { ids, prompts };
  }

  it('two lost answers, created upstream in the reverse of the sending order', async () => {
    // the request that arrives first is created 800 ms later than the one right behind it
    const { ids } = await runPair({
      create: {
        queue: [
          { kind: 'lostAnswer', handleAfterMs: 800 },
          { kind: 'lostAnswer', handleAfterMs: 0 },
        ],
      },
    });
    const rows = await vg.vg.db.kysely
      .selectFrom('tasks')
      .select(['id', 'adoptedAt'])
      .where('id', 'in', ids)
      .execute();
    assert.equal(rows.filter((r) => r.adoptedAt !== null).length, 2, 'both were reconciled');
    const upstream = sim.tasks();
    const [first, second] = upstream.map((t) => t.submitAt);
    assert.ok(first !== undefined && second !== undefined);
    assert.ok(Math.abs(first - second) >= 500, 'the upstream created them far apart');
    assert.equal(sim.stats().faultsInjected.lostAnswer, 2);
  });

  it('two lost answers, both created long after both were sent (nearest send time would cross them)', async () => {
    // A leaves, B 150 ms later; each is created 1.2 s after it arrived, so A's task is
    // created nearer to B's send time than to A's
    await runPair(
      {
        create: {
          queue: [
            { kind: 'lostAnswer', handleAfterMs: 1200 },
            { kind: 'lostAnswer', handleAfterMs: 1200 },
          ],
        },
      },
      150,
    );
    assert.equal(sim.stats().faultsInjected.lostAnswer, 2);
  });

  it('one answer slow, the other lost: the lost one never takes the slow one’s task', async () => {
    await runPair({ create: { queue: [{ kind: 'slow', delayMs: 2500 }, 'lostAnswer'] } });
    assert.equal(sim.stats().faultsInjected.slow, 1);
    assert.equal(sim.stats().faultsInjected.lostAnswer, 1);
  });

  it('a reset before the upstream handled the create is sent again once proven empty', async () => {
    await runPair({ create: { queue: ['reset', 'lostAnswer'] } });
    assert.equal(sim.stats().faultsInjected.reset, 1);
  });
});
