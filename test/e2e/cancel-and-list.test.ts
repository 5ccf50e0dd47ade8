import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { errorBodySchema, imageDataUri, startTestVidgate, type TestVidgate } from './helpers.js';

const KEY = 'sk-sim-cancel-list-0123456789';
/** prompts starting so run at once upstream; all others wait in the upstream's queue */
const RUN_NOW = 'run now';
const MODEL = 'wan2.6-i2v-flash';

const listSchema = z.strictObject({
  request_id: z.string(),
  total: z.number(),
  total_page: z.number(),
  page_no: z.number(),
  page_size: z.number(),
  data: z.array(
    z.strictObject({
      task_id: z.string(),
      status: z.string(),
      model_name: z.string(),
      api_key_id: z.string(),
      caller_uid: z.string(),
      caller_parent_id: z.string(),
      user_api_unique_key: z.string(),
      gmt_create: z.number(),
      start_time: z.number().optional(),
      end_time: z.number().optional(),
    }),
  ),
});
const eventsSchema = z.object({
  output: z.object({ events: z.array(z.object({ to: z.string(), task_status: z.string() })) }),
});

/** DashScope's list time, YYYYMMDDhhmmss in Beijing time. */
function compact(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function until(what: string, test: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('cancel and list on the native and seed faces', () => {
  let sim: DashScopeSimulator;
  let vg: TestVidgate;
  let image = '';
  let other: { token: string };
  /** the five tasks that fill the channel's running limit, PENDING upstream */
  const held: string[] = [];
  let queued = '';
  let running = '';
  let othersTask = '';

  async function submit(prompt: string, token?: string, model = MODEL): Promise<string> {
    const body =
      model === MODEL
        ? {
            model,
            input: { prompt, img_url: image },
            parameters: { resolution: '720P', duration: 5 },
          }
        : { model, input: { prompt }, parameters: { size: '1280*720', duration: 5 } };
    const path = model === MODEL ? '/task/bailian/image2video' : '/task/bailian/text2video';
    const res = await vg.api('POST', path, body, token);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return (res.json as { output: { task_id: string } }).output.task_id;
  }
  const upstreamOf = (id: string) => sim.tasks().find((t) => t.clientRequestId === id);
  const status = async (id: string) =>
    ((await vg.api('GET', `/task/${id}`)).json as { output: { task_status: string } }).output
      .task_status;
  const list = async (query: string, token?: string) => {
    const res = await vg.api('GET', `/api/v1/tasks${query}`, undefined, token);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return listSchema.parse(res.json);
  };

  before(async () => {
    image = await imageDataUri(320, 240);
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct-a', region: 'beijing', keys: [KEY] }],
      durations: (body) =>
        JSON.stringify(body.input).includes(RUN_NOW)
          ? { queueMs: 0, runMs: 600_000 }
          : { queueMs: 600_000, runMs: 1000 },
    });
    vg = await startTestVidgate({
      env: { DASHSCOPE_API_KEY: KEY, DASHSCOPE_HTTP_BASE_URL: sim.url },
    });
    other = await vg.createToken('cancel-other-account');
    for (let i = 0; i < 5; i++) held.push(await submit(`hold ${i}`));
    await until('five upstream tasks', () => held.every((id) => upstreamOf(id) !== undefined));
    // the channel's five running slots are taken: this one waits in vidgate's queue
    queued = await submit('queued behind the others');
    othersTask = await submit('another account', other.token);
  });
  after(async () => {
    await vg?.stop();
    await sim?.close();
  });

  it('cancels a QUEUED task at once: CANCELED, its event written, never sent upstream', async () => {
    const res = await vg.api('POST', `/api/v1/tasks/${queued}/cancel`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(Object.keys(res.json as object), ['request_id']);
    const task = await vg.api('GET', `/task/${queued}`);
    const out = (task.json as { output: { task_status: string; end_time?: string } }).output;
    assert.equal(out.task_status, 'CANCELED');
    assert.ok(out.end_time);
    assert.equal((task.json as { usage?: unknown }).usage, undefined, 'never billed');
    const events = eventsSchema.parse((await vg.api('GET', `/task/${queued}/events`)).json);
    assert.deepEqual(
      events.output.events.map((e) => e.to),
      ['QUEUED', 'CANCELED'],
    );
    assert.equal(upstreamOf(queued), undefined);
    // a second cancel of a canceled task is DashScope's refusal
    const again = await vg.api('POST', `/task/${queued}/cancel`);
    assert.equal(again.status, 400);
    assert.equal(errorBodySchema.parse(again.json).code, 'UnsupportedOperation');
  });

  it('cancels a task PENDING upstream there too, on the native and the seed face', async () => {
    for (const [id, path] of [
      [held[0], `/api/v1/tasks/${held[0]}/cancel`],
      [held[1], `/task/${held[1]}/cancel`],
    ] as const) {
      assert.ok(id);
      const res = await vg.api('POST', path);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(await status(id), 'CANCELED');
      const up = upstreamOf(id);
      assert.ok(up);
      assert.deepEqual(
        up.requests.filter((r) => r.kind === 'cancel').map((r) => r.status),
        [200],
        'canceled upstream, once',
      );
      assert.ok(up.canceledAt !== null);
    }
  });

  it('refuses a task RUNNING upstream with UnsupportedOperation and leaves it running', async () => {
    running = await submit(`${RUN_NOW}: a slot was freed by the cancels`);
    await vg.waitForTask(running, ['RUNNING'], 60_000);
    const res = await vg.api('POST', `/api/v1/tasks/${running}/cancel`);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    const err = errorBodySchema.parse(res.json);
    assert.equal(err.code, 'UnsupportedOperation');
    assert.match(err.message, /PENDING/);
    assert.equal(await status(running), 'RUNNING');
    assert.deepEqual(
      upstreamOf(running)?.requests.filter((r) => r.kind === 'cancel'),
      [],
    );
  });

  it("answers another account's task and an unknown one alike: 404, nothing canceled", async () => {
    const held2 = held[2];
    assert.ok(held2);
    for (const [id, token] of [
      [held2, other.token],
      [othersTask, undefined],
      ['task_doesnotexist', undefined],
    ] as const) {
      const res = await vg.api('POST', `/api/v1/tasks/${id}/cancel`, undefined, token);
      assert.equal(res.status, 404, JSON.stringify(res.json));
      assert.equal(errorBodySchema.parse(res.json).code, 'NotFound');
    }
    assert.equal(await status(held2), 'PENDING');
    assert.deepEqual(
      upstreamOf(held2)?.requests.filter((r) => r.kind === 'cancel'),
      [],
    );
  });

  it('lists only the caller’s tasks, newest first, with each filter and paging', async () => {
    const t2v = await submit('a different model', undefined, 'wan2.6-t2v');
    const mine = [...held, queued, running, t2v];
    const all = await list('');
    assert.equal(all.total, mine.length);
    assert.deepEqual(new Set(all.data.map((d) => d.task_id)), new Set(mine.slice(-10)));
    assert.ok(!all.data.some((d) => d.task_id === othersTask));
    const byCreate = [...all.data].sort((a, b) => b.gmt_create - a.gmt_create);
    assert.deepEqual(all.data, byCreate, 'newest first');
    // status
    const canceled = await list('?status=CANCELED');
    assert.deepEqual(
      new Set(canceled.data.map((d) => d.task_id)),
      new Set([queued, held[0], held[1]]),
    );
    assert.ok(canceled.data.every((d) => d.status === 'CANCELED' && d.end_time !== undefined));
    assert.deepEqual(
      (await list('?status=RUNNING')).data.map((d) => d.task_id),
      [running],
    );
    // model
    const byModel = await list('?model_name=wan2.6-t2v');
    assert.deepEqual(
      byModel.data.map((d) => [d.task_id, d.model_name]),
      [[t2v, 'wan2.6-t2v']],
    );
    // task_id: that task only, with who made it as DashScope names the key and the user
    const one = await list(`?task_id=${t2v}`);
    assert.deepEqual(
      one.data.map((d) => [d.task_id, d.user_api_unique_key]),
      [[t2v, 'apikey:v1:aigc:video-generation:video-synthesis:wan2.6-t2v']],
    );
    assert.match(one.data[0]?.api_key_id ?? '', /^tok_/);
    assert.match(one.data[0]?.caller_uid ?? '', /^acct_/);
    assert.equal((await list(`?task_id=${othersTask}`)).total, 0, "another account's task");
    // paging: pages of 3 cover the eight tasks once, in the list's order
    const pages = [];
    for (let p = 1; p <= 3; p++) pages.push(await list(`?page_size=3&page_no=${p}`));
    assert.deepEqual(
      pages.map((p) => [p.page_no, p.page_size, p.total_page, p.data.length]),
      [
        [1, 3, 3, 3],
        [2, 3, 3, 3],
        [3, 3, 3, 2],
      ],
    );
    assert.deepEqual(
      pages.flatMap((p) => p.data.map((d) => d.task_id)),
      all.data.map((d) => d.task_id),
    );
    // time window: the last hour holds them all; an hour a day ago holds none
    const now = Date.now();
    const recent = await list(
      `?start_time=${compact(now - 3600_000)}&end_time=${compact(now + 60_000)}`,
    );
    assert.equal(recent.total, mine.length);
    const old = await list(
      `?start_time=${compact(now - 25 * 3600_000)}&end_time=${compact(now - 24 * 3600_000)}`,
    );
    assert.equal(old.total, 0);
    // the other account sees its own task only
    const theirs = await list('', other.token);
    assert.deepEqual(
      theirs.data.map((d) => d.task_id),
      [othersTask],
    );
  });

  it('lists on the seed face in the same shape, with model and status', async () => {
    const res = await vg.api('GET', `/task?model=${MODEL}&status=PENDING&page_size=100`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const page = listSchema.parse(res.json);
    assert.deepEqual(new Set(page.data.map((d) => d.task_id)), new Set(held.slice(2)));
    assert.equal(page.page_size, 100);
  });

  it('answers the native paths with a trailing slash too, and a wrong key there with 401', async () => {
    const slashed = await vg.api('GET', '/api/v1/tasks/?page_size=1');
    assert.equal(slashed.status, 200, JSON.stringify(slashed.json));
    assert.equal(listSchema.parse(slashed.json).data.length, 1);
    const held3 = held[3];
    assert.ok(held3);
    for (const [method, path] of [
      ['GET', '/api/v1/tasks'],
      ['POST', `/api/v1/tasks/${held3}/cancel`],
    ] as const) {
      const res = await vg.api(method, path, undefined, 'vg_not_a_token');
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(errorBodySchema.parse(res.json).code, 'InvalidApiKey');
    }
    assert.equal(await status(held3), 'PENDING');
    const res = await vg.api('POST', `/api/v1/tasks/${held3}/cancel/`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(await status(held3), 'CANCELED');
  });

  it('refuses bad list parameters with a 400 naming the parameter', async () => {
    for (const [query, name] of [
      ['?page_size=0', 'page_size'],
      ['?page_size=101', 'page_size'],
      ['?page_no=x', 'page_no'],
      ['?status=DONE', 'status'],
      ['?start_time=2025', 'start_time'],
      ['?start_time=20251301000000', 'start_time'],
      ['?end_time=20250101000000&start_time=20250102000000', 'end_time'],
      ['?start_time=20250101000000&end_time=20250103000000', 'end_time'],
      ['?status=PENDING&status=RUNNING', 'status'],
    ] as const) {
      for (const path of ['/api/v1/tasks', '/task']) {
        const res = await vg.api('GET', `${path}${query}`);
        assert.equal(res.status, 400, `${path}${query}: ${JSON.stringify(res.json)}`);
        const err = errorBodySchema.parse(res.json);
        assert.equal(err.code, 'InvalidParameter');
        assert.match(err.message, new RegExp(`\\b${name}\\b`));
      }
    }
  });
});
