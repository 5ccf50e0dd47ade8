import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken } from '../../src/auth/token-format.js';
import { API_ERRORS } from '../../src/http/errors.js';
import { findModel, modelsForMode, type ModelSpec } from '../../src/models/model-table.js';
import { firstFrameOutputSize } from '../../src/models/output-size.js';
import { LinkSigner } from '../../src/shared/link-signer.js';
import { loadOrCreateSecret } from '../../src/shared/secret-file.js';
import type { WireTaskStatus } from '../../src/tasks/status.js';
import {
  errorBodySchema,
  ffprobe,
  imageDataUri,
  startTestVidgate,
  taskBodySchema,
  type ApiResponse,
  type TaskBodyJson,
  type TestVidgate,
} from './helpers.js';

const TASK_TIMEOUT_MS = 60_000;
const DURATION_TOLERANCE_S = 0.15;
const STATUS_OF = new Map<string, number>(Object.entries(API_ERRORS));
const DASHSCOPE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

interface Submitted {
  taskId: string;
  createStatus: WireTaskStatus;
  /** resolves with the final body and every status seen, the create answer first */
  done: Promise<{ body: TaskBodyJson; seen: WireTaskStatus[] }>;
}

let s: TestVidgate;
let i2v: Submitted;
let silent: Submitted;
let r2v: Submitted;
const I2V_PROMPT = 'A slow push-in on a test pattern.';

function model(name: string): ModelSpec {
  const m = findModel(name);
  assert.ok(m, `model ${name} is in the model table`);
  return m;
}

function expectError(res: ApiResponse, status: number, code: string): string {
  assert.equal(res.status, status, JSON.stringify(res.json));
  const body = errorBodySchema.parse(res.json);
  assert.equal(body.code, code);
  return body.message;
}

async function submit(route: string, body: unknown): Promise<Submitted> {
  const res = await s.api('POST', route, body);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const created = taskBodySchema.parse(res.json);
  const { task_id: taskId, task_status: createStatus } = created.output;
  const done = s
    .waitForTask(taskId, ['SUCCEEDED', 'FAILED', 'CANCELED'], TASK_TIMEOUT_MS)
    .then((w) => ({
      body: w.body,
      seen: w.seen[0] === createStatus ? w.seen : [createStatus, ...w.seen],
    }));
  // awaited by the tests below; this only keeps an early failure from being "unhandled"
  done.catch(() => undefined);
  return { taskId, createStatus, done };
}

const RANK: Record<WireTaskStatus, number> = {
  PENDING: 0,
  RUNNING: 1,
  SUCCEEDED: 2,
  FAILED: 2,
  CANCELED: 2,
  UNKNOWN: -1,
};

async function succeeded(task: Submitted): Promise<TaskBodyJson & { videoUrl: string }> {
  const { body } = await task.done;
  assert.equal(body.output.task_status, 'SUCCEEDED', JSON.stringify(body));
  const videoUrl = body.output.video_url;
  assert.ok(videoUrl, 'a SUCCEEDED task has a video_url');
  return { ...body, videoUrl };
}

before(async () => {
  s = await startTestVidgate();
  const [frame, portrait, ref1, ref2] = await Promise.all([
    imageDataUri(960, 540, 'jpeg'),
    imageDataUri(750, 1000, 'png'),
    imageDataUri(640, 480, 'jpeg'),
    imageDataUri(480, 480, 'png', 'mandelbrot'),
  ]);
  // the three renders run side by side; each test below awaits its own task
  [i2v, silent, r2v] = await Promise.all([
    submit('/task/bailian/image2video', {
      model: 'wan2.6-i2v',
      input: { prompt: I2V_PROMPT, img_url: frame },
      parameters: { resolution: '720P', duration: 3 },
    }),
    submit('/task/bailian/image2video', {
      model: 'wan2.6-i2v-flash',
      input: { img_url: portrait },
      parameters: { resolution: '720P', duration: 2, audio: false },
    }),
    submit('/task/bailian/ref2video', {
      model: 'wan2.6-r2v',
      input: { prompt: 'character1 meets character2.', reference_urls: [ref1, ref2] },
      parameters: { size: '960*960', duration: 3 },
    }),
  ]);
});

after(async () => {
  await s?.stop();
});

void describe('image2video', () => {
  it('answers the create with PENDING, then goes PENDING -> RUNNING -> SUCCEEDED', async () => {
    assert.equal(i2v.createStatus, 'PENDING');
    assert.match(i2v.taskId, /^task_[0-9a-z]+$/);
    const { seen } = await i2v.done;
    assert.ok(seen.includes('RUNNING'), `RUNNING observed: ${seen.join(' -> ')}`);
    assert.equal(seen[seen.length - 1], 'SUCCEEDED', seen.join(' -> '));
    for (let i = 1; i < seen.length; i++) {
      const [prev, cur] = [seen[i - 1], seen[i]];
      assert.ok(prev && cur && RANK[cur] > RANK[prev], `no step backwards: ${seen.join(' -> ')}`);
    }
  });

  it('renders the 720P size for the frame, the requested duration, with sound', async () => {
    const body = await succeeded(i2v);
    const probe = await ffprobe(await s.saveResult(body.videoUrl));
    const want = firstFrameOutputSize(960, 540, '720P');
    assert.equal(probe.video?.width, want.width);
    assert.equal(probe.video?.height, want.height);
    assert.equal(probe.video?.codec, 'h264');
    assert.ok(probe.durationSec !== null);
    assert.ok(Math.abs(probe.durationSec - 3) <= DURATION_TOLERANCE_S, `${probe.durationSec} s`);
    assert.ok(probe.audio, 'wan2.6-i2v always has an audio track');
  });

  it('reports DashScope output fields and usage as the model table says', async () => {
    const body = await succeeded(i2v);
    const out = body.output;
    assert.equal(out.task_id, i2v.taskId);
    assert.equal(new URL(body.videoUrl).pathname, `/results/${i2v.taskId}.mp4`);
    for (const key of ['submit_time', 'scheduled_time', 'end_time'] as const) {
      assert.match(String(out[key]), DASHSCOPE_TIME, key);
    }
    assert.equal(out['orig_prompt'], I2V_PROMPT);
    assert.equal('actual_prompt' in out, model('wan2.6-i2v').returnsActualPrompt);
    const usage = { ...body.usage };
    assert.equal('audio' in usage, model('wan2.6-i2v').audioSwitch);
    assert.deepEqual(usage, {
      duration: 3,
      input_video_duration: 0,
      output_video_duration: 3,
      video_count: 1,
      SR: 720,
    });
  });

  it('wan2.6-i2v-flash with audio:false renders a silent video and says so', async () => {
    const body = await succeeded(silent);
    const probe = await ffprobe(await s.saveResult(body.videoUrl));
    const want = firstFrameOutputSize(750, 1000, '720P');
    assert.deepEqual({ width: probe.video?.width, height: probe.video?.height }, want);
    assert.ok(Math.abs((probe.durationSec ?? 0) - 2) <= DURATION_TOLERANCE_S);
    assert.equal(probe.audio, null);
    assert.ok(model('wan2.6-i2v-flash').audioSwitch);
    assert.equal(body.usage?.['audio'], false);
    assert.equal(body.usage?.['SR'], 720);
    assert.equal(body.usage?.['output_video_duration'], 2);
  });
});

void describe('ref2video', () => {
  it('wan2.6-r2v with two references at 960*960 for 3 s', async () => {
    const body = await succeeded(r2v);
    const probe = await ffprobe(await s.saveResult(body.videoUrl));
    assert.equal(probe.video?.width, 960);
    assert.equal(probe.video?.height, 960);
    assert.ok(Math.abs((probe.durationSec ?? 0) - 3) <= DURATION_TOLERANCE_S);
    assert.ok(probe.audio, 'wan2.6-r2v always has an audio track');
    assert.equal(model('wan2.6-r2v').usage, 'wan2.6-references');
    assert.deepEqual(body.usage, {
      duration: 3,
      size: '960*960',
      input_video_duration: 0,
      output_video_duration: 3,
      video_count: 1,
      SR: 720,
    });
  });
});

void describe('authentication', () => {
  it('refuses a missing or empty token with 401 InvalidApiKey', async () => {
    expectError(await s.api('GET', `/task/${i2v.taskId}`, undefined, null), 401, 'InvalidApiKey');
    const create = await s.api('POST', '/task/bailian/image2video', { model: 'x' }, null);
    expectError(create, 401, 'InvalidApiKey');
    const empty = await s.request('GET', `/task/${i2v.taskId}`, { headers: { authorization: '' } });
    expectError(empty, 401, 'InvalidApiKey');
  });

  it('refuses a wrong token with 401 InvalidApiKey', async () => {
    for (const wrong of [generateToken(), 'not-a-token', `${s.token}x`]) {
      expectError(
        await s.api('GET', `/task/${i2v.taskId}`, undefined, wrong),
        401,
        'InvalidApiKey',
      );
    }
    const basic = await s.request('GET', `/task/${i2v.taskId}`, {
      headers: { authorization: `Basic ${s.token}` },
    });
    expectError(basic, 401, 'InvalidApiKey');
  });

  it('refuses a revoked token with 401 InvalidApiKey', async () => {
    const issued = await s.createToken('revoked-account');
    const before = await s.api('GET', '/task/task_0000', undefined, issued.token);
    assert.equal(before.status, 200);
    assert.equal(await s.revokeToken(issued.tokenId), true);
    expectError(
      await s.api('GET', '/task/task_0000', undefined, issued.token),
      401,
      'InvalidApiKey',
    );
  });

  it("answers for another account's task exactly as for an unknown task id", async () => {
    await succeeded(i2v);
    const other = await s.createToken('other-account');
    const foreign = await s.api('GET', `/task/${i2v.taskId}`, undefined, other.token);
    const unknownId = `task_${'0'.repeat(i2v.taskId.length - 5)}`;
    const unknown = await s.api('GET', `/task/${unknownId}`, undefined, other.token);
    for (const res of [foreign, unknown]) assert.equal(res.status, 200);
    const a = taskBodySchema.parse(foreign.json);
    const b = taskBodySchema.parse(unknown.json);
    assert.equal(a.output.task_status, 'UNKNOWN');
    assert.equal(a.output.task_id, i2v.taskId);
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
    assert.deepEqual(Object.keys(a.output).sort(), Object.keys(b.output).sort());
    assert.deepEqual(
      { ...a, request_id: '', output: { ...a.output, task_id: '' } },
      { ...b, request_id: '', output: { ...b.output, task_id: '' } },
    );
    // the owner still sees it
    const own = taskBodySchema.parse((await s.api('GET', `/task/${i2v.taskId}`)).json);
    assert.equal(own.output.task_status, 'SUCCEEDED');
  });
});

void describe('request validation', () => {
  it('names every supported model of the route when the model is unknown', async () => {
    const routes = [
      { path: '/task/bailian/image2video', mode: 'first-frame' as const, wrong: 'wan2.6-r2v' },
      { path: '/task/bailian/ref2video', mode: 'references' as const, wrong: 'wan2.6-i2v' },
    ];
    for (const { path, mode, wrong } of routes) {
      for (const name of ['no-such-model', wrong]) {
        const res = await s.api('POST', path, { model: name, input: { prompt: 'p' } });
        const message = expectError(res, 400, 'InvalidParameter');
        assert.ok(message.includes(name), message);
        const supported = modelsForMode(mode);
        assert.ok(supported.length > 0);
        for (const m of supported) assert.ok(message.includes(m.name), `${m.name} in: ${message}`);
      }
    }
  });

  it('answers malformed JSON with 400 BadRequest.InvalidJson', async () => {
    for (const body of ['{"model": ', 'not json', '']) {
      const res = await s.request('POST', '/task/bailian/image2video', {
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body,
      });
      expectError(res, 400, 'BadRequest.InvalidJson');
    }
  });

  it('answers a non-JSON content type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await s.request('POST', '/task/bailian/image2video', {
        headers: { authorization: `Bearer ${s.token}`, 'content-type': type },
        body: 'model=wan2.6-i2v',
      });
      expectError(res, 415, 'BadRequest.UnsupportedContentType');
    }
  });

  it("accepts the SDKs' 'application/json; charset=utf-8'", async () => {
    const res = await s.request('POST', '/task/bailian/image2video', {
      headers: {
        authorization: `Bearer ${s.token}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ model: 'no-such-model' }),
    });
    // parsed and validated: a model error, not a content-type one
    expectError(res, 400, 'InvalidParameter');
  });
});

void describe('result links', () => {
  async function link(): Promise<{ url: URL; full: Buffer }> {
    const body = await succeeded(i2v);
    const full = await s.fetchResult(body.videoUrl);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-type'), 'video/mp4');
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.equal(Number(full.headers.get('content-length')), full.bytes.length);
    return { url: new URL(body.videoUrl), full: full.bytes };
  }

  function variant(url: URL, change: (u: URL) => void): string {
    const u = new URL(url);
    change(u);
    return u.toString();
  }

  it('refuses a tampered link with 403 AccessDenied', async () => {
    const { url } = await link();
    const sig = url.searchParams.get('sig') ?? '';
    const exp = Number(url.searchParams.get('exp'));
    const tampered = [
      variant(url, (u) =>
        u.searchParams.set('sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`),
      ),
      variant(url, (u) => u.searchParams.set('exp', String(exp + 1))),
      variant(url, (u) => u.searchParams.delete('sig')),
      variant(url, (u) => (u.pathname = `/results/${silent.taskId}.mp4`)),
    ];
    for (const t of tampered) expectError(await s.fetchResult(t), 403, 'AccessDenied');
  });

  it('refuses an expired link with 403 AccessDenied', async () => {
    const { url } = await link();
    // a genuine signature from the server's own key, for a moment already past
    const signer = new LinkSigner(
      loadOrCreateSecret(join(s.dataDir, 'secrets', 'link-signing.key')),
    );
    const { exp, sig } = signer.sign(url.pathname, Date.now() - 60_000);
    const expired = variant(url, (u) => {
      u.searchParams.set('exp', String(exp));
      u.searchParams.set('sig', sig);
    });
    const message = expectError(await s.fetchResult(expired), 403, 'AccessDenied');
    assert.match(message, /expired/i);
  });

  it('serves byte ranges with 206 and the right Content-Range', async () => {
    const { url, full } = await link();
    const size = full.length;
    assert.ok(size > 200);
    const cases = [
      { range: 'bytes=0-99', start: 0, end: 99 },
      { range: 'bytes=100-', start: 100, end: size - 1 },
      { range: 'bytes=-50', start: size - 50, end: size - 1 },
      { range: `bytes=10-${size + 1000}`, start: 10, end: size - 1 },
    ];
    for (const { range, start, end } of cases) {
      const res = await s.fetchResult(url.toString(), { range });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(Number(res.headers.get('content-length')), end - start + 1, range);
      assert.ok(res.bytes.equals(full.subarray(start, end + 1)), range);
    }
    const beyond = await s.fetchResult(url.toString(), { range: `bytes=${size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
  });
});

void describe('every response', () => {
  it('carries x-request-id, equal to request_id in JSON bodies; errors are DashScope-shaped', async () => {
    await s.api('GET', '/no/such/route');
    assert.ok(s.exchanges.length > 20, `${s.exchanges.length} exchanges checked`);
    const ids = new Set<string>();
    for (const x of s.exchanges) {
      const where = `${x.method} ${x.path} -> ${x.status}`;
      assert.ok(x.requestIdHeader, `x-request-id on ${where}`);
      ids.add(x.requestIdHeader);
      if (x.json === null) continue;
      const body = errorBodySchema.or(taskBodySchema).parse(x.json);
      assert.equal(body.request_id, x.requestIdHeader, where);
      if (x.status >= 400) {
        const err = errorBodySchema.parse(x.json);
        assert.equal(STATUS_OF.get(err.code), x.status, `${err.code} is listed for ${where}`);
      }
    }
    assert.equal(ids.size, s.exchanges.length, 'request ids are unique');
  });
});
