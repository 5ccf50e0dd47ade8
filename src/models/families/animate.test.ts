import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsAll,
  badParameter,
  body,
  DATA_IMG,
  DATA_VIDEO,
  effectiveOf,
  HTTP_IMG,
  HTTP_VIDEO,
  item,
  noDataUri,
  refusesAll,
  refusesOnRoutes,
  vary,
} from './family-test-kit.js';

/** Animate move / mix (families §8; §11 #33, #34): an image, a video and a required mode. */

const KINDS = ['move', 'mix'] as const;
const animate = (kind: string, mode: unknown = 'wan-std') =>
  body(`wan2.2-animate-${kind}`, { image_url: HTTP_IMG, video_url: HTTP_VIDEO }, { mode });
const move = animate('move');

void describe('wan2.2-animate: accepted bodies', () => {
  acceptsAll([
    ...KINDS.flatMap((k) =>
      ['wan-std', 'wan-pro'].map((mode) => ({
        name: `${k}: mode ${mode}`,
        body: animate(k, mode),
        mode: 'animate' as const,
      })),
    ),
    {
      name: 'input.watermark and parameters.check_image (§11 #33, #34)',
      body: vary(animate('mix'), { 'input.watermark': true, 'parameters.check_image': false }),
      check: (b) => {
        assert.equal(b.input.watermark, true);
        assert.equal(b.parameters.check_image, false);
      },
    },
    {
      name: 'a watermark under parameters, passed through where the client put it (§11 #34)',
      body: vary(move, { 'parameters.watermark': true }),
      check: (b) => {
        assert.equal(b.parameters.watermark, true);
        assert.equal(b.input.watermark, undefined);
      },
    },
    { name: 'on the native face', body: move, scope: 'native', mode: 'animate' },
    {
      name: 'a percent-encoded image URL',
      body: vary(move, { 'input.image_url': 'https://example.com/%E4%BA%BA.png' }),
    },
  ]);
});

void describe('wan2.2-animate: refused bodies', () => {
  refusesAll([
    ...KINDS.map((k) => ({
      name: `${k}: no mode`,
      body: vary(animate(k), { 'parameters.mode': undefined }),
      mentions: ["'parameters.mode' is required", `wan2.2-animate-${k}`, 'wan-std, wan-pro'],
    })),
    {
      name: 'no parameters at all (mode is required)',
      body: body('wan2.2-animate-move', { image_url: HTTP_IMG, video_url: HTTP_VIDEO }),
      mentions: ["'parameters.mode' is required"],
    },
    { ...badParameter(move, 'mode', 'fast', 'wan-std, wan-pro', "'fast'"), name: "mode 'fast'" },
    badParameter(move, 'mode', 1, 'must be a string'),
    ...(
      [
        ['resolution', '720P'],
        ['duration', 5],
        ['size', '1280*720'],
        ['ratio', '16:9'],
      ] as const
    ).map(([k, v]) => badParameter(move, k, v, 'not supported', 'follows the input video')),
    badParameter(move, 'check_image', 'no', 'boolean'),
    {
      name: 'input.watermark as a string',
      body: vary(move, { 'input.watermark': 'true' }),
      mentions: ["'input.watermark'", 'boolean'],
    },
    {
      name: 'no image',
      body: vary(move, { 'input.image_url': undefined }),
      mentions: ["'input.image_url' is required", 'frontal person'],
    },
    {
      name: 'no video',
      body: vary(animate('mix'), { 'input.video_url': undefined }),
      mentions: ["'input.video_url' is required", '2 to 30 s'],
    },
    noDataUri('a data: URI image', vary(move, { 'input.image_url': DATA_IMG }), 'input.image_url'),
    noDataUri(
      'a data: URI video',
      vary(move, { 'input.video_url': DATA_VIDEO }),
      'input.video_url',
    ),
    {
      name: 'an image URL with non-ASCII characters (families §8: ASCII-only)',
      body: vary(move, { 'input.image_url': 'https://example.com/人物.png' }),
      code: 'InvalidURL',
      mentions: ["'input.image_url'", 'ASCII', 'percent-encode'],
    },
    {
      name: "wan2.6's img_url",
      body: vary(move, { 'input.img_url': HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', "'input.image_url'"],
    },
    {
      name: 'input.media',
      body: vary(move, { 'input.media': [item('first_frame', HTTP_IMG)] }),
      mentions: ["'input.media'", 'not supported', "'input.video_url'"],
    },
  ]);

  refusesOnRoutes(move, ['first-frame', 'video-edit', 'speech'], 'POST /task/bailian/animate');
});

void describe('wan2.2-animate effective requests', () => {
  it('reads the watermark under input only; 720P; an image and a video slot', () => {
    assert.equal(effectiveOf('animate', move).watermark, false);
    assert.equal(effectiveOf('animate', vary(move, { 'input.watermark': true })).watermark, true);
    const eff = effectiveOf('animate', vary(move, { 'parameters.watermark': true }));
    assert.equal(eff.watermark, false, 'DashScope reads input.watermark (families §8)');
    assert.equal(eff.tier, '720P');
    assert.equal(eff.ratio, null);
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind]),
      [
        ['input.image_url', 'portrait', 'image'],
        ['input.video_url', 'video', 'video'],
      ],
    );
  });
});
