import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { errorBodySchema, startTestVidgate, taskBodySchema, type TestVidgate } from './helpers.js';

/**
 * A cancel of a task PENDING on a DashScope channel whose answers are slow: vidgate answers when
 * VIDGATE_CANCEL_WAIT_SECONDS runs out, saying the cancel stands, and the task still ends
 * CANCELED once the upstream takes it (ADR 0015).
 */

const KEY = 'sk-sim-cancel-wait-0123456';
const eventsSchema = z.object({
  output: z.object({ events: z.array(z.object({ to: z.string() })) }),
});

describe('a cancel the upstream confirms late', () => {
  let sim: DashScopeSimulator;
  let s: TestVidgate;

  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct-cw', region: 'beijing', keys: [KEY] }],
      // queued upstream for ten minutes: the task is PENDING there for the whole test
      durations: { queueMs: 600_000, runMs: 10_000 },
    });
    s = await startTestVidgate({
      env: {
        DASHSCOPE_API_KEY: KEY,
        DASHSCOPE_HTTP_BASE_URL: sim.url,
        VIDGATE_CANCEL_WAIT_SECONDS: '1',
        VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '30',
      },
    });
  });
  after(async () => {
    await s.stop();
    await sim.close();
  });

  it('answers UnsupportedOperation after the wait, and the task ends CANCELED all the same', async () => {
    const created = await s.api('POST', '/task/bailian/text2video', {
      model: 'wan2.6-t2v',
      input: { prompt: 'a slow tide' },
      parameters: { duration: 5 },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = taskBodySchema.parse(created.json).output.task_id;
    // wait until vidgate has the upstream task (its PENDING event)
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ev = eventsSchema.parse((await s.api('GET', `/task/${id}/events`)).json);
      if (ev.output.events.some((e) => e.to === 'PENDING')) break;
      assert.ok(Date.now() < deadline, 'the task reached PENDING upstream');
      await new Promise((r) => setTimeout(r, 100));
    }
    // every query, list and cancel is now answered 8 s late: far past the 1 s cancel wait
    sim.setFaults({ query: { probabilities: { slow: 1 }, delayMs: 8000 } });
    const res = await s.api('POST', `/task/${id}/cancel`);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    const body = errorBodySchema.parse(res.json);
    assert.equal(body.code, 'UnsupportedOperation');
    assert.match(body.message, /could not be confirmed in time/);
    sim.setFaults({});
    const done = await s.waitForTask(id, ['CANCELED', 'SUCCEEDED', 'FAILED'], 120_000);
    assert.equal(done.body.output.task_status, 'CANCELED');
    const upstream = sim.tasks().find((t) => t.body.input.prompt === 'a slow tide');
    assert.ok(upstream?.canceledAt !== undefined && upstream.canceledAt !== null);
  });
});
