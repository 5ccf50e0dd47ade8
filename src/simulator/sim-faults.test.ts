import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { FaultInjector, type FaultKind } from './sim-faults.js';
import { startDashScopeSimulator, type DashScopeSimulator, type SimOptions } from './simulator.js';

const sims: DashScopeSimulator[] = [];
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function start(opts: SimOptions = {}): Promise<DashScopeSimulator> {
  const sim = await startDashScopeSimulator({
    durations: { queueMs: 0, runMs: 60_000 },
    accounts: [
      {
        id: 'f',
        region: 'beijing',
        keys: ['sk-f'],
        limits: { createPerSecond: 1000, concurrentTasks: 1000, queriesPerSecond: 1000 },
      },
    ],
    ...opts,
  });
  sims.push(sim);
  return sim;
}

const BODY = {
  model: 'wan2.6-i2v',
  input: { prompt: 'a lighthouse', img_url: 'https://example.com/l.png' },
  parameters: {},
};

function createRequest(sim: DashScopeSimulator, clientId: string, signal?: AbortSignal) {
  return fetch(`${sim.url}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer sk-f',
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
      'x-request-id': clientId,
    },
    body: JSON.stringify(BODY),
    signal,
  });
}

function query(sim: DashScopeSimulator, taskId: string, signal?: AbortSignal) {
  return fetch(`${sim.url}/tasks/${taskId}`, { headers: { authorization: 'Bearer sk-f' }, signal });
}

const errorSchema = z.object({ request_id: z.string(), code: z.string(), message: z.string() });

describe('fault injection over HTTP', () => {
  it('reset destroys the connection before anything happens', async () => {
    const sim = await start({ faults: { create: { queue: ['reset'] } } });
    await assert.rejects(createRequest(sim, 'r-1'), TypeError);
    assert.equal(sim.tasks().length, 0);
    assert.equal((await createRequest(sim, 'r-2')).status, 200, 'the queue is used up');
    assert.equal(sim.stats().faultsInjected.reset, 1);
  });

  it('lostAnswer creates the task, then resets; a retry with the same id is a duplicate', async () => {
    const sim = await start({ faults: { create: { queue: ['lostAnswer'] } } });
    await assert.rejects(createRequest(sim, 'lost-1'), TypeError);
    const [task] = sim.tasks();
    assert.equal(sim.tasks().length, 1);
    assert.equal(task?.clientRequestId, 'lost-1');
    assert.equal(task?.answerLost, true);
    assert.deepEqual(task?.body, BODY);
    const listed = await fetch(`${sim.url}/tasks`, { headers: { authorization: 'Bearer sk-f' } });
    const page = z
      .object({ data: z.array(z.object({ task_id: z.string(), request_id: z.string() })) })
      .parse(await listed.json());
    assert.deepEqual(page.data, [
      { ...page.data[0], task_id: task?.taskId, request_id: task?.requestId },
    ]);
    assert.deepEqual(sim.stats().duplicateClientRequestIds, []);
    assert.equal((await createRequest(sim, 'lost-1')).status, 200);
    assert.deepEqual(sim.stats().duplicateClientRequestIds, ['lost-1']);
  });

  it('lostAnswer with hang and timeout keep the client waiting; only lostAnswer creates', async () => {
    const sim = await start({
      faults: { create: { queue: [{ kind: 'lostAnswer', hang: true }, 'timeout'] } },
    });
    await assert.rejects(createRequest(sim, 'h-1', AbortSignal.timeout(300)), {
      name: 'TimeoutError',
    });
    await assert.rejects(createRequest(sim, 'h-2', AbortSignal.timeout(300)), {
      name: 'TimeoutError',
    });
    assert.deepEqual(
      sim.tasks().map((t) => t.clientRequestId),
      ['h-1'],
    );
  });

  it('slow answers late but answers; the task exists before the answer arrives', async () => {
    const sim = await start({ faults: { create: { queue: ['slow'], delayMs: 400 } } });
    const started = Date.now();
    const pending = createRequest(sim, 's-1');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(sim.tasks().length, 1, 'handled before the delay');
    const res = await pending;
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 390, `answered after ${Date.now() - started} ms`);
  });

  it('malformedJson answers 200 with a body that is not JSON (a create still creates)', async () => {
    const sim = await start({
      faults: { query: { queue: ['malformedJson'] }, create: { queue: ['malformedJson'] } },
    });
    const created = await createRequest(sim, 'm-1');
    assert.equal(created.status, 200);
    await assert.rejects(created.json(), SyntaxError);
    assert.deepEqual(
      sim.tasks().map((t) => t.clientRequestId),
      ['m-1'],
    );
    const res = await query(sim, 'some-task');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const text = await res.text();
    assert.ok(text.length > 0);
    assert.throws(() => JSON.parse(text) as unknown, SyntaxError);
    assert.equal((await query(sim, 'some-task')).status, 200);
  });

  it('rate429 and error5xx answer DashScope errors without side effects', async () => {
    const sim = await start({
      faults: {
        create: {
          queue: [
            { kind: 'rate429', retryAfterSec: 7 },
            { kind: 'error5xx', status: 503 },
            { kind: 'error5xx', status: 500 },
            null,
          ],
        },
      },
    });
    const throttled = await createRequest(sim, 'e-1');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '7');
    assert.equal(errorSchema.parse(await throttled.json()).code, 'Throttling.RateQuota');
    const unavailable = await createRequest(sim, 'e-2');
    assert.equal(unavailable.status, 503);
    assert.equal(errorSchema.parse(await unavailable.json()).code, 'ModelUnavailable');
    const internal = await createRequest(sim, 'e-3');
    assert.equal(internal.status, 500);
    assert.equal(errorSchema.parse(await internal.json()).code, 'InternalError');
    assert.equal(sim.tasks().length, 0);
    assert.equal((await createRequest(sim, 'e-4')).status, 200, 'null lets one through');
    const stats = sim.stats();
    assert.equal(stats.accounts['f']?.throttled.injected, 1);
    assert.equal(stats.faultsInjected.error5xx, 2);
  });

  it('faults creates and queries independently, and can be changed over HTTP', async () => {
    const sim = await start({ faults: { query: { queue: ['error5xx'], status: 500 } } });
    const created = await createRequest(sim, 'i-1');
    assert.equal(created.status, 200);
    const id = z.object({ output: z.object({ task_id: z.string() }) }).parse(await created.json())
      .output.task_id;
    assert.equal((await query(sim, id)).status, 500);
    assert.equal((await query(sim, id)).status, 200);

    const set = await fetch(`${sim.origin}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ create: { queue: ['rate429'] } }),
    });
    assert.equal(set.status, 200);
    assert.equal((await createRequest(sim, 'i-2')).status, 429);
    const invalid = await fetch(`${sim.origin}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ create: { probabilities: { reset: 0.7, timeout: 0.7 } } }),
    });
    assert.equal(invalid.status, 400);

    const stats = z
      .object({ tasks: z.number(), faultsInjected: z.record(z.string(), z.number()) })
      .parse(await (await fetch(`${sim.origin}/__sim/stats`)).json());
    assert.equal(stats.tasks, 1);
    assert.equal(stats.faultsInjected.rate429, 1);
    const tasks = z
      .object({ tasks: z.array(z.object({ taskId: z.string(), clientRequestId: z.string() })) })
      .parse(await (await fetch(`${sim.origin}/__sim/tasks`)).json());
    assert.deepEqual(
      tasks.tasks.map((t) => [t.taskId, t.clientRequestId]),
      [[id, 'i-1']],
    );
  });
});

describe('FaultInjector', () => {
  const sequence = (seed: number, n: number): (FaultKind | null)[] => {
    const f = new FaultInjector(
      { seed, create: { probabilities: { rate429: 0.3, reset: 0.2 } } },
      1,
    );
    return Array.from({ length: n }, () => f.pick('create')?.kind ?? null);
  };

  it('rolls probabilities deterministically per seed', () => {
    const a = sequence(42, 500);
    assert.deepEqual(sequence(42, 500), a);
    assert.notDeepEqual(sequence(43, 500), a);
    const rate = a.filter((k) => k === 'rate429').length;
    const reset = a.filter((k) => k === 'reset').length;
    assert.ok(rate > 110 && rate < 190, `rate429 ${rate}`);
    assert.ok(reset > 65 && reset < 135, `reset ${reset}`);
  });

  it('serves the queue before rolling, per target', () => {
    const f = new FaultInjector(
      { create: { queue: ['timeout', null, 'slow'] }, query: { probabilities: { reset: 1 } } },
      1,
    );
    assert.equal(f.pick('create')?.kind, 'timeout');
    assert.equal(f.pick('query')?.kind, 'reset');
    assert.equal(f.pick('create'), null);
    assert.equal(f.pick('create')?.kind, 'slow');
    assert.equal(f.pick('create'), null);
    assert.deepEqual(f.pending(), { create: 0, query: 0 });
  });
});
