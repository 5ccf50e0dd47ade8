import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { locateMediaTools, runTool } from '../media/ffmpeg.js';
import { formatDashScopeTime } from '../shared/dashscope-time.js';
import { simTaskIdOf } from './sim-video.js';
import { startDashScopeSimulator, type DashScopeSimulator, type SimOptions } from './simulator.js';

const T0 = Date.UTC(2026, 0, 15, 4, 0, 0);
const HOUR = 3600_000;

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

const I2V = {
  model: 'wan2.6-i2v',
  input: { prompt: 'a red fox in snow', img_url: 'https://example.com/fox.png' },
  parameters: { resolution: '720P', duration: 5 },
};

const ffprobeSchema = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      width: z.number().optional(),
      height: z.number().optional(),
    }),
  ),
  format: z.object({ duration: z.string() }),
});

async function create(
  sim: DashScopeSimulator,
  key: string,
  body: unknown = I2V,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${sim.url}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: z.record(z.string(), z.unknown()).parse(await res.json()) };
}

const createdSchema = z.object({
  request_id: z.string().min(1),
  output: z.object({ task_id: z.string().min(1), task_status: z.literal('PENDING') }),
});

const taskSchema = z.object({
  request_id: z.string(),
  output: z
    .record(z.string(), z.unknown())
    .and(z.object({ task_id: z.string(), task_status: z.string() })),
  usage: z.record(z.string(), z.unknown()).optional(),
});

async function get(sim: DashScopeSimulator, key: string, taskId: string) {
  const res = await fetch(`${sim.url}/tasks/${taskId}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200);
  return taskSchema.parse(await res.json());
}

async function cancel(sim: DashScopeSimulator, key: string, taskId: string) {
  const res = await fetch(`${sim.url}/tasks/${taskId}/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, json: z.record(z.string(), z.unknown()).parse(await res.json()) };
}

describe('task lifecycle', () => {
  it('goes PENDING → RUNNING → SUCCEEDED on the injected clock, with DashScope fields', async () => {
    const clock = fakeClock();
    const sim = await start({ clock, durations: { queueMs: 1000, runMs: 5000 } });
    const c = await create(sim, 'sk-sim', I2V, { 'x-request-id': 'client-1' });
    assert.equal(c.status, 200);
    const created = createdSchema.parse(c.json);
    const id = created.output.task_id;
    const recorded = sim.task(id);
    assert.equal(recorded?.requestId, created.request_id);
    assert.equal(recorded?.clientRequestId, 'client-1');
    assert.deepEqual(recorded?.body, I2V);

    const pending = await get(sim, 'sk-sim', id);
    assert.equal(pending.output.task_status, 'PENDING');
    assert.equal(pending.output.submit_time, formatDashScopeTime(T0));
    assert.equal(pending.output.submit_time, '2026-01-15 12:00:00.000');
    assert.equal(pending.output.scheduled_time, undefined);

    clock.advance(1000);
    const running = await get(sim, 'sk-sim', id);
    assert.equal(running.output.task_status, 'RUNNING');
    assert.equal(running.output.scheduled_time, '2026-01-15 12:00:01.000');
    assert.equal(running.output.end_time, undefined);
    assert.equal(running.usage, undefined);

    clock.advance(5000);
    const done = await get(sim, 'sk-sim', id);
    assert.equal(done.output.task_status, 'SUCCEEDED');
    assert.equal(done.output.end_time, '2026-01-15 12:00:06.000');
    assert.equal(done.output.orig_prompt, 'a red fox in snow');
    assert.equal(done.output.actual_prompt, undefined, 'wan2.6 never returns actual_prompt');
    assert.match(String(done.output.video_url), /\/results\/[0-9a-f-]{36}\.mp4\?Expires=\d+&/);
    assert.deepEqual(done.usage, {
      duration: 5,
      input_video_duration: 0,
      output_video_duration: 5,
      video_count: 1,
      SR: 720,
    });
    assert.deepEqual(
      sim.task(id)?.requests.map((r) => r.kind),
      ['create', 'query', 'query', 'query'],
    );
  });

  it('compresses time with timeScale and reports content failures as FAILED', async () => {
    const clock = fakeClock();
    const sim = await start({ clock, timeScale: 0.01, durations: { queueMs: 1000, runMs: 5000 } });
    const ok = createdSchema.parse((await create(sim, 'sk-sim')).json).output.task_id;
    const bad = createdSchema.parse(
      (await create(sim, 'sk-sim', { ...I2V, input: { ...I2V.input, prompt: 'FAIL_CONTENT' } }))
        .json,
    ).output.task_id;
    clock.advance(10);
    assert.equal((await get(sim, 'sk-sim', ok)).output.task_status, 'RUNNING');
    clock.advance(50);
    assert.equal((await get(sim, 'sk-sim', ok)).output.task_status, 'SUCCEEDED');
    const failed = await get(sim, 'sk-sim', bad);
    assert.equal(failed.output.task_status, 'FAILED');
    assert.equal(failed.output.code, 'DataInspectionFailed');
    assert.equal(typeof failed.output.message, 'string');
    assert.equal(failed.output.video_url, undefined);
    assert.equal(failed.usage, undefined);
  });

  it('cancels only PENDING tasks, and a canceled task frees its concurrency slot', async () => {
    const clock = fakeClock();
    const sim = await start({ clock, durations: { queueMs: 10_000, runMs: 10_000 } });
    const a = createdSchema.parse((await create(sim, 'sk-sim')).json).output.task_id;
    const b = createdSchema.parse((await create(sim, 'sk-sim')).json).output.task_id;
    const ok = await cancel(sim, 'sk-sim', a);
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.json), ['request_id']);
    assert.equal((await get(sim, 'sk-sim', a)).output.task_status, 'CANCELED');
    assert.equal(sim.stats().accounts['sim-account']?.unfinishedTasks, 1);
    const again = await cancel(sim, 'sk-sim', a);
    assert.equal(again.status, 400);
    assert.equal(again.json.code, 'UnsupportedOperation');
    clock.advance(10_000);
    const running = await cancel(sim, 'sk-sim', b);
    assert.equal(running.status, 400);
    assert.equal(running.json.code, 'UnsupportedOperation');
    assert.equal((await get(sim, 'sk-sim', b)).output.task_status, 'RUNNING');
  });

  it('answers UNKNOWN for unknown ids, other accounts’ tasks and tasks past retention', async () => {
    const clock = fakeClock();
    const sim = await start({
      clock,
      retentionMs: HOUR,
      durations: { queueMs: 0, runMs: 1000 },
      accounts: [
        { id: 'a', region: 'beijing', keys: ['sk-a'] },
        { id: 'b', region: 'beijing', keys: ['sk-b'] },
      ],
    });
    const id = createdSchema.parse((await create(sim, 'sk-a')).json).output.task_id;
    const unknown = await get(sim, 'sk-a', '00000000-0000-0000-0000-000000000000');
    assert.deepEqual(unknown.output, {
      task_id: '00000000-0000-0000-0000-000000000000',
      task_status: 'UNKNOWN',
    });
    assert.equal((await get(sim, 'sk-b', id)).output.task_status, 'UNKNOWN');
    assert.equal((await cancel(sim, 'sk-b', id)).status, 400);
    clock.advance(HOUR - 1);
    assert.equal((await get(sim, 'sk-a', id)).output.task_status, 'SUCCEEDED');
    clock.advance(1);
    assert.deepEqual((await get(sim, 'sk-a', id)).output, { task_id: id, task_status: 'UNKNOWN' });
  });
});

describe('result links', () => {
  it('serve an MP4 until they expire, independently of task retention', async () => {
    const clock = fakeClock();
    const sim = await start({
      clock,
      retentionMs: HOUR,
      resultTtlMs: 24 * HOUR,
      durations: { queueMs: 0, runMs: 1000 },
    });
    const id = createdSchema.parse((await create(sim, 'sk-sim')).json).output.task_id;
    clock.advance(1000);
    const url = String((await get(sim, 'sk-sim', id)).output.video_url);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
    assert.ok(bytes.length > 1000);

    const dir = mkdtempSync(join(tmpdir(), 'sim-test-'));
    try {
      const file = join(dir, 'v.mp4');
      writeFileSync(file, bytes);
      const tools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
      // prettier-ignore
      const { stdout } = await runTool(tools.ffprobe, [
        '-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file,
      ]);
      assert.deepEqual(stdout.trim().split('\n').sort(), ['aac', 'h264']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const tampered = url.replace(/Signature=[^&]+/, 'Signature=AAAA');
    assert.equal((await fetch(tampered)).status, 403);
    clock.advance(HOUR);
    assert.equal((await get(sim, 'sk-sim', id)).output.task_status, 'UNKNOWN');
    assert.equal((await fetch(url)).status, 200, 'the link outlives the task id');
    clock.advance(23 * HOUR - 1);
    assert.equal((await fetch(url)).status, 200, 'valid up to its Expires second');
    clock.advance(2);
    const expired = await fetch(url);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code>[\s\S]*expired/);
  });

  it('renders the real requested video with render: true', async () => {
    const tools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
    const clock = fakeClock();
    const sim = await start({
      clock,
      render: true,
      mediaTools: tools,
      durations: { queueMs: 0, runMs: 10 },
    });
    const dir = mkdtempSync(join(tmpdir(), 'sim-test-'));
    const probe = async (body: unknown) => {
      const id = createdSchema.parse((await create(sim, 'sk-sim', body)).json).output.task_id;
      clock.advance(10);
      const url = String((await get(sim, 'sk-sim', id)).output.video_url);
      const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
      assert.equal(simTaskIdOf(bytes), id, 'a rendered video names its task too');
      const file = join(dir, `${id}.mp4`);
      writeFileSync(file, bytes);
      // prettier-ignore
      const { stdout } = await runTool(tools.ffprobe, [
        '-v', 'error', '-show_entries', 'stream=codec_type,width,height:format=duration',
        '-of', 'json', file,
      ]);
      return ffprobeSchema.parse(JSON.parse(stdout));
    };
    try {
      const i2v = await probe({ ...I2V, parameters: { resolution: '720P', duration: 2, seed: 7 } });
      const video = i2v.streams.find((s) => s.codec_type === 'video');
      assert.deepEqual([video?.width, video?.height], [1280, 720]);
      assert.ok(Math.abs(Number(i2v.format.duration) - 2) < 0.2, `duration ${i2v.format.duration}`);
      assert.ok(
        i2v.streams.some((s) => s.codec_type === 'audio'),
        'wan2.6-i2v always has sound',
      );
      const silent = await probe({
        model: 'wan2.6-r2v-flash',
        input: { prompt: 'character1 waves', reference_urls: ['https://e.com/a.png'] },
        parameters: { size: '720*1280', duration: 3, audio: false },
      });
      const tall = silent.streams.find((s) => s.codec_type === 'video');
      assert.deepEqual([tall?.width, tall?.height], [720, 1280]);
      assert.ok(Math.abs(Number(silent.format.duration) - 3) < 0.2);
      assert.ok(!silent.streams.some((s) => s.codec_type === 'audio'), 'audio: false is silent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('authentication and request checks', () => {
  it('answers 401 for a missing key, an unknown key and a key of another region', async () => {
    const sim = await start({
      region: 'beijing',
      accounts: [
        { id: 'cn', region: 'beijing', keys: ['sk-cn'] },
        { id: 'intl', region: 'singapore', keys: ['sk-intl'] },
      ],
    });
    const noKey = await fetch(`${sim.url}/tasks/x`);
    assert.equal(noKey.status, 401);
    const noKeyBody = z.object({ code: z.string(), message: z.string() }).parse(await noKey.json());
    assert.deepEqual(noKeyBody, {
      ...noKeyBody,
      code: 'InvalidApiKey',
      message: 'No API-key provided.',
    });
    for (const key of ['sk-nope', 'sk-intl']) {
      const r = await create(sim, key);
      assert.equal(r.status, 401, key);
      assert.equal(r.json.code, 'InvalidApiKey');
      assert.equal(r.json.message, 'Invalid API-key provided.');
      assert.equal(typeof r.json.request_id, 'string');
    }
    assert.equal((await create(sim, 'sk-cn')).status, 200);
    assert.equal(sim.stats().unauthenticated, 3);
  });

  it('requires X-DashScope-Async: enable on create', async () => {
    const sim = await start({});
    const res = await fetch(`${sim.url}/services/aigc/video-generation/video-synthesis`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim', 'content-type': 'application/json' },
      body: JSON.stringify(I2V),
    });
    assert.equal(res.status, 403);
    const body = z.record(z.string(), z.unknown()).parse(await res.json());
    assert.equal(body.code, 'AccessDenied');
    assert.equal(body.message, 'current user api does not support synchronous calls');
    assert.equal(sim.tasks().length, 0);
  });

  it('rejects unknown models, models of other regions, a missing input and bad values', async () => {
    const sim = await start({
      region: 'virginia',
      accounts: [
        { id: 'us', region: 'virginia', keys: ['sk-us'], limits: { createPerSecond: 100 } },
      ],
    });
    const cases: [unknown, number, string][] = [
      [{ ...I2V, model: 'wan9-nope' }, 400, 'InvalidParameter'],
      [{ ...I2V, model: 'wan2.6-i2v-flash' }, 400, 'InvalidParameter'],
      [{ model: 'wan2.6-i2v', parameters: {} }, 400, 'BadRequest.EmptyInput'],
      [{ input: I2V.input }, 400, 'BadRequest.EmptyModel'],
      [{ ...I2V, parameters: { duration: 30 } }, 400, 'InvalidParameter'],
      [{ ...I2V, parameters: { resolution: '480P' } }, 400, 'InvalidParameter'],
      [{ model: 'wan2.6-r2v', input: { prompt: 'x' } }, 400, 'InvalidParameter'],
    ];
    for (const [body, status, code] of cases) {
      const r = await create(sim, 'sk-us', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.json.code, code, JSON.stringify(body));
    }
    const r2v = {
      model: 'wan2.6-r2v',
      input: {
        prompt: 'character1 waves',
        reference_urls: ['https://e.com/a.mp4', 'https://e.com/b.png'],
      },
      parameters: { size: '1280*720', duration: 5, extra_sdk_field: true },
    };
    assert.equal((await create(sim, 'sk-us', r2v)).status, 200);
    assert.equal(sim.tasks().length, 1);
  });
});
