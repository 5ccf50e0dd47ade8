import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  acceptedId,
  checkResult,
  createCallsOf,
  sdkHeaders,
  startFamilyRig,
  succeeded,
  upstreamOf,
  type FamilyRig,
} from './families-kit.js';
import { imageDataUri } from './helpers.js';

/**
 * Every model family through a DashScope channel (Beijing account) on the simulator (issue 14):
 * one task per family to SUCCEEDED. The simulator is reached through a recording proxy, so the
 * path and headers of each upstream create are seen as sent; the simulator's own task shows the
 * body it accepted, and its own answer the usage vidgate must relay.
 *
 * The expected paths and regional ids below are written from dashscope-model-families.md §1.1,
 * not read from vidgate's registry.
 */

type Group = 'video-generation' | 'image2video';

interface FamilyCase {
  name: string;
  /** where the client sends it on vidgate: DashScope's path, or a seed route */
  route: string;
  /** the upstream create path's group (families §1.1) */
  group: Group;
  /** the model id the Beijing upstream must see */
  upstreamModel: string;
  /** the simulator answers the link at output.results.video_url (s2v, animate) */
  resultsUrl?: boolean;
  body: () => {
    model: string;
    input: Record<string, unknown>;
    parameters: Record<string, unknown>;
  };
}

const native = (group: Group) => `/api/v1/services/aigc/${group}/video-synthesis`;
/** fields no model knows: DashScope tolerates them and vidgate passes them on unchanged */
const UNKNOWN_INPUT = { vg_probe_input: 'kept as sent' };
const UNKNOWN_PARAMS = { vg_probe_param: { nested: [1, 2] } };

let rig: FamilyRig;
let frameData = '';

/** `rig` is read only when a body is built, so the table can name the tests. */
function cases(): FamilyCase[] {
  const at = (name: string) => rig.media.at(name);
  return [
    {
      name: 'wan2.7-t2v',
      route: native('video-generation'),
      group: 'video-generation',
      upstreamModel: 'wan2.7-t2v',
      body: () => ({
        model: 'wan2.7-t2v',
        input: { prompt: 'A paper boat on a pond.', negative_prompt: 'people', ...UNKNOWN_INPUT },
        parameters: {
          resolution: '720P',
          ratio: '4:3',
          duration: 3,
          prompt_extend: false,
          watermark: false,
          seed: 12,
          ...UNKNOWN_PARAMS,
        },
      }),
    },
    {
      name: 'wan2.7-i2v first + last frame',
      route: native('video-generation'),
      group: 'video-generation',
      upstreamModel: 'wan2.7-i2v',
      body: () => ({
        model: 'wan2.7-i2v',
        input: {
          prompt: 'The pattern turns into colour bars.',
          media: [
            { type: 'first_frame', url: frameData },
            { type: 'last_frame', url: at('last-frame.jpg') },
          ],
          ...UNKNOWN_INPUT,
        },
        parameters: { resolution: '720P', duration: 3, ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'wan2.7-videoedit',
      route: '/task/bailian/videoedit',
      group: 'video-generation',
      upstreamModel: 'wan2.7-videoedit',
      body: () => ({
        model: 'wan2.7-videoedit',
        input: {
          prompt: 'Make it look like a watercolour.',
          media: [{ type: 'video', url: at('clip.mp4') }],
          ...UNKNOWN_INPUT,
        },
        parameters: { resolution: '720P', duration: 0, audio_setting: 'origin', ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'wan3.0-video text',
      route: native('video-generation'),
      group: 'video-generation',
      upstreamModel: 'wan3.0-video',
      body: () => ({
        model: 'wan3.0-video',
        input: { prompt: 'A lighthouse at dusk, waves below.', ...UNKNOWN_INPUT },
        parameters: {
          resolution: '480P',
          ratio: '16:9',
          duration: 3,
          audio: false,
          ...UNKNOWN_PARAMS,
        },
      }),
    },
    {
      name: 'wan3.0-video references',
      route: '/task/bailian/ref2video',
      group: 'video-generation',
      upstreamModel: 'wan3.0-video',
      body: () => ({
        model: 'wan3.0-video',
        input: {
          prompt: 'Image 1 dances the way Video 1 moves.',
          media: [
            { type: 'reference_image', url: at('portrait.jpg') },
            { type: 'reference_video', url: at('clip.mp4') },
          ],
          ...UNKNOWN_INPUT,
        },
        parameters: { resolution: '480P', duration: 4, ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'happyhorse-1.1-t2v',
      route: '/task/bailian/text2video',
      group: 'video-generation',
      upstreamModel: 'happyhorse-1.1-t2v',
      body: () => ({
        model: 'happyhorse-1.1-t2v',
        input: { prompt: 'A horse gallops along a beach.', ...UNKNOWN_INPUT },
        parameters: {
          resolution: '480P',
          ratio: '1:1',
          duration: 3,
          watermark: false,
          ...UNKNOWN_PARAMS,
        },
      }),
    },
    {
      name: 'happyhorse-1.0-i2v',
      route: native('video-generation'),
      group: 'video-generation',
      upstreamModel: 'happyhorse-1.0-i2v',
      body: () => ({
        model: 'happyhorse-1.0-i2v',
        input: {
          prompt: 'A slow push-in.',
          media: [{ type: 'first_frame', url: frameData }],
          ...UNKNOWN_INPUT,
        },
        parameters: { resolution: '720P', duration: 3, seed: 5, ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'wan2.2-kf2v-flash',
      route: native('image2video'),
      group: 'image2video',
      upstreamModel: 'wan2.2-kf2v-flash',
      body: () => ({
        model: 'wan2.2-kf2v-flash',
        input: {
          prompt: 'The camera glides.',
          first_frame_url: frameData,
          last_frame_url: at('last-frame.jpg'),
          ...UNKNOWN_INPUT,
        },
        parameters: { resolution: '480P', duration: 5, prompt_extend: true, ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'wan2.1-kf2v-plus',
      route: '/task/bailian/kf2video',
      group: 'image2video',
      upstreamModel: 'wanx2.1-kf2v-plus',
      body: () => ({
        model: 'wan2.1-kf2v-plus',
        input: {
          first_frame_url: at('first-frame.jpg'),
          last_frame_url: at('last-frame.jpg'),
          ...UNKNOWN_INPUT,
        },
        parameters: { resolution: '720P', prompt_extend: false, ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'wan2.1-vace-plus',
      route: native('video-generation'),
      group: 'video-generation',
      upstreamModel: 'wanx2.1-vace-plus',
      body: () => ({
        model: 'wan2.1-vace-plus',
        input: {
          function: 'video_repainting',
          prompt: 'Repaint it as a pencil sketch.',
          video_url: at('clip.mp4'),
          ...UNKNOWN_INPUT,
        },
        parameters: {
          control_condition: 'depth',
          strength: 0.5,
          prompt_extend: false,
          ...UNKNOWN_PARAMS,
        },
      }),
    },
    {
      name: 'wan2.2-s2v',
      route: '/task/bailian/speech2video',
      group: 'image2video',
      upstreamModel: 'wan2.2-s2v',
      resultsUrl: true,
      body: () => ({
        model: 'wan2.2-s2v',
        input: { image_url: at('portrait.jpg'), audio_url: at('speech.wav'), ...UNKNOWN_INPUT },
        parameters: { resolution: '480P', style: 'speech', ...UNKNOWN_PARAMS },
      }),
    },
    {
      name: 'wan2.2-animate-move',
      route: native('image2video'),
      group: 'image2video',
      upstreamModel: 'wan2.2-animate-move',
      resultsUrl: true,
      body: () => ({
        model: 'wan2.2-animate-move',
        input: {
          image_url: at('portrait.jpg'),
          video_url: at('clip.mp4'),
          watermark: false,
          ...UNKNOWN_INPUT,
        },
        parameters: { mode: 'wan-std', check_image: true, ...UNKNOWN_PARAMS },
      }),
    },
  ];
}

before(async () => {
  rig = await startFamilyRig();
  frameData = await imageDataUri(640, 360);
});

after(async () => {
  await rig?.close();
});

void describe('every family through a Beijing DashScope channel on the simulator', () => {
  it('the channel is the only enabled one, and it is a DashScope one', async () => {
    const enabled = (await rig.s.vg.channels.list()).filter((c) => c.enabled);
    assert.deepEqual(
      enabled.map((c) => c.provider),
      ['dashscope'],
    );
  });

  for (const fc of cases()) {
    it(`${fc.name}: relayed as sent, SUCCEEDED, vidgate's link and the upstream's usage`, async () => {
      const sent = fc.body();
      const res = await rig.s.request('POST', fc.route, {
        headers: sdkHeaders(rig.s.token),
        body: JSON.stringify(sent),
      });
      const id = acceptedId(res);
      const body = await succeeded(rig.s, id);

      // one create upstream, on the family's own path, asynchronous
      const creates = createCallsOf(rig.proxy, id);
      assert.equal(creates.length, 1, `${fc.name}: one upstream create`);
      const [create] = creates;
      assert.ok(create);
      assert.equal(create.path, `/api/v1/services/aigc/${fc.group}/video-synthesis`, fc.name);
      assert.equal(create.headers['x-dashscope-async'], 'enable');

      // the body as accepted upstream: the client's fields unchanged, the regional model id
      const task = upstreamOf(rig.sim, id);
      assert.equal(task.model, fc.upstreamModel, `${fc.name}: the Beijing model id`);
      assert.deepEqual(task.body, { ...sent, model: fc.upstreamModel }, fc.name);

      const { simOutput } = await checkResult(rig.s, rig.sim, rig.key, body, task.taskId);
      if (fc.resultsUrl) {
        // the upstream put the link at output.results.video_url only; vidgate at output.video_url
        assert.equal(simOutput['video_url'], undefined, fc.name);
        const results = simOutput['results'] as { video_url?: unknown } | undefined;
        assert.equal(typeof results?.video_url, 'string', fc.name);
      } else {
        assert.equal(typeof simOutput['video_url'], 'string', fc.name);
      }
    });
  }

  it('made one upstream task per family, none twice', () => {
    const stats = rig.sim.stats();
    assert.deepEqual(stats.duplicateClientRequestIds, []);
    assert.equal(stats.accounts[rig.accountId]?.tasksCreated, cases().length);
    assert.equal(stats.accounts[rig.accountId]?.total429, 0);
  });
});
