import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AREA,
  assertAspectArea,
  assertAudio,
  assertDuration,
  assertFps,
  assertSize,
  assertUsage,
  frameRgb,
  meanDifference,
  mediaUsage,
  useFamilyHarness,
} from './families-support.js';

/**
 * Issue 14, part 1: the `media[]` families on the sandbox over the seed face — Wan 2.7 (t2v,
 * i2v, r2v, videoedit), Wan 3.0 and HappyHorse — each task run to SUCCEEDED, its video
 * downloaded and probed: size (families §1.3, else aspect and tier area), duration, fps, audio,
 * the `usage` shape, and HappyHorse's default watermark. The specialised families are in
 * families-sandbox-special.test.ts. Tests run concurrently; the sandbox queues the renders.
 */

const h = useFamilyHarness();
const run = h.run;

void describe('Wan 2.7 on the sandbox', { concurrency: true }, () => {
  it('t2v 720P 16:9 and 4:3 are the §1.3 sizes, 30 fps, with sound', async () => {
    const [wide, four] = await Promise.all([
      run('text2video', {
        model: 'wan2.7-t2v',
        input: { prompt: 'A lighthouse at dusk.' },
        parameters: { resolution: '720P', ratio: '16:9', duration: 2 },
      }),
      run('text2video', {
        model: 'wan2.7-t2v',
        input: { prompt: 'A harbour at noon.', audio_url: h.inputs.tone.url },
        parameters: { resolution: '720P', ratio: '4:3', duration: 2 },
      }),
    ]);
    assertSize(wide, 1280, 720);
    // 4:3 differs from wan2.6's 1088×832 (families §1.3)
    assertSize(four, 1104, 832);
    for (const f of [wide, four]) {
      assertDuration(f, 2);
      assertFps(f, 30);
      assertAudio(f, true);
    }
    assertUsage(wide, mediaUsage(2, 720, '16:9'));
    // a 4 s audio_url is cut to the 2 s asked for
    assertUsage(four, mediaUsage(2, 720, '4:3'));
  });

  it('i2v first_frame follows the image at the 720P area; ratio is its W:H', async () => {
    const f = await run('image2video', {
      model: 'wan2.7-i2v',
      input: {
        prompt: 'It turns.',
        media: [{ type: 'first_frame', url: h.inputs.portrait.dataUri }],
      },
      parameters: { resolution: '720P', duration: 2 },
    });
    assertAspectArea(f, 3 / 4, AREA['720P']);
    assertDuration(f, 2);
    assertFps(f, 30);
    assertAudio(f, true);
    assertUsage(f, mediaUsage(2, 720, '3:4'));
  });

  it('i2v first_frame + last_frame on /kf2video and, with driving audio, on /image2video', async () => {
    const [kf, withAudio] = await Promise.all([
      run('kf2video', {
        model: 'wan2.7-i2v',
        input: {
          media: [
            { type: 'first_frame', url: h.inputs.frame.dataUri },
            { type: 'last_frame', url: h.inputs.portrait.url },
          ],
        },
        parameters: { resolution: '720P', duration: 2 },
      }),
      run('image2video', {
        model: 'wan2.7-i2v',
        input: {
          media: [
            { type: 'first_frame', url: h.inputs.portrait.url },
            { type: 'last_frame', url: h.inputs.frame.dataUri },
            { type: 'driving_audio', url: h.inputs.tone.url },
          ],
        },
        parameters: { resolution: '720P', duration: 3 },
      }),
    ]);
    // the first frame's aspect; unlike kf2v, Wan 2.7 has sound and any length (families §2.2)
    assertAspectArea(kf, 16 / 9, AREA['720P']);
    assertDuration(kf, 2);
    assertUsage(kf, mediaUsage(2, 720, '16:9'));
    assertAspectArea(withAudio, 3 / 4, AREA['720P']);
    assertDuration(withAudio, 3);
    assertUsage(withAudio, mediaUsage(3, 720, '3:4'));
    for (const f of [kf, withAudio]) {
      assertFps(f, 30);
      assertAudio(f, true);
    }
  });

  it('i2v first_clip continues a 3 s clip: duration is the whole length', async () => {
    const f = await run('image2video', {
      model: 'wan2.7-i2v',
      input: { prompt: 'And on.', media: [{ type: 'first_clip', url: h.inputs.clip.url }] },
      parameters: { resolution: '720P', duration: 4 },
    });
    assertAspectArea(f, 16 / 9, AREA['720P']);
    assertDuration(f, 4);
    assertFps(f, 30);
    assertAudio(f, true);
    assertUsage(f, mediaUsage(4, 720, '16:9'));
  });

  it('r2v with a reference image and a reference video bills input + output', async () => {
    const f = await run('ref2video', {
      model: 'wan2.7-r2v',
      input: {
        prompt: 'Image 1 walks beside Video 1.',
        media: [
          { type: 'reference_image', url: h.inputs.portrait.dataUri },
          { type: 'reference_video', url: h.inputs.clip.url },
        ],
      },
      parameters: { resolution: '720P', ratio: '1:1', duration: 2 },
    });
    assertSize(f, 960, 960);
    assertDuration(f, 2);
    assertFps(f, 30);
    assertAudio(f, true);
    // 3 s of reference video + 2 s made (families §2.5)
    assertUsage(f, mediaUsage(2, 720, '1:1', 3));
  });

  it('videoedit: duration 0 keeps the input length; origin on a silent input is silent', async () => {
    const [keep, origin] = await Promise.all([
      run('videoedit', {
        model: 'wan2.7-videoedit',
        input: { prompt: 'Make it autumn.', media: [{ type: 'video', url: h.inputs.clip.url }] },
        parameters: { resolution: '720P', ratio: '1:1', duration: 0 },
      }),
      run('videoedit', {
        model: 'wan2.7-videoedit',
        input: { prompt: 'Make it night.', media: [{ type: 'video', url: h.inputs.silent.url }] },
        parameters: { resolution: '720P', duration: 2, audio_setting: 'origin' },
      }),
    ]);
    assertSize(keep, 960, 960);
    assertDuration(keep, 3);
    assertAudio(keep, true);
    assertUsage(keep, mediaUsage(3, 720, '1:1', 3));
    // no ratio: the input video's 3:4; N truncates from the start
    assertAspectArea(origin, 3 / 4, AREA['720P']);
    assertDuration(origin, 2);
    assertAudio(origin, false);
    assertUsage(origin, mediaUsage(2, 720, '3:4', 2));
    for (const f of [keep, origin]) assertFps(f, 30);
  });
});

void describe('Wan 3.0 on the sandbox', { concurrency: true }, () => {
  it('text 480P 16:9 with audio:false is 832×480, 30 fps and silent', async () => {
    const f = await run('text2video', {
      model: 'wan3.0-video',
      input: { prompt: 'Rain on a window.' },
      parameters: { resolution: '480P', ratio: '16:9', duration: 2, audio: false },
    });
    assertSize(f, 832, 480);
    assertDuration(f, 2);
    assertFps(f, 30);
    assertAudio(f, false);
    assertUsage(f, mediaUsage(2, 480, '16:9'));
  });

  it('first_frame, adaptive: the image aspect at the 480P area, with sound', async () => {
    const f = await run('image2video', {
      model: 'wan3.0-video',
      input: {
        prompt: 'It wakes.',
        media: [{ type: 'first_frame', url: h.inputs.portrait.dataUri }],
      },
      parameters: { resolution: '480P', duration: 2 },
    });
    assertAspectArea(f, 3 / 4, AREA['480P']);
    assertDuration(f, 2);
    assertFps(f, 30);
    assertAudio(f, true);
    // as Wan 2.7 reports a followed input: its W:H (families §2.5, §3.4 "as 2.7")
    assertUsage(f, mediaUsage(2, 480, '3:4'));
  });

  it('references with reference_audio and duration -1 last as long as the audio', async () => {
    const f = await run('ref2video', {
      model: 'wan3.0-video',
      input: {
        prompt: 'Image 1 sings Audio 1 in the place of Video 1.',
        media: [
          { type: 'reference_image', url: h.inputs.frame.dataUri },
          { type: 'reference_video', url: h.inputs.clip.url },
          { type: 'reference_audio', url: h.inputs.tone.url },
        ],
      },
      parameters: { resolution: '480P', duration: -1 },
    });
    // adaptive follows the first reference_image (16:9); smart duration = the audio's 4 s
    assertAspectArea(f, 16 / 9, AREA['480P']);
    assertDuration(f, 4);
    assertFps(f, 30);
    assertAudio(f, true);
    assertUsage(f, mediaUsage(4, 480, '16:9', 3));
  });

  it('takes 4 reference videos (12 s together), above wan2.6’s 3, and bills all of them', async () => {
    // the videos are judged by Wan 3.0's own counts (5) and total (15 s), nothing older
    const clip = { type: 'reference_video', url: h.inputs.clip.url };
    const f = await run('ref2video', {
      model: 'wan3.0-video',
      input: { prompt: 'Video 1 to Video 4 in turn.', media: [clip, clip, clip, clip] },
      parameters: { resolution: '480P', ratio: '16:9', duration: 2 },
    });
    assertDuration(f, 2);
    assertUsage(f, mediaUsage(2, 480, '16:9', 12));
  });
});

void describe('HappyHorse on the sandbox', { concurrency: true }, () => {
  it('1.1 t2v 480P 16:9 and 1.0 r2v 720P 4:5 (outside §1.3), 24 fps, with sound', async () => {
    const [t2v, r2v] = await Promise.all([
      run('text2video', {
        model: 'happyhorse-1.1-t2v',
        input: { prompt: 'A horse on a beach.' },
        parameters: { resolution: '480P', ratio: '16:9', duration: 3 },
      }),
      run('ref2video', {
        model: 'happyhorse-1.0-r2v',
        input: {
          prompt: '[Image 1] and [Image 2] meet.',
          media: [
            { type: 'reference_image', url: h.inputs.frame.url },
            { type: 'reference_image', url: h.inputs.portrait.dataUri },
          ],
        },
        parameters: { resolution: '720P', ratio: '4:5', duration: 3 },
      }),
    ]);
    assertSize(t2v, 832, 480);
    assertUsage(t2v, mediaUsage(3, 480, '16:9'));
    assertAspectArea(r2v, 4 / 5, AREA['720P']);
    assertUsage(r2v, mediaUsage(3, 720, '4:5'));
    for (const f of [t2v, r2v]) {
      assertDuration(f, 3);
      assertFps(f, 24);
      assertAudio(f, true);
    }
  });

  it('1.0 i2v follows the image and draws its default watermark in the lower right', async () => {
    const body = (watermark?: boolean) => ({
      model: 'happyhorse-1.0-i2v',
      input: { media: [{ type: 'first_frame', url: h.inputs.frame.dataUri }] },
      // one seed: the two videos differ by the mark alone
      parameters: {
        resolution: '720P',
        duration: 3,
        seed: 7,
        ...(watermark === undefined ? {} : { watermark }),
      },
    });
    const [marked, plain] = await Promise.all([
      run('image2video', body()),
      run('image2video', body(false)),
    ]);
    for (const f of [marked, plain]) {
      assertAspectArea(f, 16 / 9, AREA['720P']);
      assertDuration(f, 3);
      assertFps(f, 24);
      assertAudio(f, true);
      assertUsage(f, mediaUsage(3, 720, '16:9'));
    }
    const W = marked.probe.video?.width ?? 0;
    const H = marked.probe.video?.height ?? 0;
    const [a, b] = await Promise.all([frameRgb(marked, 1), frameRgb(plain, 1)]);
    const lowerRight = { x0: Math.round(W * 0.6), y0: Math.round(H * 0.8), x1: W, y1: H };
    const lowerLeft = { x0: 0, y0: Math.round(H * 0.8), x1: Math.round(W * 0.4), y1: H };
    const topLeft = { x0: 0, y0: 0, x1: W / 2, y1: H / 2 };
    const mark = meanDifference(a, b, W, lowerRight);
    assert.ok(mark > 8, `watermark on by default: the lower right differs by only ${mark}`);
    for (const [name, r] of [
      ['lower left', lowerLeft],
      ['top left', topLeft],
    ] as const) {
      const d = meanDifference(a, b, W, r);
      assert.ok(d < 1, `the ${name} differs by ${d}: the mark spilled or the seed was not kept`);
    }
  });

  it('1.0 video-edit keeps the input length, at most 15 s, and bills input + output', async () => {
    const [origin, auto, long] = await Promise.all([
      run('videoedit', {
        model: 'happyhorse-1.0-video-edit',
        input: { prompt: 'Paint it.', media: [{ type: 'video', url: h.inputs.clip.url }] },
        parameters: { resolution: '720P', audio_setting: 'origin' },
      }),
      run('videoedit', {
        model: 'happyhorse-1.0-video-edit',
        input: { prompt: 'Ink it.', media: [{ type: 'video', url: h.inputs.silent.url }] },
        parameters: { resolution: '720P' },
      }),
      run('videoedit', {
        model: 'happyhorse-1.0-video-edit',
        input: { prompt: 'Trim it.', media: [{ type: 'video', url: h.inputs.long.url }] },
        parameters: { resolution: '720P', watermark: false },
      }),
    ]);
    assertAspectArea(origin, 16 / 9, AREA['720P']);
    assertDuration(origin, 3);
    assertUsage(origin, mediaUsage(3, 720, '16:9', 3));
    // the input video's 3:4, reported as its W:H; auto on a silent input makes its own sound
    assertAspectArea(auto, 3 / 4, AREA['720P']);
    assertDuration(auto, 3);
    assertUsage(auto, mediaUsage(3, 720, '3:4', 3));
    // a 16 s input is trimmed to 15 s: 15 in + 15 out billed (families §4.3, §4.4)
    assertAspectArea(long, 16 / 9, AREA['720P']);
    assertDuration(long, 15);
    assertUsage(long, mediaUsage(15, 720, '16:9', 15));
    for (const f of [origin, auto, long]) {
      assertFps(f, 24);
      assertAudio(f, true);
    }
  });
});
