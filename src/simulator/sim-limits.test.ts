import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { formatListTime } from './sim-list.js';
import { startDashScopeSimulator, type DashScopeSimulator, type SimOptions } from './simulator.js';

const T0 = Date.UTC(2026, 0, 15, 4, 0, 0);

function fakeClock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const sims: DashScopeSimulator[] = [];
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function start(opts: SimOptions): Promise<DashScopeSimulator> {
  const sim = await startDashScopeSimulator(opts);
  sims.push(sim);
  return sim;
}

const BODY = {
  model: 'wan2.6-i2v-flash',
  input: { prompt: 'waves', img_url: 'https://example.com/sea.png' },
  parameters: { resolution: '1080P', duration: 3 },
};

const anyJson = z.record(z.string(), z.unknown());

async function create(sim: DashScopeSimulator, key: string, body: unknown = BODY) {
  const res = await fetch(`${sim.url}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: anyJson.parse(await res.json()),
  };
}

async function call(sim: DashScopeSimulator, key: string, path: string, method = 'GET') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: anyJson.parse(await res.json()),
  };
}

const taskIdOf = (json: Record<string, unknown>): string =>
  z.object({ output: z.object({ task_id: z.string() }) }).parse(json).output.task_id;

describe('per-account limits', () => {
  it('throttles the 6th create in a second and the 6th unfinished task, shared across keys', async () => {
    const clock = fakeClock();
    const sim = await start({
      clock,
      durations: { queueMs: 2000, runMs: 3000 },
      accounts: [{ id: 'acct', region: 'beijing', keys: ['sk-1', 'sk-2'] }],
    });
    for (let i = 0; i < 5; i++)
      assert.equal((await create(sim, i % 2 ? 'sk-1' : 'sk-2')).status, 200);
    const sixth = await create(sim, 'sk-1');
    assert.equal(sixth.status, 429);
    assert.equal(sixth.json.code, 'Throttling.RateQuota');
    assert.equal(sixth.retryAfter, '1');

    clock.advance(1000);
    const busy = await create(sim, 'sk-2');
    assert.equal(busy.status, 429, 'five tasks are still unfinished');
    assert.equal(busy.json.code, 'Throttling.RateQuota');
    assert.equal(busy.retryAfter, '4', 'the first task ends 4 s from now');

    clock.advance(4000);
    assert.equal((await create(sim, 'sk-1')).status, 200);
    const stats = sim.stats().accounts['acct'];
    assert.ok(stats);
    assert.equal(stats.createRequests, 8);
    assert.equal(stats.tasksCreated, 6);
    assert.equal(stats.maxCreatesPerSecond, 6);
    assert.equal(stats.maxConcurrentTasks, 5);
    assert.deepEqual(stats.throttled, {
      createRate: 1,
      concurrency: 1,
      queryRate: 0,
      allocationQuota: 0,
      injected: 0,
    });
    assert.equal(stats.total429, 2);
  });

  it('uses a sliding window, not calendar seconds', async () => {
    const clock = fakeClock();
    const sim = await start({
      clock,
      durations: { queueMs: 0, runMs: 1 },
      accounts: [{ id: 'a', region: 'beijing', keys: ['sk'], limits: { concurrentTasks: 100 } }],
    });
    for (let i = 0; i < 3; i++) assert.equal((await create(sim, 'sk')).status, 200);
    clock.advance(600);
    for (let i = 0; i < 2; i++) assert.equal((await create(sim, 'sk')).status, 200);
    clock.advance(401); // the first three left the window, the last two have not
    for (let i = 0; i < 3; i++) assert.equal((await create(sim, 'sk')).status, 200);
    assert.equal((await create(sim, 'sk')).status, 429);
    const stats = sim.stats().accounts['a'];
    assert.equal(stats?.maxCreatesPerSecond, 6);
    assert.equal(stats?.tasksCreated, 8);
  });

  it('counts queries, lists and cancels against one query limit', async () => {
    const clock = fakeClock();
    const sim = await start({
      clock,
      accounts: [{ id: 'q', region: 'beijing', keys: ['sk'], limits: { queriesPerSecond: 4 } }],
    });
    const id = taskIdOf((await create(sim, 'sk')).json);
    assert.equal((await call(sim, 'sk', `/tasks/${id}`)).status, 200);
    assert.equal((await call(sim, 'sk', '/tasks')).status, 200);
    assert.equal((await call(sim, 'sk', `/tasks/${id}/cancel`, 'POST')).status, 200);
    assert.equal((await call(sim, 'sk', '/tasks/')).status, 200);
    const over = await call(sim, 'sk', `/tasks/${id}`);
    assert.equal(over.status, 429);
    assert.equal(over.json.code, 'Throttling.RateQuota');
    assert.equal(over.retryAfter, '1');
    clock.advance(1000);
    assert.equal((await call(sim, 'sk', `/tasks/${id}`)).status, 200);
    const stats = sim.stats().accounts['q'];
    assert.equal(stats?.maxQueriesPerSecond, 5);
    assert.equal(stats?.queryRequests, 6);
    assert.equal(stats?.throttled.queryRate, 1);
  });

  it('answers AllocationQuota and Arrearage per account, switchable at runtime and over HTTP', async () => {
    const sim = await start({ accounts: [{ id: 'b', region: 'beijing', keys: ['sk-b'] }] });
    sim.setAccount({ id: 'b', region: 'beijing', keys: ['sk-b'], allocationQuotaExhausted: true });
    const quota = await create(sim, 'sk-b');
    assert.equal(quota.status, 429);
    assert.equal(quota.json.code, 'Throttling.AllocationQuota');
    const res = await fetch(`${sim.origin}/__sim/accounts`, {
      method: 'POST',
      body: JSON.stringify({ id: 'b', region: 'beijing', keys: ['sk-b'], arrearage: true }),
    });
    assert.equal(res.status, 200);
    const overdue = await create(sim, 'sk-b');
    assert.equal(overdue.status, 400);
    assert.equal(overdue.json.code, 'Arrearage');
    sim.setAccount({ id: 'b', region: 'beijing', keys: ['sk-b'] });
    assert.equal((await create(sim, 'sk-b')).status, 200);
    assert.equal(sim.stats().accounts['b']?.throttled.allocationQuota, 1);
    assert.equal(sim.tasks().length, 1);
  });
});

const pageSchema = z.object({
  request_id: z.string(),
  total: z.number(),
  total_page: z.number(),
  page_no: z.number(),
  page_size: z.number(),
  data: z.array(
    z.object({
      api_key_id: z.string(),
      caller_parent_id: z.string(),
      caller_uid: z.string(),
      gmt_create: z.number(),
      start_time: z.number(),
      end_time: z.number().optional(),
      model_name: z.string(),
      region: z.string(),
      request_id: z.string(),
      status: z.string(),
      task_id: z.string(),
      user_api_unique_key: z.string(),
    }),
  ),
});

describe('task list', () => {
  it('pages newest first, caps page_size silently and lags behind reality', async () => {
    const clock = fakeClock();
    const sim = await start({
      clock,
      region: 'singapore',
      listPageSizeCap: 3,
      listLagMs: 2000,
      durations: { queueMs: 10_000, runMs: 10_000 },
      accounts: [
        { id: 'l', region: 'singapore', keys: ['sk-l'] },
        { id: 'other', region: 'singapore', keys: ['sk-o'] },
      ],
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(taskIdOf((await create(sim, 'sk-l')).json));
      clock.advance(1);
    }
    assert.equal((await create(sim, 'sk-o')).status, 200);
    const list = async (query: string) => {
      const r = await call(sim, 'sk-l', `/tasks?${query}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return pageSchema.parse(r.json);
    };
    assert.equal((await list('')).total, 0, 'not yet indexed');

    clock.advance(2000);
    const first = await list('page_size=10');
    assert.equal(first.total, 5);
    assert.equal(first.page_size, 3);
    assert.equal(first.total_page, 2);
    assert.equal(first.page_no, 1);
    assert.deepEqual(
      first.data.map((d) => d.task_id),
      [ids[4], ids[3], ids[2]],
    );
    const second = await list('page_size=10&page_no=2');
    assert.deepEqual(
      second.data.map((d) => d.task_id),
      [ids[1], ids[0]],
    );
    const item = second.data[1];
    const task = sim.task(ids[0] ?? '');
    assert.equal(item?.request_id, task?.requestId);
    assert.equal(item?.gmt_create, T0);
    assert.equal(item?.status, 'PENDING');
    assert.equal(item?.region, 'ap-southeast-1');
    assert.equal(item?.model_name, 'wan2.6-i2v-flash');
    assert.equal(
      item?.user_api_unique_key,
      'apikey:v1:aigc:video-generation:video-synthesis:wan2.6-i2v-flash',
    );

    assert.equal((await call(sim, 'sk-l', `/tasks/${ids[0]}/cancel`, 'POST')).status, 200);
    const lagging = await list(`task_id=${ids[0]}`);
    assert.equal(lagging.data[0]?.status, 'PENDING', 'the cancel is not indexed yet');
    clock.advance(2000);
    const canceled = await list('status=CANCELED');
    assert.deepEqual(
      canceled.data.map((d) => d.task_id),
      [ids[0]],
    );
    assert.equal(canceled.data[0]?.end_time, T0 + 2005);

    assert.equal((await list('model_name=wan2.6-r2v')).total, 0);
    const window = `start_time=${formatListTime(T0 - 60_000)}&end_time=${formatListTime(T0)}`;
    assert.equal((await list(window)).total, 5, 'end_time covers its whole second');
    const before = `start_time=${formatListTime(T0 - 60_000)}&end_time=${formatListTime(T0 - 1000)}`;
    assert.equal((await list(before)).total, 0);

    const bad = await call(sim, 'sk-l', '/tasks?page_no=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'InvalidParameter');
    const tooWide = await call(
      sim,
      'sk-l',
      `/tasks?start_time=20260101000000&end_time=20260110000000`,
    );
    assert.equal(tooWide.status, 400);
  });
});
