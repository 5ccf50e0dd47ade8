import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import {
  acceptedId,
  createCallsOf,
  sdkHeaders,
  startFamilyMedia,
  startFamilyRig,
  startRecordingProxy,
  succeeded,
  upstreamOf,
  type FamilyMedia,
  type FamilyRig,
  type RecordingProxy,
} from './families-kit.js';
import {
  expectError,
  faceVerdictSchema,
  imageDataUri,
  makeTempDir,
  randomText,
  removeDir,
  startTestVidgate,
  type ApiResponse,
  type TestVidgate,
} from './helpers.js';

/**
 * Issue 14 against the simulator, beyond one task per family (dashscope-families.test.ts): a
 * Singapore account (its own model ids; a Beijing-only model refused at create), the per-model
 * limits of s2v and kf2v, the s2v face check relayed within 5 per second, and an upstream
 * refusal of a body vidgate passes on.
 */

const FACE_DETECT_NATIVE = '/api/v1/services/aigc/image2video/face-detect';
const FACE_DETECT_SEED = '/task/bailian/face-detect';
const DETECT_UPSTREAM = '/api/v1/services/aigc/image2video/face-detect';

function createKf2vFlash(rig: FamilyRig, prompt: string): Promise<ApiResponse> {
  return rig.s.request('POST', '/api/v1/services/aigc/image2video/video-synthesis', {
    headers: sdkHeaders(rig.s.token),
    body: JSON.stringify({
      model: 'wan2.2-kf2v-flash',
      input: { prompt, first_frame_url: rig.media.at('first-frame.jpg') },
      parameters: { resolution: '480P' },
    }),
  });
}

function createS2v(rig: FamilyRig): Promise<ApiResponse> {
  return rig.s.api('POST', '/task/bailian/speech2video', {
    model: 'wan2.2-s2v',
    input: { image_url: rig.media.at('portrait.jpg'), audio_url: rig.media.at('speech.wav') },
    parameters: { resolution: '720P' },
  });
}

function detect(s: TestVidgate, path: string, imageUrl: string): Promise<ApiResponse> {
  return s.request('POST', path, {
    // DashScope documents the check as synchronous: no X-DashScope-Async
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'wan2.2-s2v-detect', input: { image_url: imageUrl } }),
  });
}

void describe('a Beijing account: per-model limits, the face check, an upstream refusal', () => {
  let rig: FamilyRig;
  before(async () => {
    rig = await startFamilyRig({ durations: { queueMs: [100, 300], runMs: [500, 1000] } });
  });
  after(async () => {
    await rig?.close();
  });

  const account = () => {
    const a = rig.sim.stats().accounts[rig.accountId];
    assert.ok(a);
    return a;
  };

  it('runs 4 s2v tasks sent at once one after another: never 2 running upstream, no 429', async () => {
    const before = account().total429;
    const ids = (await Promise.all([1, 2, 3, 4].map(() => createS2v(rig)))).map(acceptedId);
    for (const id of ids) await succeeded(rig.s, id);
    const a = account();
    const s2v = a.models['wan2.2-s2v'];
    assert.ok(s2v, 'the simulator saw s2v creates');
    assert.equal(s2v.maxConcurrentTasks, 1, 'one running s2v task at most (and at least one)');
    assert.equal(s2v.createRequests, 4, 'each create sent once: none refused and resent');
    assert.equal(a.total429 - before, 0, JSON.stringify(a.throttled));
    for (const id of ids) assert.equal(upstreamOf(rig.sim, id).model, 'wan2.2-s2v');
  });

  it('runs 6 kf2v-flash tasks sent at once at most 2 at a time, 2 creates a second, no 429', async () => {
    const before = account().total429;
    const ids = (
      await Promise.all([1, 2, 3, 4, 5, 6].map((n) => createKf2vFlash(rig, `glide ${n}`)))
    ).map(acceptedId);
    for (const id of ids) await succeeded(rig.s, id);
    const a = account();
    const kf2v = a.models['wan2.2-kf2v-flash'];
    assert.ok(kf2v, 'the simulator saw kf2v-flash creates');
    assert.equal(kf2v.maxConcurrentTasks, 2, 'two running kf2v-flash tasks at most');
    assert.ok(kf2v.maxCreatesPerSecond <= 2, `creates/s ${kf2v.maxCreatesPerSecond}`);
    assert.equal(kf2v.createRequests, 6);
    assert.equal(a.total429 - before, 0, JSON.stringify(a.throttled));
  });

  it('relays the face check on both paths, synchronously, and passes each verdict on', async () => {
    const before = rig.proxy.calls.length;
    const portrait = rig.media.at('portrait.jpg');
    const pass = await detect(rig.s, FACE_DETECT_NATIVE, portrait);
    assert.equal(pass.status, 200, JSON.stringify(pass.json));
    assert.deepEqual(faceVerdictSchema.parse(pass.json).output, {
      check_pass: true,
      humanoid: true,
    });

    const noFace = await detect(rig.s, FACE_DETECT_SEED, `${rig.media.url}/NO_FACE/portrait.jpg`);
    assert.equal(noFace.status, 200, JSON.stringify(noFace.json));
    assert.deepEqual(faceVerdictSchema.parse(noFace.json).output, {
      check_pass: false,
      humanoid: false,
      code: 'InvalidParameter',
      message: 'No human face was detected in the image.',
    });

    const small = await detect(rig.s, FACE_DETECT_NATIVE, rig.media.at('small.jpg'));
    assert.equal(small.status, 200, JSON.stringify(small.json));
    const smallOut = faceVerdictSchema.parse(small.json).output;
    assert.equal(smallOut.check_pass, false, 'a 320 px image is under the 400 px minimum');
    assert.equal(smallOut.code, 'InvalidParameter');

    const upstream = rig.proxy.calls.slice(before).filter((c) => c.path === DETECT_UPSTREAM);
    assert.equal(upstream.length, 3, 'one upstream call per check');
    for (const c of upstream) {
      assert.equal(c.method, 'POST');
      assert.equal(c.headers['x-dashscope-async'], undefined, 'no async header on the check');
      const sent = z
        .object({ model: z.literal('wan2.2-s2v-detect'), input: z.object({ image_url: z.url() }) })
        .parse(JSON.parse(c.body));
      assert.ok(sent.input.image_url.startsWith(rig.media.url), 'the client’s URL as sent');
    }
    assert.equal(account().detect.requests, 3);
  });

  it('holds 12 concurrent checks to 5 a second upstream: no upstream 429', async () => {
    const { requests: requestsBefore, throttled: throttledBefore } = account().detect;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        detect(rig.s, i % 2 ? FACE_DETECT_SEED : FACE_DETECT_NATIVE, rig.media.at('portrait.jpg')),
      ),
    );
    let passed = 0;
    for (const res of answers) {
      if (res.status === 200) {
        passed += 1;
        assert.equal(faceVerdictSchema.parse(res.json).output.check_pass, true);
      } else {
        // vidgate's own wait for a slot ran out: a 429 of its own, with Retry-After
        expectError(res, 429, 'Throttling.RateQuota');
        assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
      }
    }
    const a = account();
    assert.ok(a.detect.maxPerSecond <= 5, `detect calls/s upstream ${a.detect.maxPerSecond}`);
    assert.equal(a.detect.throttled - throttledBefore, 0, 'no upstream 429 on a check');
    assert.equal(a.detect.requests - requestsBefore, passed, 'a vidgate 429 sent nothing upstream');
    assert.ok(passed >= 5, `at least one second's worth answered, got ${passed}`);
  });

  it('refuses at create a data: URI type the family does not take, sending nothing upstream', async () => {
    // HappyHorse takes data: URIs of image/jpeg, png or webp only (families §1.2, §4), and the
    // upstream judges the label, not the bytes: a PNG labelled image/bmp is refused at the edge
    const png = await imageDataUri(640, 480, 'png');
    const mislabelled = png.replace(/^data:image\/png;/, 'data:image/bmp;');
    const before = rig.proxy.calls.length;
    const res = await rig.s.request(
      'POST',
      '/api/v1/services/aigc/video-generation/video-synthesis',
      {
        headers: sdkHeaders(rig.s.token),
        body: JSON.stringify({
          model: 'happyhorse-1.0-r2v',
          input: {
            prompt: '[Image 1] trots.',
            media: [{ type: 'reference_image', url: mislabelled }],
          },
          parameters: { resolution: '720P', duration: 3 },
        }),
      },
    );
    const message = expectError(res, 400, 'InvalidParameter');
    assert.match(
      message,
      /input\.media\[0\]\.url.*image\/bmp.*image\/jpeg, image\/png, image\/webp/,
    );
    assert.equal(rig.proxy.calls.length, before, 'nothing was sent upstream');
  });
});

void describe('a Singapore account', () => {
  const KEY = 'sk-sim-singapore-0123456789';
  let sim: DashScopeSimulator;
  let proxy: RecordingProxy;
  let media: FamilyMedia;
  let s: TestVidgate;
  const dataDir = makeTempDir('families-sg');

  before(async () => {
    sim = await startDashScopeSimulator({
      region: 'singapore',
      accounts: [{ id: 'acct-sg', region: 'singapore', keys: [KEY] }],
      durations: { queueMs: [100, 300], runMs: [300, 800] },
    });
    proxy = await startRecordingProxy(sim.origin);
    media = await startFamilyMedia();
    const env = {
      VIDGATE_BOOTSTRAP_TOKEN: randomText(32),
      VIDGATE_MEDIA_ALLOW_HOSTS: media.hostPort,
    };
    // the first start makes the sandbox's channel; a Singapore channel replaces it, and a
    // second start on the same store has only that one in its worker's and API's view
    const first = await startTestVidgate({ dataDir, env });
    try {
      await first.vg.channels.create({
        name: 'dashscope-sg',
        provider: 'dashscope',
        settings: {
          baseUrl: proxy.url,
          apiKeys: [KEY],
          region: 'singapore',
          requestTimeoutMs: 30_000,
        },
      });
      for (const c of await first.vg.channels.list()) {
        if (c.name !== 'dashscope-sg') await first.vg.channels.setEnabled(c.name, false);
      }
    } finally {
      await first.stop();
    }
    s = await startTestVidgate({ dataDir, env });
  });
  after(async () => {
    await s?.stop();
    await proxy?.close();
    await sim?.close();
    await media?.close();
    removeDir(dataDir);
  });

  it('has one enabled channel, the Singapore one', async () => {
    const enabled = (await s.vg.channels.list()).filter((c) => c.enabled);
    assert.deepEqual(
      enabled.map((c) => c.name),
      ['dashscope-sg'],
    );
  });

  it('sends wan2.1-kf2v-plus under its own name, at the image2video path', async () => {
    const id = acceptedId(
      await s.api('POST', '/task/bailian/kf2video', {
        model: 'wan2.1-kf2v-plus',
        input: {
          first_frame_url: media.at('first-frame.jpg'),
          last_frame_url: media.at('last-frame.jpg'),
        },
        parameters: { resolution: '720P' },
      }),
    );
    const body = await succeeded(s, id);
    assert.ok(body.output.video_url);
    const task = upstreamOf(sim, id);
    assert.equal(task.model, 'wan2.1-kf2v-plus', 'the Singapore id, not wanx2.1-kf2v-plus');
    const [create] = createCallsOf(proxy, id);
    assert.equal(create?.path, '/api/v1/services/aigc/image2video/video-synthesis');
    assert.equal((await s.fetchResult(body.output.video_url)).status, 200);
  });

  it('refuses wan2.2-s2v (Beijing only) at create, naming beijing; nothing reaches the upstream', async () => {
    const before = sim.stats();
    const callsBefore = proxy.calls.length;
    const res = await s.api('POST', '/task/bailian/speech2video', {
      model: 'wan2.2-s2v',
      input: { image_url: media.at('portrait.jpg'), audio_url: media.at('speech.wav') },
      parameters: {},
    });
    const message = expectError(res, 400, 'InvalidParameter');
    assert.match(message, /beijing/, message);
    assert.doesNotMatch(message, /singapore/, 'only the region that has it is named');
    // the face check of s2v has no channel to go to either
    const check = await detect(s, FACE_DETECT_NATIVE, media.at('portrait.jpg'));
    assert.match(expectError(check, 400, 'InvalidParameter'), /beijing/);
    const now = sim.stats().accounts['acct-sg'];
    assert.equal(now?.createRequests, before.accounts['acct-sg']?.createRequests);
    assert.equal(now?.detect.requests, 0);
    const s2vCalls = proxy.calls
      .slice(callsBefore)
      .filter((c) => c.method === 'POST' && !c.path.startsWith('/api/v1/tasks'));
    assert.deepEqual(s2vCalls, [], 'no create or check went upstream');
  });
});
