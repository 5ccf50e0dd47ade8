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
  items,
  mediaProblem,
  noDataUri,
  refusesAll,
  validate,
  vary,
  type RefuseCase,
} from './family-test-kit.js';

/** Wan 3.0 (families §3; §11 #10–#18): one schema for text, frames and references. */

const W3 = 'wan3.0-video';
const PRIME = 'wan3.0-video-prime';
const PROMPT = 'Image 1 dances to Audio 1.';
const RATIOS = ['adaptive', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'];
const TYPES = 'first_frame, last_frame, reference_image, reference_video, reference_audio';

const ff = item('first_frame', HTTP_IMG);
const lf = item('last_frame', HTTP_IMG2);
const img = item('reference_image', HTTP_IMG);
const vid = item('reference_video', HTTP_VIDEO);
const aud = item('reference_audio', HTTP_AUDIO);
const text = body(W3, { prompt: PROMPT });
const w3 = (...media: unknown[]) => body(W3, { prompt: PROMPT, media });

void describe('wan3.0: accepted bodies and their modes', () => {
  acceptsAll([
    { name: 'text only', body: text, mode: 'text' },
    { name: 'text only on the native face', body: text, scope: 'native', mode: 'text' },
    { name: 'a first_frame', body: w3(ff), scope: 'first-frame', mode: 'first-frame' },
    {
      name: 'first_frame + last_frame on image2video',
      body: w3(ff, lf),
      scope: 'first-frame',
      mode: 'first-last-frame',
    },
    {
      name: 'first_frame + last_frame on kf2video',
      body: w3(lf, ff),
      scope: 'first-last-frame',
      mode: 'first-last-frame',
    },
    {
      name: 'references on the native face',
      body: w3(img, vid, aud),
      scope: 'native',
      mode: 'references',
    },
    { name: 'reference_audio alone', body: w3(aud), scope: 'references', mode: 'references' },
    {
      name: 'the maximum counts: 10 images, 5 videos, 5 audio files',
      body: w3(
        ...items(10, 'reference_image', HTTP_IMG),
        ...items(5, 'reference_video', HTTP_VIDEO),
        ...items(5, 'reference_audio', HTTP_AUDIO),
      ),
      scope: 'references',
      mode: 'references',
    },
    {
      name: 'images as data: URIs',
      body: w3(item('first_frame', DATA_IMG), item('last_frame', DATA_IMG)),
      scope: 'first-frame',
    },
    { name: 'media without a prompt', body: body(W3, { media: [img] }), scope: 'references' },
    {
      name: 'every optional field',
      body: body(
        W3,
        { prompt: PROMPT, media: [ff] },
        {
          resolution: '480P',
          ratio: '21:9',
          duration: 30,
          audio: false,
          seed: 2147483647,
          prompt_extend: false,
          watermark: true,
        },
      ),
      scope: 'first-frame',
    },
    ...RATIOS.map((ratio) => ({
      name: `ratio ${ratio}`,
      body: vary(text, { 'parameters.ratio': ratio }),
    })),
    ...[-1, 2, 30].map((d) => ({
      name: `duration ${d}`,
      body: vary(text, { 'parameters.duration': d }),
    })),
    ...[-1, 0].map((seed) => ({
      name: `seed ${seed}`,
      body: vary(text, { 'parameters.seed': seed }),
    })),
    { name: 'the prime model', body: body(PRIME, { prompt: PROMPT }, { duration: -1 }) },
    {
      name: 'a 20,000-character prompt, kept whole',
      body: vary(text, { 'input.prompt': 'p'.repeat(20000) }),
      check: (b) => assert.equal(b.input.prompt, 'p'.repeat(20000)),
    },
    {
      name: 'unknown fields, passed through; no ratio is injected (§11 #10, #12)',
      body: vary(text, { 'input.extend_prompt': true, 'parameters.enable_thinking': false }),
      check: (b) => {
        assert.equal(b.input.extend_prompt, true);
        assert.deepEqual(b.parameters, { enable_thinking: false });
      },
    },
  ]);
});

const mixed = (name: string, media: unknown[], frame: string, ref: string): RefuseCase => ({
  name,
  body: w3(...media),
  scope: 'native',
  mentions: ["'input.media'", `mixes '${frame}' with '${ref}'`, 'cannot be sent together'],
});

void describe('wan3.0: refused bodies', () => {
  refusesAll([
    mixed('first_frame + reference_image', [ff, img], 'first_frame', 'reference_image'),
    mixed(
      'first_frame + last_frame + reference_video',
      [ff, lf, vid],
      'first_frame',
      'reference_video',
    ),
    mixed('first_frame + reference_audio', [aud, ff], 'first_frame', 'reference_audio'),
    mixed('last_frame + reference_image', [lf, img], 'last_frame', 'reference_image'),
    {
      name: 'a last_frame without a first_frame',
      body: w3(lf),
      scope: 'native',
      mentions: ["'input.media'", 'last_frame without a first_frame'],
    },
    ...['file', 'link'].map((t) => ({
      name: `a '${t}' item (§11 #13)`,
      body: w3(item(t, 'https://example.com/doc.pdf')),
      scope: 'native' as const,
      mentions: [
        "'input.media'",
        `'${t}' items are not supported`,
        'thinking mode',
        'reference_audio',
      ],
    })),
    {
      name: '11 reference images',
      body: w3(...items(11, 'reference_image', HTTP_IMG)),
      scope: 'references',
      mentions: ["at most 10 'reference_image' items", 'got 11'],
    },
    {
      name: '6 reference videos',
      body: w3(...items(6, 'reference_video', HTTP_VIDEO)),
      scope: 'references',
      mentions: ["at most 5 'reference_video' items", 'got 6'],
    },
    {
      name: '6 reference audio files',
      body: w3(...items(6, 'reference_audio', HTTP_AUDIO)),
      scope: 'references',
      mentions: ["at most 5 'reference_audio' items", 'got 6'],
    },
    {
      name: 'two first frames',
      body: w3(ff, ff),
      scope: 'first-frame',
      mentions: ["at most 1 'first_frame' item", 'got 2'],
    },
    {
      name: 'a driving_audio item',
      body: w3(item('driving_audio', HTTP_AUDIO)),
      scope: 'native',
      mentions: ["'input.media[0].type'", TYPES, "'driving_audio'"],
    },
    {
      // checkBounds (request-bounds.ts) answers first for a non-empty text: the model reads 0
      name: 'negative_prompt (§11 #11)',
      body: vary(text, { 'input.negative_prompt': 'blur' }),
      mentions: ["'input.negative_prompt'", W3],
    },
    {
      name: 'an empty negative_prompt (§11 #11)',
      body: vary(text, { 'input.negative_prompt': '' }),
      mentions: ["'input.negative_prompt'", `not supported by model ${W3}`, 'no negative prompt'],
    },
    ...[1, 31, 0, -2, 5.5].map((d) => ({
      name: `duration ${d}`,
      body: vary(text, { 'parameters.duration': d }),
      mentions: ["'parameters.duration'", 'from 2 to 30', '(or -1)', `got ${d}`],
    })),
    {
      name: 'text only without a prompt',
      body: body(W3, {}),
      mentions: ["'input.prompt' is required", W3],
    },
    {
      name: 'text only with a blank prompt',
      body: body(W3, { prompt: '   ' }),
      mentions: ["'input.prompt' is required", 'non-empty'],
    },
    {
      name: 'an empty media array and no prompt',
      body: body(W3, { media: [] }),
      mentions: ["'input.prompt' is required"],
    },
    badParameter(text, 'resolution', '4K', '480P, 720P, 1080P', "'4K'"),
    badParameter(text, 'ratio', '2:1', RATIOS.join(', '), "'2:1'"),
    badParameter(text, 'size', '1280*720', 'not supported', "'parameters.resolution'"),
    badParameter(text, 'seed', -2, 'from 0 to 2147483647', '-1 for random', 'got -2'),
    badParameter(text, 'audio', 'false', 'boolean'),
    {
      ...noDataUri(
        'a reference_video data: URI',
        w3(item('reference_video', DATA_VIDEO)),
        'input.media[0].url',
      ),
      scope: 'references',
    },
    {
      ...noDataUri(
        'a reference_audio data: URI',
        w3(img, item('reference_audio', DATA_AUDIO)),
        'input.media[1].url',
      ),
      scope: 'references',
    },
    {
      name: "wan2.6's img_url (§11 #9)",
      body: vary(text, { 'input.img_url': HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', "'input.media'"],
    },
    {
      name: "wan2.6's reference_urls",
      body: vary(text, { 'input.reference_urls': [HTTP_IMG] }),
      mentions: ["'input.reference_urls'", "'input.media'"],
    },
  ]);

  it('sends a body to the seed route of the mode its inputs make', () => {
    const routes: Array<[Parameters<typeof validate>[0], unknown, string]> = [
      ['text', w3(ff), 'POST /task/bailian/image2video'],
      ['text', w3(ff, lf), 'POST /task/bailian/kf2video'],
      ['first-frame', w3(img), 'POST /task/bailian/ref2video'],
      ['references', text, 'POST /task/bailian/text2video'],
    ];
    for (const [scope, raw, route] of routes) {
      assertRefused(validate(scope, raw), 'InvalidParameter', [W3, `send it to ${route}`]);
    }
  });

  it('names its routes when sent to speech-to-video', () => {
    assertRefused(validate('speech', text), 'InvalidParameter', [
      'POST /task/bailian/text2video',
      'POST /task/bailian/ref2video',
    ]);
  });
});

void describe('wan3.0 effective requests', () => {
  it('holds a smart duration (-1) as 30 s, and 5 s by default', () => {
    assert.equal(effectiveOf('text', vary(text, { 'parameters.duration': -1 })).durationSec, 30);
    assert.equal(effectiveOf('text', text).durationSec, 5);
    assert.equal(effectiveOf('text', vary(text, { 'parameters.duration': 12 })).durationSec, 12);
  });

  it("reads 'adaptive' when no ratio is sent, sound unless audio is false, no watermark", () => {
    const eff = effectiveOf('text', text);
    assert.equal(eff.ratio, 'adaptive');
    assert.equal(eff.withAudio, true);
    assert.equal(eff.watermark, false);
    assert.equal(eff.tier, '1080P');
    assert.equal(effectiveOf('text', vary(text, { 'parameters.audio': false })).withAudio, false);
  });

  it('has one slot per media item, with its type as the role', () => {
    const eff = effectiveOf('references', w3(img, vid, aud));
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind]),
      [
        ['input.media[0].url', 'reference_image', 'image'],
        ['input.media[1].url', 'reference_video', 'video'],
        ['input.media[2].url', 'reference_audio', 'audio'],
      ],
    );
  });
});

void describe('wan3.0 reference lengths (families §3.3: at most 15 s of each kind)', () => {
  const problem = (media: unknown[], seconds: number[]) =>
    mediaProblem('references', w3(...media), seconds);

  it('accepts 15 s of reference videos and 15 s of reference audio', () => {
    assert.equal(problem([vid, vid, aud, aud], [7, 8, 10, 5]), null);
  });

  it('refuses reference videos longer than 15 s together', () => {
    const p = problem([img, vid, vid], [0, 8, 7.5]);
    assert.ok(p, 'refused');
    assert.equal(p.code, 'InvalidParameter');
    assert.match(p.message, /'input\.media'.*reference videos last 15\.5 s.*at most 15 s/);
  });

  it('refuses reference audio longer than 15 s together', () => {
    const p = problem([aud, aud], [10, 6]);
    assert.ok(p, 'refused');
    assert.match(p.message, /reference audio files last 16 s.*at most 15 s/);
  });
});
