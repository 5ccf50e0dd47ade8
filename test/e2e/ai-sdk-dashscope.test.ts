import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createAlibaba } from '@ai-sdk/alibaba';
import {
  AISDKError,
  APICallError,
  experimental_generateVideo as generateVideo,
  type GenerateVideoResult,
} from 'ai';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { simTaskIdOf } from '../../src/simulator/sim-video.js';
import {
  rejectionOf,
  SDK_POLL as POLL,
  sdkDownload,
  simCreateRequests,
  simTasksOverHttp,
  type SimTaskSeen,
} from '../support/ai-sdk-client.js';
import { REFUSALS, T2V } from '../support/ai-sdk-refusals.js';
import {
  errorBodySchema,
  imageDataUri,
  startTestVidgate,
  taskBodySchema,
  type TestVidgate,
} from './helpers.js';

/**
 * The Vercel AI SDK's Alibaba provider, pointed at vidgate by `videoBaseURL` and key alone,
 * with vidgate relaying to a DashScope channel whose upstream is the simulator on loopback.
 * The sandbox is not used: the DashScope channel replaces it at start, and every success below
 * is checked against the task the simulator made (over its own HTTP inspection API) and the
 * bytes it served, which carry its task id.
 *
 * Download: the SDK's default download refuses loopback links (see ai-sdk.test.ts), so each
 * generation passes `download`, fetching the link the SDK got through vidgate.
 */

const MP4_BRAND = 'ftyp';
const KEY = 'sk-sim-aisdk-0123456789';

let sim: DashScopeSimulator;
let s: TestVidgate;
let media: Server;
let mediaUrl: string;
let frameBytes: Buffer;
let refBytes: Buffer;
const downloaded: string[] = [];
const download = sdkDownload(() => s, downloaded);

function alibaba() {
  return createAlibaba({ videoBaseURL: s.url, apiKey: s.token });
}

/** The simulator's task for a vidgate task: vidgate sends its task id as X-Request-Id. */
async function upstreamTaskOf(vidgateTaskId: string): Promise<SimTaskSeen> {
  const tasks = await simTasksOverHttp(sim.origin);
  const mine = tasks.filter((t) => t.clientRequestId === vidgateTaskId);
  assert.equal(mine.length, 1, `one upstream task for ${vidgateTaskId}`);
  const [task] = mine;
  assert.ok(task);
  return task;
}

/**
 * The SDK got an MP4 through vidgate's own link, the vidgate task is SUCCEEDED, and the bytes
 * are the simulator's video for the upstream task this vidgate task made. Returns that task.
 */
async function checkRelayed(result: GenerateVideoResult): Promise<SimTaskSeen> {
  const bytes = Buffer.from(result.video.uint8Array);
  assert.equal(bytes.subarray(4, 8).toString('latin1'), MP4_BRAND, 'the video is an MP4');
  const meta = result.providerMetadata['alibaba'];
  const taskId = meta?.['taskId'];
  assert.ok(typeof taskId === 'string', 'the SDK reports the task id');
  const task = await s.api('GET', `/api/v1/tasks/${taskId}`);
  const body = taskBodySchema.parse(task.json);
  assert.equal(body.output.task_status, 'SUCCEEDED');
  const link = String(body.output.video_url);
  assert.equal(meta?.['videoUrl'], link, 'the SDK got vidgate’s link');
  assert.match(new URL(link).pathname, /^\/results\/task_/, 'a vidgate result link');
  assert.ok(!link.startsWith(sim.origin), 'not the simulator’s link');
  assert.ok(downloaded.includes(link), 'the SDK downloaded that link');
  const upstream = await upstreamTaskOf(taskId);
  assert.equal(simTaskIdOf(bytes), upstream.taskId, 'the bytes are the upstream task’s video');
  return upstream;
}

before(async () => {
  const [frame, ref] = await Promise.all([
    imageDataUri(640, 360, 'png'),
    imageDataUri(480, 480, 'jpeg', 'mandelbrot'),
  ]);
  frameBytes = Buffer.from(frame.slice(frame.indexOf(',') + 1), 'base64');
  refBytes = Buffer.from(ref.slice(ref.indexOf(',') + 1), 'base64');
  // a media host on loopback for the URL inputs; vidgate is told it may fetch from it
  media = createServer((req, res) => {
    const [type, bytes] =
      req.url === '/frame.png' ? ['image/png', frameBytes] : ['image/jpeg', refBytes];
    res.writeHead(200, { 'content-type': type, 'content-length': bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  const port = (media.address() as AddressInfo).port;
  mediaUrl = `http://127.0.0.1:${port}`;
  sim = await startDashScopeSimulator({
    accounts: [{ id: 'acct-a', region: 'beijing', keys: [KEY] }],
    durations: { queueMs: [100, 300], runMs: [300, 800] },
  });
  s = await startTestVidgate({
    env: {
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
      VIDGATE_MEDIA_ALLOW_HOSTS: `127.0.0.1:${port}`,
      // generous: a busy machine answers slowly, and a timeout would only add retries
      VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '30',
    },
  });
});

after(async () => {
  await s?.stop();
  await sim?.close();
  await new Promise<void>((resolve) => media?.close(() => resolve()));
});

void describe('AI SDK (@ai-sdk/alibaba) against vidgate relaying to DashScope (simulator)', () => {
  it('relays to the DashScope channel only: the sandbox serves nothing', async () => {
    const channels = await s.vg.channels.list();
    const enabled = channels.filter((c) => c.enabled);
    assert.deepEqual(
      enabled.map((c) => c.provider),
      ['dashscope'],
      JSON.stringify(channels.map((c) => [c.name, c.provider, c.enabled])),
    );
  });

  it('generates i2v with the first frame as a URL; the URL and fields reach the upstream', async () => {
    const frame = `${mediaUrl}/frame.png`;
    const result = await generateVideo({
      model: alibaba().video('wan2.6-i2v-flash'),
      prompt: { image: frame, text: 'The pattern pans left.' },
      resolution: '1280x720',
      duration: 3,
      seed: 4242,
      providerOptions: { alibaba: { ...POLL, audio: false } },
      download,
    });
    const up = await checkRelayed(result);
    assert.equal(up.body.model, 'wan2.6-i2v-flash');
    assert.equal(up.body.input['prompt'], 'The pattern pans left.');
    assert.equal(up.body.input['img_url'], frame, 'the first frame URL is relayed as sent');
    assert.equal(up.body.parameters['resolution'], '720P');
    assert.equal(up.body.parameters['duration'], 3);
    assert.equal(up.body.parameters['seed'], 4242);
    assert.equal(up.body.parameters['audio'], false);
  });

  it('generates i2v with the first frame as inline bytes; the image reaches the upstream', async () => {
    const result = await generateVideo({
      model: alibaba().video('wan2.6-i2v'),
      prompt: { image: new Uint8Array(frameBytes), text: 'The pattern slowly zooms in.' },
      resolution: '1920x1080',
      duration: 2,
      seed: 7,
      providerOptions: { alibaba: { ...POLL, promptExtend: false } },
      download,
    });
    const up = await checkRelayed(result);
    assert.equal(up.body.model, 'wan2.6-i2v');
    assert.equal(up.body.input['prompt'], 'The pattern slowly zooms in.');
    const img = up.body.input['img_url'];
    assert.ok(typeof img === 'string', 'an img_url went upstream');
    // the SDK sends bare base64; DashScope documents only data:{MIME};base64,{data} (§3)
    const m = /^data:image\/png;base64,(.+)$/s.exec(img);
    assert.ok(m?.[1], `a PNG data: URI went upstream, got ${img.slice(0, 40)}…`);
    assert.ok(Buffer.from(m[1], 'base64').equals(frameBytes), 'the upstream got the same image');
    assert.equal(up.body.parameters['resolution'], '1080P');
    assert.equal(up.body.parameters['duration'], 2);
    assert.equal(up.body.parameters['seed'], 7);
    assert.equal(up.body.parameters['prompt_extend'], false);
  });

  it('generates r2v from a reference URL; size, shot type and references reach the upstream', async () => {
    const ref = `${mediaUrl}/ref.jpg`;
    const result = await generateVideo({
      model: alibaba().video('wan2.6-r2v'),
      prompt: 'character1 walks through a garden.',
      inputReferences: [ref],
      resolution: '1280x720',
      duration: 4,
      seed: 99,
      providerOptions: { alibaba: { ...POLL, shotType: 'multi' } },
      download,
    });
    const up = await checkRelayed(result);
    assert.equal(up.body.model, 'wan2.6-r2v');
    assert.equal(up.body.input['prompt'], 'character1 walks through a garden.');
    assert.deepEqual(up.body.input['reference_urls'], [ref]);
    assert.equal(up.body.parameters['size'], '1280*720');
    assert.equal(up.body.parameters['duration'], 4);
    assert.equal(up.body.parameters['seed'], 99);
    assert.equal(up.body.parameters['shot_type'], 'multi');
  });

  it('generates t2v; prompt, negative prompt, size, duration and seed reach the upstream', async () => {
    const result = await generateVideo({
      model: alibaba().video('wan2.6-t2v'),
      prompt: 'A paper boat drifts down a gutter after rain.',
      resolution: '832x1088',
      duration: 2,
      seed: 2147483647,
      providerOptions: { alibaba: { ...POLL, negativePrompt: 'people', watermark: true } },
      download,
    });
    const up = await checkRelayed(result);
    assert.equal(up.body.model, 'wan2.6-t2v');
    assert.equal(up.body.input['prompt'], 'A paper boat drifts down a gutter after rain.');
    assert.equal(up.body.input['negative_prompt'], 'people');
    assert.equal(up.body.parameters['size'], '832*1088');
    assert.equal(up.body.parameters['duration'], 2);
    assert.equal(up.body.parameters['seed'], 2147483647);
    assert.equal(up.body.parameters['watermark'], true);
  });
});

/** The APICallError the SDK threw, with vidgate's DashScope error body in it. */
function readApiError(err: unknown, status: number) {
  assert.ok(APICallError.isInstance(err), `an APICallError, got ${String(err)}`);
  assert.equal(err.statusCode, status, err.message);
  assert.equal(err.isRetryable, false, 'the SDK does not retry it');
  const body = errorBodySchema.parse(JSON.parse(err.responseBody ?? ''));
  assert.equal(err.message, body.message, 'the SDK reports DashScope’s message');
  return body;
}

void describe('errors read through the AI SDK', () => {
  for (const r of REFUSALS) {
    it(`refuses ${r.name}: ${r.status} ${r.code}, nothing sent upstream`, async () => {
      const creates = await simCreateRequests(sim.origin, 'acct-a');
      const err = await rejectionOf(
        generateVideo({ ...r.args, model: alibaba().video(r.model), download }),
        r.name,
      );
      const body = readApiError(err, r.status);
      assert.equal(body.code, r.code, body.message);
      assert.match(body.message, r.names);
      assert.equal(await simCreateRequests(sim.origin, 'acct-a'), creates, 'no upstream create');
    });
  }

  it('refuses a wrong key: 401 InvalidApiKey', async () => {
    const wrong = createAlibaba({ videoBaseURL: s.url, apiKey: 'sk-not-a-vidgate-key' });
    const err = await rejectionOf(
      generateVideo({ model: wrong.video('wan2.6-t2v'), ...T2V, download }),
      'a wrong key',
    );
    const body = readApiError(err, 401);
    assert.equal(body.code, 'InvalidApiKey');
    assert.equal(body.message, 'Invalid API-key provided.');
  });
});

/** The task id in the SDK's ALIBABA_VIDEO_GENERATION_FAILED message ("… Task ID: <id>. …"). */
function failedTaskOf(err: unknown): { taskId: string; message: string } {
  assert.ok(AISDKError.isInstance(err), `an AISDKError, got ${String(err)}`);
  assert.ok(!APICallError.isInstance(err), 'not a request error: the create was accepted');
  assert.equal(err.name, 'ALIBABA_VIDEO_GENERATION_FAILED', err.message);
  const m = /Task ID: (task_\w+)\. /.exec(err.message);
  assert.ok(m?.[1], `the message names the task: ${err.message}`);
  return { taskId: m[1], message: err.message };
}

void describe('upstream failures read through the AI SDK', () => {
  it('a task the upstream fails (content moderation) ends FAILED; the SDK throws its message', async () => {
    const seenBefore = downloaded.length;
    const err = await rejectionOf(
      generateVideo({
        model: alibaba().video('wan2.6-t2v'),
        ...T2V,
        prompt: 'A street market, FAIL_CONTENT',
        duration: 2,
        download,
      }),
      'a moderated task',
    );
    const { taskId, message } = failedTaskOf(err);
    const task = taskBodySchema.parse((await s.api('GET', `/api/v1/tasks/${taskId}`)).json);
    assert.equal(task.output.task_status, 'FAILED');
    assert.equal(task.output.code, 'DataInspectionFailed', 'the upstream code, unchanged');
    assert.equal(task.output.message, 'Output data may contain inappropriate content.');
    // the SDK keeps the message; the code is only on vidgate's task
    assert.ok(message.endsWith(`. ${task.output.message}`), message);
    assert.equal(
      (await upstreamTaskOf(taskId)).body.input['prompt'],
      'A street market, FAIL_CONTENT',
    );
    assert.equal(downloaded.length, seenBefore, 'nothing to download');
  });

  it('upstream create and query faults are absorbed: the SDK sees only success', async () => {
    const before = sim.stats().faultsInjected;
    sim.setFaults({
      create: { queue: ['error5xx', 'rate429', 'reset', { kind: 'error5xx', status: 503 }] },
      query: { queue: ['error5xx', 'malformedJson', 'rate429', 'reset'] },
    });
    try {
      const result = await generateVideo({
        model: alibaba().video('wan2.6-t2v'),
        ...T2V,
        prompt: 'Waves against a breakwater, through faults.',
        duration: 2,
        download,
      });
      await checkRelayed(result);
      const after = sim.stats();
      for (const kind of ['error5xx', 'rate429', 'reset', 'malformedJson'] as const)
        assert.ok(after.faultsInjected[kind] > before[kind], `fault ${kind} was exercised`);
      assert.deepEqual(after.duplicateClientRequestIds, [], 'one upstream task per vidgate task');
    } finally {
      sim.setFaults({});
    }
  });

  it('a create the upstream refuses after vidgate accepted it ends FAILED with its message', async () => {
    // wan2.6-r2v-flash is not offered in Virginia (reference §1): an account there refuses it.
    // A vidgate of its own, so that its only channel is that account.
    const usKey = 'sk-sim-us-0123456789';
    const virginia = await startDashScopeSimulator({
      region: 'virginia',
      accounts: [{ id: 'acct-us', region: 'virginia', keys: [usKey] }],
      durations: { queueMs: 100, runMs: 300 },
    });
    let us: TestVidgate | undefined;
    try {
      us = await startTestVidgate({
        env: {
          DASHSCOPE_API_KEY: usKey,
          DASHSCOPE_HTTP_BASE_URL: virginia.url,
          VIDGATE_MEDIA_ALLOW_HOSTS: new URL(mediaUrl).host,
          VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '30',
        },
      });
      const client = createAlibaba({ videoBaseURL: us.url, apiKey: us.token });
      const err = await rejectionOf(
        generateVideo({
          model: client.video('wan2.6-r2v-flash'),
          prompt: 'character1 waves.',
          inputReferences: [`${mediaUrl}/ref.jpg`],
          duration: 2,
          providerOptions: { alibaba: POLL },
          download,
        }),
        'a model the region lacks',
      );
      const { taskId, message } = failedTaskOf(err);
      const task = taskBodySchema.parse((await us.api('GET', `/api/v1/tasks/${taskId}`)).json);
      assert.equal(task.output.task_status, 'FAILED');
      assert.equal(task.output.code, 'InvalidParameter');
      assert.equal(task.output.message, 'Model not exist.', 'the upstream message, unchanged');
      assert.ok(message.endsWith(`. ${task.output.message}`), message);
      assert.equal(virginia.stats().accounts['acct-us']?.createRequests, 1, 'sent there once');
      assert.equal(virginia.stats().accounts['acct-us']?.tasksCreated, 0);
    } finally {
      await us?.stop();
      await virginia.close();
    }
  });
});
