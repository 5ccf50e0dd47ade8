import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsAll,
  assertRefused,
  badParameter,
  body,
  DATA_IMG,
  DATA_VIDEO,
  effectiveOf,
  HTTP_AUDIO,
  HTTP_IMG,
  HTTP_VIDEO,
  item,
  items,
  noDataUri,
  refusesAll,
  validate,
  vary,
  type AcceptCase,
} from './family-test-kit.js';

/** HappyHorse 1.0 / 1.1 (families §4; §11 #19–#26, #38). */

const PROMPT = 'A horse gallops along the beach at dawn.';
const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '4:5', '5:4', '9:21', '21:9'];
const VERSIONS = ['1.0', '1.1'] as const;
const EDIT = 'happyhorse-1.0-video-edit';

const ff = item('first_frame', HTTP_IMG);
const ref = item('reference_image', HTTP_IMG);
const video = item('video', HTTP_VIDEO);
const t2v = (v: string) => body(`happyhorse-${v}-t2v`, { prompt: PROMPT });
const i2v = (v: string, ...media: unknown[]) =>
  body(`happyhorse-${v}-i2v`, { prompt: PROMPT, media });
const r2v = (v: string, ...media: unknown[]) =>
  body(`happyhorse-${v}-r2v`, { prompt: PROMPT, media });
const edit = (...media: unknown[]) => body(EDIT, { prompt: 'Make it night.', media });

const perVersion = (v: string): AcceptCase[] => [
  { name: `${v} t2v: the minimal body`, body: t2v(v), mode: 'text' },
  {
    name: `${v} t2v: every optional field`,
    body: body(
      `happyhorse-${v}-t2v`,
      { prompt: PROMPT },
      { resolution: '720P', ratio: '21:9', duration: 15, watermark: false, seed: 2147483647 },
    ),
  },
  { name: `${v} t2v: duration 3`, body: vary(t2v(v), { 'parameters.duration': 3 }) },
  {
    name: `${v} i2v: one first_frame, no prompt`,
    body: body(`happyhorse-${v}-i2v`, { media: [ff] }),
  },
  {
    name: `${v} i2v: a data: URI first frame`,
    body: i2v(v, item('first_frame', DATA_IMG)),
    mode: 'first-frame',
  },
  {
    name: `${v} i2v: every optional field`,
    body: vary(i2v(v, ff), {
      parameters: { resolution: '1080P', duration: 15, watermark: true, seed: 0 },
    }),
  },
  { name: `${v} r2v: one reference image`, body: r2v(v, ref), mode: 'references' },
  {
    name: `${v} r2v: 9 reference images (the maximum)`,
    body: r2v(v, ...items(9, 'reference_image', DATA_IMG)),
  },
];

void describe('happyhorse: accepted bodies', () => {
  acceptsAll([
    ...VERSIONS.flatMap(perVersion),
    ...RATIOS.map((ratio) => ({
      name: `ratio ${ratio}`,
      body: vary(r2v('1.1', ref), { 'parameters.ratio': ratio }),
    })),
    ...['t2v', 'i2v', 'r2v'].map((kind) => ({
      name: `480P on happyhorse-1.1-${kind} (§11 #19)`,
      body: vary(kind === 't2v' ? t2v('1.1') : kind === 'i2v' ? i2v('1.1', ff) : r2v('1.1', ref), {
        'parameters.resolution': '480P',
      }),
    })),
    { name: 'video-edit: one video', body: edit(video), mode: 'video-edit' },
    {
      name: 'video-edit: a video + 5 reference images and every optional field',
      body: body(
        EDIT,
        { prompt: 'Make it night.', media: [video, ...items(5, 'reference_image', HTTP_IMG)] },
        { resolution: '720P', audio_setting: 'origin', watermark: false, seed: 9 },
      ),
    },
    {
      name: 'prompt_extend and unknown fields, passed through (§11 #38)',
      body: vary(t2v('1.0'), { 'parameters.prompt_extend': true, 'input.extend_prompt': true }),
      check: (b) => {
        assert.equal(b.parameters.prompt_extend, true);
        assert.equal(b.input.extend_prompt, true);
      },
    },
  ]);
});

void describe('happyhorse: refused bodies', () => {
  refusesAll([
    ...[t2v('1.0'), i2v('1.0', ff), r2v('1.0', ref), edit(video)].map((b) => ({
      ...badParameter(b, 'resolution', '480P', '720P, 1080P', String(b.model)),
      name: `480P on ${String(b.model)} (§11 #19)`,
    })),
    badParameter(t2v('1.1'), 'ratio', '2:1', RATIOS.join(', ')),
    ...[2, 16, 0].map((d) => badParameter(t2v('1.0'), 'duration', d, 'from 3 to 15', `got ${d}`)),
    badParameter(i2v('1.1', ff), 'duration', 16, 'from 3 to 15'),
    badParameter(r2v('1.1', ref), 'duration', 2, 'from 3 to 15'),
    badParameter(t2v('1.0'), 'size', '1280*720', 'not supported', "'parameters.resolution'"),
    {
      ...badParameter(i2v('1.0', ff), 'ratio', '16:9', 'not supported', 'the first frame'),
      name: 'i2v: a ratio (the video follows the image)',
    },
    {
      name: 'i2v: two first frames',
      body: i2v('1.0', ff, ff),
      mentions: ["'input.media'", "at most 1 'first_frame' item", 'got 2'],
    },
    {
      name: 'i2v: no media',
      body: body('happyhorse-1.1-i2v', { prompt: PROMPT }),
      mentions: ["'input.media' is required", 'first_frame'],
    },
    {
      name: 'i2v: a driving_audio item (no driving audio)',
      body: i2v('1.1', ff, item('driving_audio', HTTP_AUDIO)),
      mentions: ["'input.media[1].type'", 'must be one of first_frame', "'driving_audio'"],
    },
    {
      name: 'i2v: a reference image instead of the first frame',
      body: i2v('1.1', ref),
      mentions: ["'input.media[0].type'", 'first_frame'],
    },
    {
      name: 'r2v: 10 reference images',
      body: r2v('1.0', ...items(10, 'reference_image', HTTP_IMG)),
      mentions: ["'input.media'", "at most 9 'reference_image' items", 'got 10'],
    },
    {
      name: 'r2v: no prompt',
      body: body('happyhorse-1.0-r2v', { media: [ref] }),
      mentions: ["'input.prompt' is required"],
    },
    {
      name: 't2v: no prompt',
      body: body('happyhorse-1.1-t2v', {}),
      mentions: ["'input.prompt' is required", '5000'],
    },
    ...[[ff], []].map((media) => ({
      name: `t2v: input.media ${JSON.stringify(media)}`,
      body: vary(t2v('1.1'), { 'input.media': media }),
      mentions: ["'input.media'", 'not supported', 'takes no images or videos'],
    })),
    {
      name: "t2v: wan2.6's img_url (a text model takes no media)",
      body: vary(t2v('1.0'), { 'input.img_url': HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', 'takes no images or videos'],
    },
    {
      name: "i2v: wan2.6's img_url",
      body: body('happyhorse-1.0-i2v', { prompt: PROMPT, img_url: HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', "'input.media'"],
    },
    {
      name: "r2v: wan2.6's reference_urls",
      body: body('happyhorse-1.1-r2v', { prompt: PROMPT, reference_urls: [HTTP_IMG] }),
      mentions: ["'input.reference_urls'", "'input.media'"],
    },
    {
      name: 'i2v: a flat audio_url',
      body: vary(i2v('1.0', ff), { 'input.audio_url': HTTP_AUDIO }),
      mentions: ["'input.audio_url'", 'not supported', 'driving audio'],
    },
    {
      // checkBounds answers first for a non-empty text (the rows read 0 characters)
      name: 'a negative_prompt',
      body: vary(t2v('1.0'), { 'input.negative_prompt': 'rain' }),
      mentions: ["'input.negative_prompt'", 'happyhorse-1.0-t2v'],
    },
    {
      name: 'an empty negative_prompt',
      body: vary(t2v('1.0'), { 'input.negative_prompt': '' }),
      mentions: ["'input.negative_prompt'", 'not supported', 'no negative prompt'],
    },
    {
      name: 'video-edit: reference images without a video',
      body: edit(ref),
      mentions: ["'input.media'", "exactly one 'video' item", 'got none'],
    },
    {
      name: 'video-edit: two videos',
      body: edit(video, video),
      mentions: ["at most 1 'video' item"],
    },
    {
      name: 'video-edit: 6 reference images',
      body: edit(video, ...items(6, 'reference_image', HTTP_IMG)),
      mentions: ["at most 5 'reference_image' items", 'got 6'],
    },
    {
      ...badParameter(
        edit(video),
        'duration',
        5,
        'not supported',
        "keeps the input's length",
        '15 s',
      ),
      name: 'video-edit: a duration',
    },
    badParameter(edit(video), 'ratio', '16:9', 'not supported', 'the input video'),
    badParameter(edit(video), 'audio_setting', 'mute', 'auto, origin', "'mute'"),
    noDataUri(
      'video-edit: the video as a data: URI',
      edit(item('video', DATA_VIDEO)),
      'input.media[0].url',
    ),
    {
      name: 'video-edit: no prompt',
      body: body(EDIT, { media: [video] }),
      mentions: ["'input.prompt' is required"],
    },
    badParameter(t2v('1.0'), 'watermark', 'no', 'boolean'),
    badParameter(t2v('1.0'), 'seed', -1, 'from 0 to 2147483647'),
    {
      name: 'happyhorse-1.1-video-edit, which is not in the registry (§11 #26)',
      body: body('happyhorse-1.1-video-edit', { prompt: PROMPT, media: [video] }),
      scope: 'video-edit',
      mentions: ["Model 'happyhorse-1.1-video-edit' is not supported", EDIT],
    },
  ]);

  it('sends a model to the seed route of its mode', () => {
    assertRefused(validate('text', i2v('1.1', ff)), 'InvalidParameter', [
      'POST /task/bailian/image2video',
    ]);
    assertRefused(validate('text', edit(video)), 'InvalidParameter', [
      'POST /task/bailian/videoedit',
    ]);
    assertRefused(validate('first-frame', r2v('1.0', ref)), 'InvalidParameter', [
      'POST /task/bailian/ref2video',
    ]);
  });
});

void describe('happyhorse effective requests', () => {
  it('turns the watermark on unless it is turned off (families §4)', () => {
    assert.equal(effectiveOf('text', t2v('1.0')).watermark, true);
    assert.equal(effectiveOf('first-frame', i2v('1.1', ff)).watermark, true);
    assert.equal(effectiveOf('video-edit', edit(video)).watermark, true);
    assert.equal(
      effectiveOf('text', vary(t2v('1.1'), { 'parameters.watermark': false })).watermark,
      false,
    );
  });

  it('defaults 1080P, 16:9 and 5 s; i2v follows its image; prompt_extend is never injected', () => {
    const eff = effectiveOf('text', t2v('1.1'));
    assert.deepEqual(
      [eff.tier, eff.ratio, eff.durationSec, eff.promptExtend],
      ['1080P', '16:9', 5, false],
    );
    assert.equal(effectiveOf('first-frame', i2v('1.0', ff)).ratio, null);
  });

  it('holds an edit at its longest output (15 s); slots carry the media types', () => {
    const eff = effectiveOf('video-edit', edit(video, ref));
    assert.equal(eff.durationSec, 15);
    assert.equal(eff.ratio, null);
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind]),
      [
        ['input.media[0].url', 'video', 'video'],
        ['input.media[1].url', 'reference_image', 'image'],
      ],
    );
  });
});
