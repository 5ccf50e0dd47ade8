import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAlibaba } from '@ai-sdk/alibaba';
import { experimental_generateVideo as generateVideo, type GenerateVideoResult } from 'ai';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { simTaskIdOf } from '../../src/simulator/sim-video.js';
import {
  failedTaskOf,
  readApiError,
  rejectionOf,
  SDK_POLL as POLL,
  sdkDownload,
  simCreateRequests,
  simTasksOverHttp,
  startMediaHost,
  type MediaHost,
  type SimTaskSeen,
} from '../support/ai-sdk-client.js';
import { REFUSALS, T2V } from '../support/ai-sdk-refusals.js';
import { randomText, startTestVidgate, taskBodySchema, type TestVidgate } from './helpers.js';

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
let host: MediaHost;
let mediaUrl: string;
let frameBytes: Buffer;
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
  // each query signs a fresh link, so the SDK's (from its last poll) may differ in exp/sig
  const sdkUrl = meta?.['videoUrl'];
  assert.ok(typeof sdkUrl === 'string', 'the SDK reports the link');
  const sdkLink = new URL(sdkUrl);
  assert.equal(`${sdkLink.origin}${sdkLink.pathname}`, link.split('?')[0], 'vidgate’s link');
  assert.match(new URL(link).pathname, /^\/results\/task_/, 'a vidgate result link');
  assert.ok(!link.startsWith(sim.origin), 'not the simulator’s link');
  assert.ok(downloaded.includes(sdkLink.href), 'the SDK downloaded that link');
  const upstream = await upstreamTaskOf(taskId);
  assert.equal(simTaskIdOf(bytes), upstream.taskId, 'the bytes are the upstream task’s video');
  return upstream;
}

before(async () => {
  // a media host on loopback for the URL inputs; vidgate is told it may fetch from it
  host = await startMediaHost();
  ({ frameBytes, url: mediaUrl } = host);
  sim = await startDashScopeSimulator({
    accounts: [{ id: 'acct-a', region: 'beijing', keys: [KEY] }],
    durations: { queueMs: [100, 300], runMs: [300, 800] },
  });
  s = await startTestVidgate({
    env: {
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
      VIDGATE_MEDIA_ALLOW_HOSTS: host.hostPort,
      // generous: a busy machine answers slowly, and a timeout would only add retries
      VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '30',
      // a create cut by a reset is looked for in the task list this long before it is resent
      VIDGATE_RECONCILE_WINDOW_SECONDS: '10',
    },
  });
});

after(async () => {
  await s?.stop();
  await sim?.close();
  await host?.close();
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

  it('an Idempotency-Key in the SDK’s headers: the same body gets the same task, another is 422', async () => {
    const args = {
      model: alibaba().video('wan2.6-t2v'),
      ...T2V,
      prompt: 'A kite over dunes.',
      duration: 2,
      headers: { 'Idempotency-Key': `aisdk-${randomText(16)}` },
      download,
    };
    const first = await generateVideo(args);
    const again = await generateVideo(args);
    const id = first.providerMetadata['alibaba']?.['taskId'];
    assert.ok(typeof id === 'string');
    assert.equal(again.providerMetadata['alibaba']?.['taskId'], id, 'the first task, replayed');
    await checkRelayed(again); // exactly one upstream task behind both
    const creates = await simCreateRequests(sim.origin, 'acct-a');
    const err = await rejectionOf(
      generateVideo({ ...args, prompt: 'Another kite.' }),
      'a reused key with another body',
    );
    const body = readApiError(err, 422);
    assert.equal(body.code, 'BadRequest.IdempotencyKeyReused');
    assert.ok(body.message.includes(id), `the message names the key's task: ${body.message}`);
    assert.equal(await simCreateRequests(sim.origin, 'acct-a'), creates, 'no upstream create');
  });

  it('refuses inline image bytes over the body limit: 413 BadRequest.TooLarge', async () => {
    // 21.5 MB of PNG-signed bytes: 28.7 MB as base64, past the 28 MB body limit
    const huge = Buffer.alloc(21_500_000, 7);
    frameBytes.copy(huge, 0, 0, 8);
    const err = await rejectionOf(
      generateVideo({
        model: alibaba().video('wan2.6-i2v-flash'),
        prompt: { image: new Uint8Array(huge), text: 'x' },
        providerOptions: { alibaba: POLL },
        download,
      }),
      'an oversized body',
    );
    const body = readApiError(err, 413);
    assert.equal(body.code, 'BadRequest.TooLarge');
  });
});

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
