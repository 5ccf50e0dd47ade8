import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  acceptedId,
  AREA,
  assertAspectArea,
  assertAudio,
  assertDuration,
  assertFps,
  assertSize,
  assertUsage,
  finish,
  useFamilyHarness,
} from './families-support.js';
import { expectError } from './helpers.js';

/**
 * Issue 14, part 2: the specialised families on the sandbox — kf2v, VACE, s2v and animate (flat
 * fields of their own; kf2v, s2v and animate on DashScope's image2video path) — run to their
 * probed videos; kf2v through the native face with a regional model id; and creates posted to
 * the wrong seed route or with data: URIs where only URLs are taken.
 */

const h = useFamilyHarness();
const run = h.run;

const NATIVE_I2V = '/api/v1/services/aigc/image2video/video-synthesis';
const NATIVE_VG = '/api/v1/services/aigc/video-generation/video-synthesis';

function nativeHeaders(): Record<string, string> {
  return {
    authorization: `Bearer ${h.vg.token}`,
    'content-type': 'application/json',
    'x-dashscope-async': 'enable',
  };
}

const listSchema = z.object({
  total: z.number(),
  data: z.array(
    z.looseObject({ task_id: z.string(), model_name: z.string(), user_api_unique_key: z.string() }),
  ),
});

void describe('kf2v on the sandbox', { concurrency: true }, () => {
  it('wan2.2-kf2v-flash on /kf2video: 5 s, silent, 24 fps, the first frame aspect', async () => {
    const f = await run('kf2video', {
      model: 'wan2.2-kf2v-flash',
      input: {
        prompt: 'The door opens.',
        first_frame_url: h.inputs.frame.dataUri,
        last_frame_url: h.inputs.portrait.dataUri,
      },
      parameters: { resolution: '480P' },
    });
    assertAspectArea(f, 16 / 9, AREA['480P']);
    assertDuration(f, 5);
    assertFps(f, 24);
    assertAudio(f, false);
    // families §5: video_duration, video_count and SR (2.2), no duration split
    assertUsage(f, { video_duration: 5, video_count: 1, SR: 480 });
    assert.equal(f.body.output.orig_prompt, 'The door opens.');
    const actual = f.body.output.actual_prompt;
    assert.ok(
      typeof actual === 'string' && actual.startsWith('The door opens.') && actual.length > 15,
      `prompt_extend (on by default) answers an extended actual_prompt: ${String(actual)}`,
    );
  });

  it('wanx2.1-kf2v-plus on the native image2video path, with its Beijing id', async () => {
    const body = {
      model: 'wanx2.1-kf2v-plus',
      input: { first_frame_url: h.inputs.frame.url, last_frame_url: h.inputs.portrait.url },
      parameters: { resolution: '720P', prompt_extend: false },
    };
    const headers = nativeHeaders();
    // the other DashScope path names the right one
    const wrong = await h.vg.request('POST', NATIVE_VG, { headers, body: JSON.stringify(body) });
    const msg = expectError(wrong, 400, 'InvalidParameter');
    assert.ok(msg.includes(NATIVE_I2V), msg);
    const res = await h.vg.request('POST', NATIVE_I2V, { headers, body: JSON.stringify(body) });
    const id = acceptedId(res);
    const f = await finish(h.vg, id);
    const native = await h.vg.api('GET', `/api/v1/tasks/${id}`);
    assert.equal(native.status, 200);
    assert.equal(
      (native.json as { output: { video_url?: string } }).output.video_url,
      f.body.output.video_url,
      'both faces answer the same task',
    );
    assertSize(f, 1280, 720);
    assertDuration(f, 5);
    assertFps(f, 24);
    assertAudio(f, false);
    // 2.1 reports video_ratio instead of SR (families §5)
    assertUsage(f, { video_duration: 5, video_count: 1, video_ratio: 'standard' });
    assert.equal(f.body.output.actual_prompt, undefined, 'no actual_prompt with prompt_extend off');
    const list = await h.vg.api('GET', `/api/v1/tasks?task_id=${id}`);
    assert.equal(list.status, 200, JSON.stringify(list.json));
    const page = listSchema.parse(list.json);
    assert.equal(page.total, 1);
    const row = page.data[0];
    assert.ok(row);
    assert.equal(row.task_id, id);
    // the registry's name for both regional ids, on its own task group
    assert.equal(row.model_name, 'wan2.1-kf2v-plus');
    assert.equal(
      row.user_api_unique_key,
      'apikey:v1:aigc:image2video:video-synthesis:wan2.1-kf2v-plus',
    );
  });
});

void describe('VACE on the sandbox', { concurrency: true }, () => {
  it('image_reference: 1280×720 by default, 5 s, 30 fps, silent', async () => {
    const f = await run('videoedit', {
      model: 'wan2.1-vace-plus',
      input: {
        function: 'image_reference',
        prompt: 'Image 1 stands in the place of image 2.',
        ref_images_url: [h.inputs.portrait.url, h.inputs.frame.url],
      },
      parameters: { obj_or_bg: ['obj', 'bg'] },
    });
    assertSize(f, 1280, 720);
    assertDuration(f, 5);
    assertFps(f, 30);
    assertAudio(f, false);
    assertUsage(f, { video_duration: 5, video_count: 1 });
  });

  it('video_repainting: a larger input capped at the 720P area, its length, no sound', async () => {
    const f = await run('videoedit', {
      model: 'wan2.1-vace-plus',
      input: { function: 'video_repainting', prompt: 'Repaint it.', video_url: h.inputs.big.url },
      parameters: { control_condition: 'depth', prompt_extend: false },
    });
    // 1280×960 is above 921,600 px: scaled down keeping 4:3 (families §6); the input's sound dropped
    assertAspectArea(f, 4 / 3, AREA['720P']);
    assert.ok((f.probe.video?.width ?? 0) * (f.probe.video?.height ?? 0) <= AREA['720P']);
    assertDuration(f, 2);
    assertFps(f, 30);
    assertAudio(f, false);
    assertUsage(f, { video_duration: 2, video_count: 1 });
  });
});

void describe('s2v and animate on the sandbox', { concurrency: true }, () => {
  it('wan2.2-s2v: as long as its 4 s audio, with that sound, the portrait aspect', async () => {
    const f = await run('speech2video', {
      model: 'wan2.2-s2v',
      input: { image_url: h.inputs.portrait.url, audio_url: h.inputs.tone.url },
      parameters: { resolution: '480P' },
    });
    assertAspectArea(f, 3 / 4, AREA['480P']);
    assertDuration(f, 4);
    assertFps(f, 24);
    assertAudio(f, true);
    assertUsage(f, { video_duration: 4, video_count: 1 });
    assert.ok(f.body.output.video_url, 'the URL is at output.video_url for the client');
  });

  it('animate-move keeps the image aspect; animate-mix the video, capped at 720P', async () => {
    const [move, mix] = await Promise.all([
      run('animate', {
        model: 'wan2.2-animate-move',
        input: { image_url: h.inputs.portrait.url, video_url: h.inputs.clip.url },
        parameters: { mode: 'wan-std' },
      }),
      run('animate', {
        model: 'wan2.2-animate-mix',
        input: { image_url: h.inputs.frame.url, video_url: h.inputs.big.url },
        parameters: { mode: 'wan-pro' },
      }),
    ]);
    assertAspectArea(move, 3 / 4, AREA['720P']);
    assertDuration(move, 3);
    assertUsage(move, { video_duration: 3, video_count: 1 });
    assertAspectArea(mix, 4 / 3, AREA['720P']);
    assert.ok((mix.probe.video?.width ?? 0) * (mix.probe.video?.height ?? 0) <= AREA['720P']);
    assertDuration(mix, 2);
    assertUsage(mix, { video_duration: 2, video_count: 1 });
    for (const f of [move, mix]) {
      assertFps(f, 24);
      // both reference videos have a track: the animation keeps it
      assertAudio(f, true);
    }
  });
});

void describe('creates the families refuse before any task', () => {
  it('a model on the wrong seed route is a 400 naming its route', async () => {
    const cases: [string, unknown, string][] = [
      [
        'image2video',
        {
          model: 'wan2.2-s2v',
          input: { image_url: h.inputs.portrait.url, audio_url: h.inputs.tone.url },
        },
        '/task/bailian/speech2video',
      ],
      [
        'text2video',
        { model: 'wan2.2-kf2v-flash', input: { first_frame_url: h.inputs.frame.url } },
        '/task/bailian/kf2video',
      ],
      [
        'videoedit',
        {
          model: 'wan2.2-animate-move',
          input: { image_url: h.inputs.portrait.url, video_url: h.inputs.clip.url },
          parameters: { mode: 'wan-std' },
        },
        '/task/bailian/animate',
      ],
      // the route is chosen by the inputs: a first_clip continuation is not first + last frame
      [
        'kf2video',
        {
          model: 'wan2.7-i2v',
          input: { media: [{ type: 'first_clip', url: h.inputs.clip.url }] },
        },
        '/task/bailian/image2video',
      ],
    ];
    for (const [route, body, right] of cases) {
      const res = await h.vg.api('POST', `/task/bailian/${route}`, body);
      const msg = expectError(res, 400, 'InvalidParameter');
      assert.ok(msg.includes(`POST ${right}`), `${route}: ${msg}`);
    }
  });

  it('data: URIs where a family takes URLs only are refused, naming the field', async () => {
    const cases: [string, unknown, string][] = [
      [
        'speech2video',
        {
          model: 'wan2.2-s2v',
          input: { image_url: h.inputs.portrait.dataUri, audio_url: h.inputs.tone.url },
        },
        'input.image_url',
      ],
      [
        'animate',
        {
          model: 'wan2.2-animate-mix',
          input: { image_url: h.inputs.frame.dataUri, video_url: h.inputs.clip.url },
          parameters: { mode: 'wan-std' },
        },
        'input.image_url',
      ],
      [
        'videoedit',
        {
          model: 'wan2.1-vace-plus',
          input: {
            function: 'image_reference',
            prompt: 'p',
            ref_images_url: [h.inputs.frame.dataUri],
          },
        },
        'input.ref_images_url[0]',
      ],
      [
        'videoedit',
        {
          model: 'wan2.7-videoedit',
          input: { media: [{ type: 'video', url: h.inputs.clip.dataUri }] },
        },
        'input.media[0]',
      ],
    ];
    for (const [route, body, field] of cases) {
      const res = await h.vg.api('POST', `/task/bailian/${route}`, body);
      const msg = expectError(res, 400, 'InvalidParameter');
      assert.ok(msg.includes(field), `${route}: ${msg}`);
      assert.match(msg, /data: URI/, `${route}: ${msg}`);
    }
  });
});
