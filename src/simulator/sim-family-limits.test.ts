import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createdTaskId, SIM_CREATE_PATHS, simGet, simPost, type SimAnswer } from './sim-client.js';
import type { SimAccountConfig, SimRegion } from './sim-options.js';
import { startDashScopeSimulator, type DashScopeSimulator } from './simulator.js';

/**
 * Per-model limits of the families, per account (reference §10; dashscope-model-families.md
 * F§2, F§3.4, F§4.4 + F§11 #24, F§5, F§6, F§7.2, F§8), measured over HTTP on an injected clock.
 */

const T0 = Date.UTC(2026, 0, 15, 4, 0, 0);
const sims: DashScopeSimulator[] = [];
after(() => Promise.all(sims.map((s) => s.close())));

const IMG = 'https://media.example.com/a.png';
const VID = 'https://media.example.com/v.mp4';
const AUD = 'https://media.example.com/a.mp3';

/** A valid body per model, and the path group it goes to. */
const BODIES: Record<
  string,
  { group: keyof typeof SIM_CREATE_PATHS; input: object; parameters?: object }
> = {
  'wan2.7-t2v': { group: 'video-generation', input: { prompt: 'p' } },
  'wan2.7-i2v': {
    group: 'video-generation',
    input: { media: [{ type: 'first_frame', url: IMG }] },
  },
  'wan2.7-r2v': {
    group: 'video-generation',
    input: { prompt: 'p', media: [{ type: 'reference_image', url: IMG }] },
  },
  'wan2.7-videoedit': {
    group: 'video-generation',
    input: { media: [{ type: 'video', url: VID }] },
  },
  'wan3.0-video': { group: 'video-generation', input: { prompt: 'p' } },
  'wan3.0-video-prime': { group: 'video-generation', input: { prompt: 'p' } },
  'happyhorse-1.0-t2v': { group: 'video-generation', input: { prompt: 'p' } },
  'happyhorse-1.1-r2v': {
    group: 'video-generation',
    input: { prompt: 'p', media: [{ type: 'reference_image', url: IMG }] },
  },
  'happyhorse-1.0-video-edit': {
    group: 'video-generation',
    input: { prompt: 'p', media: [{ type: 'video', url: VID }] },
  },
  'wan2.2-kf2v-flash': { group: 'image2video', input: { first_frame_url: IMG } },
  'wanx2.1-kf2v-plus': { group: 'image2video', input: { first_frame_url: IMG } },
  'wan2.1-kf2v-plus': { group: 'image2video', input: { first_frame_url: IMG } },
  'wanx2.1-vace-plus': {
    group: 'video-generation',
    input: { function: 'image_reference', prompt: 'p', ref_images_url: [IMG] },
  },
  'wan2.2-s2v': { group: 'image2video', input: { image_url: IMG, audio_url: AUD } },
  'wan2.2-animate-move': {
    group: 'image2video',
    input: { image_url: IMG, video_url: VID },
    parameters: { mode: 'wan-std' },
  },
  'wan2.2-animate-mix': {
    group: 'image2video',
    input: { image_url: IMG, video_url: VID },
    parameters: { mode: 'wan-pro' },
  },
};

async function start(
  region: SimRegion = 'beijing',
  account: Partial<SimAccountConfig> = {},
  queueMs = 0,
) {
  let t = T0;
  const sim = await startDashScopeSimulator({
    region,
    clock: { now: () => t },
    // tasks run an hour: every one stays unfinished for the whole test
    durations: { queueMs, runMs: 3600_000 },
    accounts: [{ id: 'acct', region, keys: ['sk-sim'], ...account }],
  });
  sims.push(sim);
  return { sim, advance: (ms: number) => void (t += ms) };
}

function create(sim: DashScopeSimulator, model: string): Promise<SimAnswer> {
  const b = BODIES[model];
  if (!b) throw new Error(`no body for ${model}`);
  return simPost(sim.url, SIM_CREATE_PATHS[b.group], {
    model,
    input: b.input,
    parameters: b.parameters,
  });
}

/** Creates admitted within one clock instant, concurrency out of the way. */
async function measureRate(model: string, region: SimRegion): Promise<number> {
  const { sim } = await start(region, { modelLimits: { [model]: { concurrentTasks: 1000 } } });
  let ok = 0;
  for (let i = 0; i < 12; i++) if ((await create(sim, model)).status === 200) ok++;
  return ok;
}

/** Tasks admitted one per second until refused. */
async function measureConcurrency(model: string, region: SimRegion): Promise<number> {
  const { sim, advance } = await start(region);
  let ok = 0;
  for (let i = 0; i < 12; i++) {
    const a = await create(sim, model);
    if (a.status !== 200) {
      assert.equal(a.status, 429);
      assert.equal(a.json.code, 'Throttling.RateQuota');
      assert.match(String(a.json.message), /concurrent/);
      break;
    }
    ok++;
    advance(1000);
  }
  return ok;
}

describe('per-model RPS and concurrency, per account', () => {
  const expected: [model: string, rps: number, concurrent: number, region?: SimRegion][] = [
    ['wan2.7-t2v', 5, 5],
    ['wan2.7-i2v', 5, 5],
    ['wan2.7-r2v', 5, 5],
    ['wan2.7-videoedit', 5, 5],
    ['wan3.0-video', 5, 5],
    ['wan3.0-video-prime', 5, 5],
    ['happyhorse-1.0-t2v', 2, 2],
    ['happyhorse-1.1-r2v', 2, 2],
    ['happyhorse-1.0-video-edit', 2, 2],
    ['wan2.2-kf2v-flash', 2, 2],
    ['wanx2.1-kf2v-plus', 2, 2],
    ['wan2.1-kf2v-plus', 1, 2, 'singapore'],
    ['wanx2.1-vace-plus', 2, 2],
    ['wan2.2-s2v', 5, 1],
    ['wan2.2-animate-move', 5, 1],
    ['wan2.2-animate-mix', 5, 1],
  ];
  for (const [model, rps, concurrent, region = 'beijing'] of expected) {
    it(`${model}: ${rps} RPS, ${concurrent} concurrent`, async () => {
      assert.equal(await measureRate(model, region), rps, 'creates per second');
      assert.equal(await measureConcurrency(model, region), concurrent, 'unfinished tasks');
    });
  }
});

describe('s2v runs one task at a time (F§7.2 "1 concurrent task")', () => {
  it('refuses a second s2v while the first runs, with Retry-After; other models are not held', async () => {
    const { sim, advance } = await start();
    const first = createdTaskId(await create(sim, 'wan2.2-s2v'));
    const second = await create(sim, 'wan2.2-s2v');
    assert.equal(second.status, 429);
    assert.equal(second.json.code, 'Throttling.RateQuota');
    assert.equal(second.headers.get('retry-after'), '3600');
    assert.equal((await create(sim, 'wan2.2-animate-move')).status, 200, 'another model');
    const i2v = { model: 'wan2.6-i2v', input: { img_url: IMG } };
    for (let i = 0; i < 3; i++)
      assert.equal((await simPost(sim.url, SIM_CREATE_PATHS['video-generation'], i2v)).status, 200);
    advance(3600_000);
    const done = (await simGet(sim.url, `/tasks/${first}`)).json.output as { task_status?: string };
    assert.equal(done.task_status, 'SUCCEEDED');
    assert.equal((await create(sim, 'wan2.2-s2v')).status, 200, 'free again once the first ended');
    const stats = sim.stats().accounts['acct'];
    assert.deepEqual(stats?.models['wan2.2-s2v'], {
      createRequests: 3,
      maxCreatesPerSecond: 2,
      maxConcurrentTasks: 1,
    });
    assert.equal(stats?.throttled.concurrency, 1);
    assert.equal(stats?.maxConcurrentTasks, 5, 'account-wide: s2v + animate + 3 × wan2.6');
  });

  it('a cancelled s2v frees the slot; modelLimits can raise it', async () => {
    // queued a minute, so the first task is still PENDING and can be cancelled (§8)
    const { sim } = await start('beijing', {}, 60_000);
    const first = createdTaskId(await create(sim, 'wan2.2-s2v'));
    assert.equal((await create(sim, 'wan2.2-s2v')).status, 429);
    const cancel = await fetch(`${sim.url}/tasks/${first}/cancel`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim' },
    });
    assert.equal(cancel.status, 200);
    assert.equal((await create(sim, 'wan2.2-s2v')).status, 200);
    const raised = await start('beijing', {
      modelLimits: { 'wan2.2-s2v': { concurrentTasks: 2 } },
    });
    assert.equal((await create(raised.sim, 'wan2.2-s2v')).status, 200);
    assert.equal((await create(raised.sim, 'wan2.2-s2v')).status, 200);
    assert.equal((await create(raised.sim, 'wan2.2-s2v')).status, 429);
  });

  it('family tasks do not count against the account limit of wan2.6/wan2.5', async () => {
    const { sim } = await start('beijing', { limits: { concurrentTasks: 1 } });
    assert.equal((await create(sim, 'wan2.7-t2v')).status, 200);
    assert.equal((await create(sim, 'wan3.0-video')).status, 200);
    const i2v = { model: 'wan2.6-i2v', input: { img_url: IMG } };
    assert.equal((await simPost(sim.url, SIM_CREATE_PATHS['video-generation'], i2v)).status, 200);
    assert.equal((await simPost(sim.url, SIM_CREATE_PATHS['video-generation'], i2v)).status, 429);
    assert.equal((await create(sim, 'wan2.7-i2v')).status, 200, 'the family model has its own');
  });
});
