import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsAll,
  assertRefused,
  badParameter,
  body,
  DATA_AUDIO,
  DATA_IMG,
  DATA_VIDEO,
  effectiveOf,
  HTTP_AUDIO,
  HTTP_IMG,
  HTTP_IMG2,
  HTTP_VIDEO,
  item,
  noDataUri,
  refusesAll,
  validate,
  vary,
} from './family-test-kit.js';

/** Wan 2.7 t2v and i2v (families §2.1, §2.2); r2v and videoedit are in wan27-media.test.ts. */

const T2V = 'wan2.7-t2v';
const I2V = 'wan2.7-i2v';
const PROMPT = 'A red fox runs through fresh snow.';
const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'];

const t2v = body(T2V, { prompt: PROMPT });
const ff = item('first_frame', HTTP_IMG);
const lf = item('last_frame', HTTP_IMG2);
const audio = item('driving_audio', HTTP_AUDIO);
const clip = item('first_clip', HTTP_VIDEO);
const i2v = (...media: unknown[]) => body(I2V, { prompt: PROMPT, media });

void describe('wan2.7-t2v: accepted bodies', () => {
  acceptsAll([
    { name: 'the minimal body (prompt only, no parameters)', body: t2v, mode: 'text' },
    {
      name: 'every optional field',
      body: body(
        T2V,
        { prompt: PROMPT, negative_prompt: 'blur', audio_url: HTTP_AUDIO },
        {
          resolution: '720P',
          ratio: '3:4',
          duration: 15,
          prompt_extend: false,
          watermark: true,
          seed: 2147483647,
        },
      ),
    },
    ...RATIOS.map((ratio) => ({
      name: `ratio ${ratio}`,
      body: vary(t2v, { 'parameters.ratio': ratio }),
    })),
    { name: 'duration 2 (the minimum)', body: vary(t2v, { 'parameters.duration': 2 }) },
    { name: 'seed 0', body: vary(t2v, { 'parameters.seed': 0 }) },
    {
      name: "a lower-case '720p', stored upper-case",
      body: vary(t2v, { 'parameters.resolution': '720p' }),
      check: (b) => assert.equal(b.parameters.resolution, '720P'),
    },
    {
      name: 'unknown extra fields, passed through unchanged (SDK extend_prompt, audio, shot_type)',
      body: vary(t2v, {
        'input.extend_prompt': true,
        'parameters.audio': true,
        'parameters.shot_type': 'multi',
        'parameters.my_flag': 1,
      }),
      check: (b) => {
        assert.equal(b.input.extend_prompt, true);
        assert.deepEqual(b.parameters, { audio: true, shot_type: 'multi', my_flag: 1 });
      },
    },
    {
      name: 'a negative_prompt over 500 characters, truncated to 500',
      body: vary(t2v, { 'input.negative_prompt': 'n'.repeat(501) }),
      check: (b) => assert.equal(b.input.negative_prompt, 'n'.repeat(500)),
    },
    {
      name: 'a prompt over 5,000 characters, truncated to 5,000',
      body: vary(t2v, { 'input.prompt': 'a'.repeat(5001) }),
      check: (b) => assert.equal(b.input.prompt, 'a'.repeat(5000)),
    },
  ]);
});

void describe('wan2.7-t2v: refused bodies', () => {
  refusesAll([
    {
      name: 'no model',
      body: { input: { prompt: PROMPT } },
      scope: 'text',
      code: 'BadRequest.EmptyModel',
      mentions: ["Field 'model' is required", T2V],
    },
    { name: 'no prompt', body: body(T2V, {}), mentions: ["'input.prompt'", 'required', '5000'] },
    {
      name: 'a blank prompt',
      body: vary(t2v, { 'input.prompt': '   ' }),
      mentions: ["'input.prompt'", 'non-empty'],
    },
    ...[1, 16, 0, 5.5].map((d) => ({
      name: `duration ${d}`,
      body: vary(t2v, { 'parameters.duration': d }),
      mentions: ["'parameters.duration'", 'from 2 to 15', `got ${d}`],
    })),
    badParameter(t2v, 'resolution', '480P', '720P, 1080P', "'480P'"),
    badParameter(t2v, 'ratio', '21:9', RATIOS.join(', '), "'21:9'"),
    badParameter(t2v, 'size', '1280*720', 'not supported', "'parameters.resolution'"),
    {
      name: 'input.media on text-to-video',
      body: vary(t2v, { 'input.media': [ff] }),
      mentions: ["'input.media'", 'not supported', T2V],
    },
    {
      name: "wan2.6's input.img_url",
      body: vary(t2v, { 'input.img_url': HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported'],
    },
    {
      name: 'a data: URI as audio_url (audio must be a URL)',
      body: vary(t2v, { 'input.audio_url': DATA_AUDIO }),
      code: 'InvalidParameter',
      mentions: ["'input.audio_url'", 'http(s)', 'data: URIs'],
    },
    {
      name: 'an ftp:// audio_url',
      body: vary(t2v, { 'input.audio_url': 'ftp://example.com/a.mp3' }),
      code: 'InvalidURL',
      mentions: ["'input.audio_url'", 'http(s) URL', "'ftp://example.com/a.mp3'"],
    },
    badParameter(t2v, 'seed', -1, 'from 0 to 2147483647', 'got -1'),
    badParameter(t2v, 'watermark', 'yes', 'boolean', "'yes'"),
    {
      name: 'the model on the image-to-video route',
      body: t2v,
      scope: 'first-frame',
      mentions: [T2V, 'send it to POST /task/bailian/text2video'],
    },
  ]);
});

void describe('wan2.7-i2v: accepted bodies (families §2.2 combinations)', () => {
  acceptsAll([
    { name: 'first_frame', body: i2v(ff), mode: 'first-frame' },
    { name: 'first_frame + driving_audio', body: i2v(ff, audio), mode: 'first-frame' },
    { name: 'first_frame + last_frame', body: i2v(ff, lf), mode: 'first-last-frame' },
    {
      name: 'first_frame + last_frame + driving_audio',
      body: i2v(ff, lf, audio),
      mode: 'first-last-frame',
    },
    { name: 'first_clip', body: i2v(clip), mode: 'first-frame' },
    { name: 'first_clip + last_frame', body: i2v(clip, lf), mode: 'first-frame' },
    { name: 'last_frame before first_frame', body: i2v(lf, ff), mode: 'first-last-frame' },
    {
      name: 'first + last frame on the first+last frame route',
      body: i2v(ff, lf),
      scope: 'first-last-frame',
      mode: 'first-last-frame',
    },
    {
      name: 'frames as data: URIs (images may be inline)',
      body: i2v(item('first_frame', DATA_IMG), item('last_frame', DATA_IMG)),
    },
    { name: 'no prompt', body: body(I2V, { media: [ff] }) },
    {
      name: 'every optional field',
      body: body(
        I2V,
        { prompt: PROMPT, negative_prompt: 'blur', media: [ff, lf, audio] },
        { resolution: '720P', duration: 15, prompt_extend: false, watermark: true, seed: 7 },
      ),
    },
    { name: 'duration 2', body: vary(i2v(ff), { 'parameters.duration': 2 }) },
  ]);
});

const combo = (what: string) =>
  [
    `holds ${what}`,
    'the accepted combinations are first_frame, first_frame + driving_audio',
  ] as const;

void describe('wan2.7-i2v: refused bodies', () => {
  refusesAll([
    {
      name: 'last_frame alone',
      body: i2v(lf),
      mentions: ["'input.media'", ...combo('last_frame')],
    },
    {
      name: 'first_frame + first_clip',
      body: i2v(ff, clip),
      mentions: ["'input.media'", ...combo('first_frame + first_clip')],
    },
    { name: 'driving_audio alone', body: i2v(audio), mentions: [...combo('driving_audio')] },
    {
      name: 'first_clip + driving_audio',
      body: i2v(clip, audio),
      mentions: [...combo('first_clip + driving_audio')],
    },
    {
      name: 'last_frame + driving_audio',
      body: i2v(lf, audio),
      mentions: [...combo('last_frame + driving_audio')],
    },
    {
      name: 'first_clip + last_frame + driving_audio',
      body: i2v(clip, lf, audio),
      mentions: [...combo('first_clip + last_frame + driving_audio')],
    },
    {
      name: 'last_frame alone on the first+last frame route',
      body: i2v(lf),
      scope: 'first-last-frame',
      mentions: [...combo('last_frame')],
    },
    {
      name: 'two first_frames',
      body: i2v(ff, item('first_frame', HTTP_IMG2)),
      mentions: ["'input.media'", "at most 1 'first_frame' item", 'got 2'],
    },
    {
      name: 'no media',
      body: body(I2V, { prompt: PROMPT }),
      mentions: ["'input.media' is required", 'first_frame, last_frame, driving_audio, first_clip'],
    },
    { name: 'an empty media array', body: i2v(), mentions: ["'input.media'", 'must not be empty'] },
    {
      name: 'a reference_image item',
      body: i2v(ff, item('reference_image', HTTP_IMG)),
      mentions: [
        "'input.media[1].type'",
        'first_frame, last_frame, driving_audio, first_clip',
        "'reference_image'",
      ],
    },
    {
      name: 'a media item that is not an object',
      body: i2v(HTTP_IMG),
      mentions: ["'input.media[0]'", '{type, url}', 'a string'],
    },
    {
      name: 'a media item without url',
      body: i2v({ type: 'first_frame' }),
      mentions: ["'input.media[0].url'", 'string'],
    },
    noDataUri(
      'driving_audio as a data: URI',
      i2v(ff, item('driving_audio', DATA_AUDIO)),
      'input.media[1].url',
    ),
    noDataUri(
      'first_clip as a data: URI',
      i2v(item('first_clip', DATA_VIDEO)),
      'input.media[0].url',
    ),
    badParameter(i2v(ff), 'ratio', '16:9', 'not supported', 'the first frame or clip'),
    {
      name: "wan2.6's input.img_url",
      body: body(I2V, { prompt: PROMPT, img_url: HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', "'input.media'"],
    },
    {
      name: "wan2.6's input.reference_urls next to media",
      body: vary(i2v(ff), { 'input.reference_urls': [HTTP_IMG] }),
      mentions: ["'input.reference_urls'", "'input.media'"],
    },
    ...[1, 16].map((d) => ({
      name: `duration ${d}`,
      body: vary(i2v(ff), { 'parameters.duration': d }),
      mentions: ["'parameters.duration'", 'from 2 to 15', `got ${d}`],
    })),
    badParameter(i2v(ff), 'resolution', '480P', '720P, 1080P'),
    badParameter(i2v(ff), 'size', '1280*720', 'not supported'),
  ]);

  it('sends a first-frame-only body on the first+last frame route to image2video', () => {
    assertRefused(validate('first-last-frame', i2v(ff)), 'InvalidParameter', [
      'image-to-video (first frame)',
      'send it to POST /task/bailian/image2video',
    ]);
  });

  it('sends the model on the text route to image2video', () => {
    assertRefused(validate('text', i2v(ff)), 'InvalidParameter', [
      I2V,
      'POST /task/bailian/image2video',
    ]);
  });
});

void describe('wan2.7 effective requests', () => {
  it('t2v: defaults 1080P, 16:9, 5 s, no watermark; the audio_url slot', () => {
    const eff = effectiveOf('text', vary(t2v, { 'input.audio_url': HTTP_AUDIO }));
    assert.equal(eff.tier, '1080P');
    assert.equal(eff.ratio, '16:9');
    assert.equal(eff.durationSec, 5);
    assert.equal(eff.watermark, false);
    assert.equal(eff.promptExtend, true);
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind]),
      [['input.audio_url', 'audio', 'audio']],
    );
  });

  it('i2v: one slot per media item, in request order, with its role; no ratio', () => {
    const eff = effectiveOf('first-frame', i2v(ff, lf, audio));
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind, m.url]),
      [
        ['input.media[0].url', 'first_frame', 'image', HTTP_IMG],
        ['input.media[1].url', 'last_frame', 'image', HTTP_IMG2],
        ['input.media[2].url', 'driving_audio', 'audio', HTTP_AUDIO],
      ],
    );
    assert.equal(eff.ratio, null);
    const clipLimits = effectiveOf('first-frame', i2v(clip)).media[0]?.limits;
    assert.ok(clipLimits && 'maxSeconds' in clipLimits, 'a clip carries a length limit');
    assert.equal(clipLimits.maxSeconds, 10);
  });
});
