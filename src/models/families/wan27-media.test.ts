import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsAll,
  badParameter,
  body,
  DATA_AUDIO,
  DATA_IMG,
  DATA_VIDEO,
  effectiveOf,
  HTTP_AUDIO,
  HTTP_IMG,
  HTTP_VIDEO,
  item,
  noDataUri,
  items,
  mediaProblem,
  refusesAll,
  vary,
} from './family-test-kit.js';

/** Wan 2.7 r2v and videoedit (families §2.3, §2.4; §11 #3, #4, #7). */

const R2V = 'wan2.7-r2v';
const EDIT = 'wan2.7-videoedit';
const PROMPT = 'Image 1 walks into Video 1.';

const refImg = item('reference_image', HTTP_IMG);
const refVid = item('reference_video', HTTP_VIDEO);
const ff = item('first_frame', HTTP_IMG);
const r2v = (...media: unknown[]) => body(R2V, { prompt: PROMPT, media });
const video = item('video', HTTP_VIDEO);
const edit = (...media: unknown[]) => body(EDIT, { prompt: 'Make it snow.', media });

void describe('wan2.7-r2v: accepted bodies', () => {
  acceptsAll([
    { name: 'one reference_image', body: r2v(refImg), mode: 'references' },
    { name: 'one reference_video', body: r2v(refVid) },
    {
      name: '5 references (3 images + 2 videos) and a first_frame, counted apart (§11 #4)',
      body: r2v(
        ff,
        ...items(3, 'reference_image', HTTP_IMG),
        ...items(2, 'reference_video', HTTP_VIDEO),
      ),
    },
    {
      name: '5 reference videos (no separate video cap)',
      body: r2v(...items(5, 'reference_video', HTTP_VIDEO)),
    },
    { name: 'a reference_image as a data: URI', body: r2v(item('reference_image', DATA_IMG)) },
    {
      name: 'every optional field (duration 15 with images only)',
      body: body(
        R2V,
        { prompt: PROMPT, negative_prompt: 'blur', media: [refImg] },
        {
          resolution: '720P',
          ratio: '1:1',
          duration: 15,
          prompt_extend: true,
          watermark: false,
          seed: 3,
        },
      ),
    },
    {
      name: 'duration 10 with a reference_video (its maximum)',
      body: vary(r2v(refVid), { 'parameters.duration': 10 }),
    },
    {
      name: 'reference_voice inside a media item (§11 #3)',
      body: r2v({ ...refVid, reference_voice: HTTP_AUDIO }),
      check: (b) => assert.deepEqual(b.input.media, [{ ...refVid, reference_voice: HTTP_AUDIO }]),
    },
    {
      name: 'reference_voice as input.reference_voice (§11 #3)',
      body: vary(r2v(refImg), { 'input.reference_voice': HTTP_AUDIO }),
      check: (b) => assert.equal(b.input.reference_voice, HTTP_AUDIO),
    },
  ]);
});

void describe('wan2.7-r2v: refused bodies', () => {
  refusesAll([
    {
      name: 'no prompt',
      body: body(R2V, { media: [refImg] }),
      mentions: ["'input.prompt' is required", R2V],
    },
    {
      name: '6 references (4 images + 2 videos)',
      body: r2v(
        ...items(4, 'reference_image', HTTP_IMG),
        ...items(2, 'reference_video', HTTP_VIDEO),
      ),
      mentions: ["'input.media'", '1 to 5 reference_image or reference_video', 'got 6'],
    },
    {
      name: '6 reference images',
      body: r2v(...items(6, 'reference_image', HTTP_IMG)),
      mentions: ["'input.media'", "at most 5 'reference_image' items", 'got 6'],
    },
    {
      name: 'a first_frame without references',
      body: r2v(ff),
      mentions: ["'input.media'", '1 to 5 reference_image or reference_video', 'got 0'],
    },
    {
      name: 'two first_frames',
      body: r2v(refImg, ff, ff),
      mentions: ["at most 1 'first_frame' item", 'got 2'],
    },
    badParameter(
      r2v(refImg, refVid),
      'duration',
      11,
      'with a reference_video',
      'from 2 to 10',
      'got 11',
    ),
    badParameter(r2v(refImg), 'duration', 16, 'from 2 to 15', 'got 16'),
    noDataUri(
      'a reference_video as a data: URI',
      r2v(item('reference_video', DATA_VIDEO)),
      'input.media[0].url',
    ),
    noDataUri(
      'a data: URI reference_voice inside an item',
      r2v({ ...refVid, reference_voice: DATA_AUDIO }),
      'input.media[0].reference_voice',
    ),
    noDataUri(
      'a data: URI input.reference_voice',
      vary(r2v(refImg), { 'input.reference_voice': DATA_AUDIO }),
      'input.reference_voice',
    ),
    {
      name: "wan2.6's reference_urls instead of media",
      body: body(R2V, { prompt: PROMPT, reference_urls: [HTTP_IMG] }),
      mentions: ["'input.reference_urls'", 'not supported', "'input.media'"],
    },
    {
      name: 'a driving_audio item',
      body: r2v(refImg, item('driving_audio', HTTP_AUDIO)),
      mentions: ["'input.media[1].type'", 'reference_image, reference_video, first_frame'],
    },
    badParameter(r2v(refImg), 'ratio', '21:9', '16:9, 9:16, 1:1, 4:3, 3:4'),
    {
      name: 'the model on the text route',
      body: r2v(refImg),
      scope: 'text',
      mentions: [R2V, 'send it to POST /task/bailian/ref2video'],
    },
  ]);
});

void describe('wan2.7-videoedit: accepted bodies', () => {
  acceptsAll([
    { name: 'one video', body: edit(video), mode: 'video-edit' },
    { name: 'one video and no prompt (§11 #7)', body: body(EDIT, { media: [video] }) },
    {
      name: 'an empty prompt, passed through (§11 #7)',
      body: body(EDIT, { prompt: '', media: [video] }),
    },
    {
      name: 'a video + 4 reference images',
      body: edit(video, ...items(4, 'reference_image', HTTP_IMG)),
    },
    ...[0, 2, 10].map((d) => ({
      name: `duration ${d}`,
      body: vary(edit(video), { 'parameters.duration': d }),
    })),
    {
      name: 'every optional field',
      body: body(
        EDIT,
        {
          prompt: 'Make it snow.',
          negative_prompt: 'rain',
          media: [video, item('reference_image', DATA_IMG)],
        },
        {
          resolution: '720P',
          ratio: '9:16',
          duration: 5,
          audio_setting: 'origin',
          prompt_extend: false,
          watermark: true,
          seed: 1,
        },
      ),
    },
    {
      name: "audio_setting 'auto'",
      body: vary(edit(video), { 'parameters.audio_setting': 'auto' }),
    },
  ]);
});

void describe('wan2.7-videoedit: refused bodies', () => {
  refusesAll([
    {
      name: 'reference images without a video',
      body: edit(refImg),
      mentions: ["'input.media'", "exactly one 'video' item", 'got none'],
    },
    {
      name: 'two videos',
      body: edit(video, video),
      mentions: ["at most 1 'video' item", 'got 2'],
    },
    {
      name: '5 reference images',
      body: edit(video, ...items(5, 'reference_image', HTTP_IMG)),
      mentions: ["at most 4 'reference_image' items", 'got 5'],
    },
    ...[1, 11, -1].map((d) => ({
      name: `duration ${d}`,
      body: vary(edit(video), { 'parameters.duration': d }),
      mentions: ["'parameters.duration'", 'one of 0, 2, 3, 4, 5, 6, 7, 8, 9, 10', `got ${d}`],
    })),
    badParameter(edit(video), 'audio_setting', 'keep', 'auto, origin', "'keep'"),
    noDataUri('the video as a data: URI', edit(item('video', DATA_VIDEO)), 'input.media[0].url'),
    {
      name: "wan2.6's img_url",
      body: vary(edit(video), { 'input.img_url': HTTP_IMG }),
      mentions: ["'input.img_url'", "'input.media'"],
    },
    {
      name: 'a first_frame item',
      body: edit(video, ff),
      mentions: ["'input.media[1].type'", 'video, reference_image', "'first_frame'"],
    },
  ]);
});

void describe('wan2.7 r2v and videoedit effective requests', () => {
  it('r2v: the ratio defaults to 16:9; voices become reference_voice slots', () => {
    const eff = effectiveOf(
      'references',
      vary(r2v({ ...refVid, reference_voice: HTTP_AUDIO }), {
        'input.reference_voice': HTTP_AUDIO,
      }),
    );
    assert.equal(eff.ratio, '16:9');
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role]),
      [
        ['input.media[0].url', 'reference_video'],
        ['input.media[0].reference_voice', 'reference_voice'],
        ['input.reference_voice', 'reference_voice'],
      ],
    );
  });

  it('videoedit: duration 0 (keep the input length) and no ratio unless sent', () => {
    const eff = effectiveOf('video-edit', edit(video, refImg));
    assert.equal(eff.durationSec, 0);
    assert.equal(eff.ratio, null);
    assert.deepEqual(
      eff.media.map((m) => [m.role, m.kind]),
      [
        ['video', 'video'],
        ['reference_image', 'image'],
      ],
    );
    assert.equal(
      effectiveOf('video-edit', vary(edit(video), { 'parameters.ratio': '1:1' })).ratio,
      '1:1',
    );
  });
});

void describe('wan2.7-i2v first_clip length (families §2.2: duration is the total)', () => {
  const clip = item('first_clip', HTTP_VIDEO);
  const i2v = (duration?: number) =>
    body('wan2.7-i2v', { media: [clip] }, duration === undefined ? {} : { duration });

  it('accepts a clip shorter than the whole length', () => {
    assert.equal(mediaProblem('first-frame', i2v(15), [3]), null);
    assert.equal(mediaProblem('first-frame', i2v(), [4.9]), null);
  });

  it('refuses a clip as long as the duration (the default 5 s included)', () => {
    for (const [raw, sec] of [
      [i2v(5), 5],
      [i2v(), 6],
    ] as const) {
      const p = mediaProblem('first-frame', raw, [sec]);
      assert.ok(p, `a ${sec} s clip is refused`);
      assert.equal(p.code, 'InvalidParameter');
      assert.match(p.message, /'parameters\.duration' \(5 s\).*first_clip.*longer than the clip/);
    }
  });
});
