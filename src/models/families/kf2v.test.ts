import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsAll,
  badParameter,
  body,
  DATA_IMG,
  effectiveOf,
  HTTP_IMG,
  HTTP_IMG2,
  item,
  refusesAll,
  refusesOnRoutes,
  spec,
  vary,
} from './family-test-kit.js';

/** First + last frame (families §5; §11 #27–#29): flat frame URLs, silent, 5 s. */

const FLASH = 'wan2.2-kf2v-flash';
const PLUS = 'wan2.1-kf2v-plus';
const frames = { first_frame_url: HTTP_IMG, last_frame_url: HTTP_IMG2 };
const flash = body(FLASH, frames);
const plus = body(PLUS, frames);

void describe('kf2v: accepted bodies', () => {
  acceptsAll([
    {
      name: 'flash: a first frame only',
      body: body(FLASH, { first_frame_url: HTTP_IMG }),
      mode: 'first-last-frame',
    },
    { name: 'plus: first and last frame', body: plus, mode: 'first-last-frame' },
    {
      name: 'flash: every optional field',
      body: body(
        FLASH,
        {
          ...frames,
          prompt: 'The camera pulls back.',
          negative_prompt: 'blur',
          template: 'hanfu-1',
        },
        {
          resolution: '1080P',
          duration: 5,
          prompt_extend: false,
          watermark: true,
          seed: 2147483647,
        },
      ),
    },
    ...['480P', '720P', '1080P'].map((r) => ({
      name: `flash: ${r}`,
      body: vary(flash, { 'parameters.resolution': r }),
    })),
    { name: 'plus: 720P', body: vary(plus, { 'parameters.resolution': '720P' }) },
    {
      name: 'frames as data: URIs',
      body: body(FLASH, { first_frame_url: DATA_IMG, last_frame_url: DATA_IMG }),
    },
    {
      name: 'an oss:// frame',
      body: body(PLUS, { first_frame_url: 'oss://dashscope-instant/a/b.png' }),
    },
    {
      name: 'a template and its first frame (§11 #29)',
      body: body(FLASH, { first_frame_url: HTTP_IMG, template: 'any-name' }),
    },
    {
      name: "Beijing's id wanx2.1-kf2v-plus, stored as the canonical name",
      body: body('wanx2.1-kf2v-plus', frames),
      check: (b) => assert.equal(b.model, PLUS),
    },
    {
      name: 'on the image2video route (it takes a last frame too)',
      body: flash,
      scope: 'first-frame',
      mode: 'first-last-frame',
    },
    { name: 'on the native face', body: plus, scope: 'native', mode: 'first-last-frame' },
    {
      name: 'a prompt over 800 characters, truncated to 800',
      body: vary(flash, { 'input.prompt': 'x'.repeat(801) }),
      check: (b) => assert.equal(b.input.prompt, 'x'.repeat(800)),
    },
    {
      name: 'unknown fields, passed through',
      body: vary(flash, { 'input.extend_prompt': true, 'parameters.with_audio': false }),
      check: (b) => assert.deepEqual(b.parameters, { with_audio: false }),
    },
    {
      name: 'audio false: the silence kf2v makes anyway',
      body: vary(flash, { 'parameters.audio': false }),
    },
  ]);
});

void describe('kf2v: refused bodies', () => {
  refusesAll([
    ...[10, 3, 0].map((d) => badParameter(flash, 'duration', d, 'one of 5', `got ${d}`)),
    badParameter(plus, 'duration', 10, 'one of 5', PLUS),
    {
      ...badParameter(plus, 'resolution', '1080P', `model ${PLUS} must be one of 720P,`, "'1080P'"),
      name: 'plus: 1080P',
    },
    { ...badParameter(plus, 'resolution', '480P', '720P'), name: 'plus: 480P' },
    badParameter(flash, 'resolution', '4K', '480P, 720P, 1080P'),
    {
      name: 'no first_frame_url',
      body: body(FLASH, { last_frame_url: HTTP_IMG2, prompt: 'p' }),
      mentions: ["'input.first_frame_url' is required", FLASH, 'http(s) URL'],
    },
    {
      name: 'an empty first_frame_url',
      body: vary(plus, { 'input.first_frame_url': '' }),
      mentions: ["'input.first_frame_url' is required"],
    },
    {
      name: 'a template without its first frame',
      body: body(FLASH, { template: 'hanfu-1' }),
      mentions: ["'input.first_frame_url' is required"],
    },
    {
      name: "wan2.6's img_url",
      body: body(FLASH, { img_url: HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', "'input.first_frame_url'"],
    },
    {
      name: 'input.media',
      body: vary(flash, { 'input.media': [item('first_frame', HTTP_IMG)] }),
      mentions: ["'input.media'", 'not supported', 'first and a last frame only'],
    },
    {
      name: 'a last_frame_url that is not a URL',
      body: vary(flash, { 'input.last_frame_url': 'ftp://example.com/a.png' }),
      code: 'InvalidURL',
      mentions: ["'input.last_frame_url'", 'http(s) URL', "'ftp://example.com/a.png'"],
    },
    {
      name: 'a first_frame_url that is a number',
      body: vary(flash, { 'input.first_frame_url': 5 }),
      mentions: ["'input.first_frame_url'", 'must be a string'],
    },
    badParameter(flash, 'ratio', '16:9', 'not supported', "first frame's aspect ratio"),
    badParameter(plus, 'size', '1280*720', 'not supported', "'parameters.resolution'"),
    badParameter(flash, 'audio', true, 'not supported', 'silent', 'wan2.7-i2v'),
    badParameter(flash, 'prompt_extend', 'yes', 'boolean'),
    badParameter(flash, 'seed', 2147483648, 'from 0 to 2147483647'),
    {
      name: 'a template that is not a string',
      body: vary(flash, { 'input.template': ['hanfu-1'] }),
      mentions: ["'input.template'", 'must be a string'],
    },
  ]);

  refusesOnRoutes(flash, ['text', 'video-edit', 'references'], 'POST /task/bailian/kf2video');
});

void describe('kf2v regions (§11 #27)', () => {
  it('offers flash in Beijing only, plus under its two regional ids', () => {
    assert.deepEqual(spec(FLASH).regions, { beijing: FLASH });
    assert.deepEqual(spec(PLUS).regions, { beijing: 'wanx2.1-kf2v-plus', singapore: PLUS });
    assert.equal(spec('wanx2.1-kf2v-plus').name, PLUS);
  });
});

void describe('kf2v effective requests', () => {
  it('is silent and 5 s long, at 720P unless told, with no ratio', () => {
    for (const b of [flash, plus]) {
      const eff = effectiveOf('first-last-frame', b);
      assert.equal(eff.withAudio, false);
      assert.equal(eff.durationSec, 5);
      assert.equal(eff.tier, '720P');
      assert.equal(eff.ratio, null);
      assert.equal(eff.promptExtend, true);
      assert.equal(eff.watermark, false);
    }
    assert.equal(
      effectiveOf('first-last-frame', vary(flash, { 'parameters.resolution': '480p' })).tier,
      '480P',
    );
  });

  it('has a first_frame and a last_frame slot, named by their flat fields', () => {
    const eff = effectiveOf('first-last-frame', flash);
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind, m.url]),
      [
        ['input.first_frame_url', 'first_frame', 'image', HTTP_IMG],
        ['input.last_frame_url', 'last_frame', 'image', HTTP_IMG2],
      ],
    );
    const limits = eff.media[0]?.limits;
    assert.ok(limits && 'maxSidePx' in limits, 'an image rule');
    assert.deepEqual(
      [limits.minSidePx, limits.maxSidePx, limits.maxBytes],
      [240, 8000, 10 * 1024 * 1024],
    );
  });
});
