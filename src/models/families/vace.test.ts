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
  HTTP_IMG2,
  HTTP_VIDEO,
  noDataUri,
  refusesAll,
  refusesOnRoutes,
  vary,
  type RefuseCase,
} from './family-test-kit.js';

/** VACE general editing (families §6; §11 #30, #31): `input.function` picks the fields. */

const VACE = 'wan2.1-vace-plus';
const FUNCTIONS =
  'image_reference, video_repainting, video_edit, video_extension, video_outpainting';
const PROMPT = 'A cat in a red scarf.';
const MASK = 'https://example.com/mask.png';
const MASK_VIDEO = 'https://example.com/mask.mp4';

const vace = (fn: string, input: Record<string, unknown>, parameters?: Record<string, unknown>) =>
  body(VACE, { function: fn, prompt: PROMPT, ...input }, parameters);
const imageRef = vace('image_reference', { ref_images_url: [HTTP_IMG] });
const repaint = vace('video_repainting', { video_url: HTTP_VIDEO });
const maskEdit = vace('video_edit', { video_url: HTTP_VIDEO, mask_image_url: MASK });
const extension = vace('video_extension', { first_clip_url: HTTP_VIDEO });
const outpaint = vace('video_outpainting', { video_url: HTTP_VIDEO });

/** A field another function reads, refused naming it and the function sent. */
const foreign = (b: typeof imageRef, fn: string, path: string, value: unknown): RefuseCase => ({
  name: `${fn}: ${path}, a field of another function`,
  body: vary(b, { [path]: value }),
  mentions: [`'${path}'`, 'not supported', `function ${fn} does not read it`],
});

void describe('vace: accepted bodies, one set per function', () => {
  acceptsAll([
    { name: 'image_reference: one reference image', body: imageRef, mode: 'video-edit' },
    {
      name: 'image_reference: 3 images, obj_or_bg with one bg, a size',
      body: vace(
        'image_reference',
        { ref_images_url: [HTTP_IMG, HTTP_IMG2, HTTP_IMG] },
        { obj_or_bg: ['obj', 'obj', 'bg'], size: '1280*720', prompt_extend: true, seed: 1 },
      ),
    },
    { name: 'video_repainting: a video', body: repaint },
    ...[0, 1].map((strength) => ({
      name: `video_repainting: a reference, depth, strength ${strength}`,
      body: vace(
        'video_repainting',
        { video_url: HTTP_VIDEO, ref_images_url: [HTTP_IMG] },
        { control_condition: 'depth', strength, prompt_extend: false },
      ),
    })),
    ...['posebodyface', 'posebody', 'scribble'].map((c) => ({
      name: `video_repainting: control_condition ${c}`,
      body: vary(repaint, { 'parameters.control_condition': c }),
    })),
    { name: 'video_edit: a mask image', body: maskEdit },
    {
      name: 'video_edit: a mask video and every optional field',
      body: vace(
        'video_edit',
        {
          video_url: HTTP_VIDEO,
          mask_video_url: MASK_VIDEO,
          mask_frame_id: 3,
          ref_images_url: [HTTP_IMG],
        },
        { mask_type: 'fixed', expand_ratio: 1, size: '720*1280' },
      ),
    },
    { name: 'video_extension: a first clip', body: extension },
    {
      name: 'video_extension: first and last frame, and a style video',
      body: vace('video_extension', {
        first_frame_url: HTTP_IMG,
        last_frame_url: HTTP_IMG2,
        video_url: HTTP_VIDEO,
      }),
    },
    {
      name: 'video_extension: a last clip',
      body: vace('video_extension', { last_clip_url: HTTP_VIDEO }),
    },
    { name: 'video_outpainting: a video', body: outpaint },
    ...[1, 2].map((k) => ({
      name: `video_outpainting: every scale ${k}`,
      body: vary(outpaint, {
        parameters: { top_scale: k, bottom_scale: k, left_scale: k, right_scale: k },
      }),
    })),
    {
      name: "Beijing's id wanx2.1-vace-plus, stored as the canonical name",
      body: vary(imageRef, { model: 'wanx2.1-vace-plus' }),
      check: (b) => assert.equal(b.model, VACE),
    },
    { name: 'duration 5 (the only one)', body: vary(outpaint, { 'parameters.duration': 5 }) },
    {
      name: "video_edit: obj_or_bg, not public there (§6 '⚠ not public'), passed through",
      body: vary(maskEdit, { 'parameters.obj_or_bg': ['obj', 'bg'] }),
      check: (b) => assert.deepEqual(b.parameters.obj_or_bg, ['obj', 'bg']),
    },
    {
      name: 'expand_mode and negative_prompt, passed through (§11 #30)',
      body: vary(maskEdit, {
        'input.negative_prompt': 'blur',
        'parameters.expand_mode': 'original',
      }),
      check: (b) => {
        assert.equal(b.input.negative_prompt, 'blur');
        assert.equal(b.parameters.expand_mode, 'original');
      },
    },
  ]);
});

void describe('vace: refused bodies', () => {
  refusesAll([
    {
      name: 'no function',
      body: body(VACE, { prompt: PROMPT, video_url: HTTP_VIDEO }),
      mentions: ["'input.function'", FUNCTIONS, 'got null'],
    },
    {
      name: "function 'inpainting'",
      body: vace('inpainting', { video_url: HTTP_VIDEO }),
      mentions: ["'input.function'", FUNCTIONS, "'inpainting'"],
    },
    {
      name: 'no prompt',
      body: vary(outpaint, { 'input.prompt': undefined }),
      mentions: ["'input.prompt' is required", VACE, '800'],
    },
    {
      name: 'image_reference: no reference images',
      body: vace('image_reference', {}),
      mentions: ["'input.ref_images_url' is required", 'image_reference', '1 to 3'],
    },
    {
      name: 'image_reference: an empty list',
      body: vace('image_reference', { ref_images_url: [] }),
      mentions: ["'input.ref_images_url'", '1 to 3', 'got 0'],
    },
    {
      name: 'image_reference: 4 reference images',
      body: vace('image_reference', { ref_images_url: [HTTP_IMG, HTTP_IMG, HTTP_IMG, HTTP_IMG] }),
      mentions: ["'input.ref_images_url'", '1 to 3', 'got 4'],
    },
    {
      name: 'image_reference: ref_images_url as a string',
      body: vace('image_reference', { ref_images_url: HTTP_IMG }),
      mentions: ["'input.ref_images_url'", 'array of image URLs', 'a string'],
    },
    {
      name: 'image_reference: obj_or_bg of another length',
      body: vary(imageRef, { 'parameters.obj_or_bg': ['obj', 'bg'] }),
      mentions: [
        'ref_images_url and obj_or_bg must be the same length',
        "'parameters.obj_or_bg' has 2",
        "'input.ref_images_url' has 1",
      ],
    },
    {
      name: "image_reference: two 'bg'",
      body: vace(
        'image_reference',
        { ref_images_url: [HTTP_IMG, HTTP_IMG2] },
        { obj_or_bg: ['bg', 'bg'] },
      ),
      mentions: ["'parameters.obj_or_bg'", "at most one 'bg'"],
    },
    badParameter(imageRef, 'obj_or_bg', ['person'], "array of 'obj' or 'bg'"),
    badParameter(imageRef, 'size', '1280x720', 'width*height', "'1280*720'", "'1280x720'"),
    foreign(imageRef, 'image_reference', 'input.video_url', HTTP_VIDEO),
    foreign(imageRef, 'image_reference', 'parameters.control_condition', 'depth'),
    {
      name: 'video_repainting: no video',
      body: vace('video_repainting', { ref_images_url: [HTTP_IMG] }),
      mentions: ["'input.video_url' is required", 'video_repainting'],
    },
    {
      name: 'video_repainting: 2 reference images',
      body: vary(repaint, { 'input.ref_images_url': [HTTP_IMG, HTTP_IMG2] }),
      mentions: ["'input.ref_images_url'", 'video_repainting', '0 to 1', 'got 2'],
    },
    ...[1.5, -0.1].map((s) =>
      badParameter(repaint, 'strength', s, 'a number from 0 to 1', `got ${s}`),
    ),
    badParameter(repaint, 'control_condition', 'canny', 'posebodyface, posebody, depth, scribble'),
    foreign(repaint, 'video_repainting', 'input.mask_image_url', MASK),
    foreign(repaint, 'video_repainting', 'parameters.size', '1280*720'),
    {
      name: 'video_edit: no mask',
      body: vace('video_edit', { video_url: HTTP_VIDEO }),
      mentions: ["exactly one of 'input.mask_image_url' and 'input.mask_video_url'"],
    },
    {
      name: 'video_edit: both masks',
      body: vary(maskEdit, { 'input.mask_video_url': MASK_VIDEO }),
      mentions: ["exactly one of 'input.mask_image_url' and 'input.mask_video_url'"],
    },
    {
      name: 'video_edit: no video',
      body: vace('video_edit', { mask_image_url: MASK }),
      mentions: ["'input.video_url' is required", 'video_edit'],
    },
    badParameter(maskEdit, 'mask_type', 'moving', 'tracking, fixed'),
    badParameter(maskEdit, 'expand_ratio', 2, 'a number from 0 to 1'),
    {
      name: 'video_edit: a negative mask_frame_id',
      body: vary(maskEdit, { 'input.mask_frame_id': -1 }),
      mentions: ["'input.mask_frame_id'", 'an integer from 0'],
    },
    foreign(maskEdit, 'video_edit', 'parameters.top_scale', 1.5),
    foreign(maskEdit, 'video_edit', 'parameters.control_condition', 'depth'),
    {
      name: 'video_extension: none of the clips or frames',
      body: vace('video_extension', { video_url: HTTP_VIDEO }),
      mentions: [
        'video_extension needs at least one of',
        "'input.first_clip_url'",
        "'input.last_frame_url'",
      ],
    },
    foreign(extension, 'video_extension', 'input.ref_images_url', [HTTP_IMG]),
    foreign(extension, 'video_extension', 'parameters.strength', 0.5),
    {
      name: 'video_outpainting: no video',
      body: vace('video_outpainting', {}),
      mentions: ["'input.video_url' is required", 'video_outpainting'],
    },
    ...(
      [
        ['top_scale', 0.5],
        ['left_scale', 2.5],
        ['bottom_scale', 0.99],
        ['right_scale', 2.01],
      ] as const
    ).map(([k, v]) => badParameter(outpaint, k, v, 'a number from 1 to 2', `got ${v}`)),
    foreign(outpaint, 'video_outpainting', 'input.ref_images_url', [HTTP_IMG]),
    foreign(outpaint, 'video_outpainting', 'input.first_frame_url', HTTP_IMG),
    noDataUri(
      'a data: URI video (§11 #30)',
      vary(outpaint, { 'input.video_url': DATA_VIDEO }),
      'input.video_url',
    ),
    noDataUri(
      'a data: URI reference image',
      vace('image_reference', { ref_images_url: [HTTP_IMG, DATA_IMG] }),
      'input.ref_images_url[1]',
    ),
    noDataUri(
      'a data: URI mask',
      vary(maskEdit, { 'input.mask_image_url': DATA_IMG }),
      'input.mask_image_url',
    ),
    noDataUri(
      'a data: URI first frame',
      vace('video_extension', { first_frame_url: DATA_IMG }),
      'input.first_frame_url',
    ),
    noDataUri(
      'a data: URI clip',
      vace('video_extension', { last_clip_url: DATA_VIDEO }),
      'input.last_clip_url',
    ),
    badParameter(outpaint, 'duration', 10, 'one of 5', 'got 10'),
    {
      name: "wan2.6's img_url",
      body: vary(imageRef, { 'input.img_url': HTTP_IMG }),
      mentions: ["'input.img_url'", 'not supported', "'input.function'"],
    },
    {
      name: 'input.media',
      body: vary(repaint, { 'input.media': [] }),
      mentions: ["'input.media'", 'not supported'],
    },
  ]);

  refusesOnRoutes(repaint, ['text', 'first-frame', 'references'], 'POST /task/bailian/videoedit');
});

void describe('vace effective requests', () => {
  it('is silent, 5 s, 720P and unmarked', () => {
    const eff = effectiveOf('video-edit', vary(outpaint, { 'parameters.watermark': true }));
    assert.deepEqual(
      [eff.withAudio, eff.durationSec, eff.tier, eff.watermark, eff.ratio],
      [false, 5, '720P', false, null],
    );
  });

  it('has a slot per URL field, in the order of the references then the videos and masks', () => {
    const eff = effectiveOf(
      'video-edit',
      vace('video_edit', {
        video_url: HTTP_VIDEO,
        mask_image_url: MASK,
        ref_images_url: [HTTP_IMG],
      }),
    );
    assert.deepEqual(
      eff.media.map((m) => [m.field, m.role, m.kind]),
      [
        ['input.ref_images_url[0]', 'reference_image', 'image'],
        ['input.video_url', 'video', 'video'],
        ['input.mask_image_url', 'mask_image', 'image'],
      ],
    );
    const clip = effectiveOf('video-edit', extension).media[0];
    assert.equal(clip?.role, 'first_clip');
    assert.ok(clip.limits && 'maxSeconds' in clip.limits, 'a clip has a length limit');
    assert.equal(clip.limits.maxSeconds, 3);
  });
});
