import {
  tableInto,
  DATA_IMG,
  DATA_VID,
  IMG,
  IMG2,
  VID,
  type CaseTable,
  type FamilyCase,
} from './family-cases-kit.js';

/**
 * VACE (F§6, F§11 #30, #31) create bodies (run over real HTTP by family-cases.test.ts), each
 * function and its fields.
 */

const vace = (fn: string, input: object, parameters: object = {}, model = 'wanx2.1-vace-plus') => ({
  model,
  input: { function: fn, prompt: 'edit it', ...input },
  parameters,
});
const MASK = 'https://media.example.com/mask.png';

const cases: FamilyCase[] = [
  {
    name: 'image_reference, 1 image',
    body: vace('image_reference', { ref_images_url: [IMG] }),
    expect: 'ok',
  },
  {
    name: 'image_reference, obj_or_bg + size',
    body: vace(
      'image_reference',
      { ref_images_url: [IMG, IMG2] },
      { obj_or_bg: ['obj', 'bg'], size: '1280*720' },
    ),
    expect: 'ok',
  },
  {
    name: 'image_reference, 4 images (extra ignored), data: image',
    body: vace('image_reference', { ref_images_url: [IMG, IMG2, IMG, DATA_IMG] }),
    expect: 'ok',
  },
  {
    name: 'video_repainting, every field',
    body: vace(
      'video_repainting',
      { video_url: VID, ref_images_url: [IMG] },
      { control_condition: 'depth', strength: 0.5, prompt_extend: false },
    ),
    expect: 'ok',
  },
  {
    name: 'video_edit, mask image',
    body: vace(
      'video_edit',
      { video_url: VID, mask_image_url: MASK, mask_frame_id: 3 },
      { mask_type: 'fixed', expand_ratio: 0.1, size: '960*960' },
    ),
    expect: 'ok',
  },
  {
    name: 'video_edit, mask video',
    body: vace('video_edit', { video_url: VID, mask_video_url: VID }),
    expect: 'ok',
  },
  {
    name: 'video_extension, first clip',
    body: vace('video_extension', { first_clip_url: VID }),
    expect: 'ok',
  },
  {
    name: 'video_extension, last frame + style video',
    body: vace('video_extension', { last_frame_url: IMG, video_url: VID }),
    expect: 'ok',
  },
  {
    name: 'video_outpainting, scales, duration 5, seed',
    body: vace(
      'video_outpainting',
      { video_url: VID },
      { top_scale: 1.5, left_scale: 2, duration: 5, seed: 1 },
    ),
    expect: 'ok',
  },
  {
    name: 'Singapore id',
    body: vace('image_reference', { ref_images_url: [IMG] }, {}, 'wan2.1-vace-plus'),
    region: 'singapore',
    expect: 'ok',
  },
  {
    name: 'no function',
    body: vace('image_reference', { function: undefined, ref_images_url: [IMG] }),
    expect: ['InvalidParameter', 'input.function'],
  },
  {
    name: 'unknown function',
    body: vace('inpainting', {}),
    expect: ['InvalidParameter', 'input.function'],
  },
  {
    name: 'no prompt',
    body: vace('video_extension', { prompt: '', first_clip_url: VID }),
    expect: ['InvalidParameter', 'input.prompt'],
  },
  {
    name: 'image_reference without images',
    body: vace('image_reference', {}),
    expect: ['InvalidParameter', 'ref_images_url'],
  },
  {
    name: 'image_reference, empty list',
    body: vace('image_reference', { ref_images_url: [] }),
    expect: ['InvalidParameter', 'ref_images_url'],
  },
  {
    name: 'obj_or_bg of another length: the documented message',
    body: vace('image_reference', { ref_images_url: [IMG, IMG2] }, { obj_or_bg: ['obj'] }),
    expect: ['InvalidParameter', 'ref_images_url and obj_or_bg must be the same length'],
  },
  {
    name: 'two bg',
    body: vace('image_reference', { ref_images_url: [IMG, IMG2] }, { obj_or_bg: ['bg', 'bg'] }),
    expect: ['InvalidParameter', 'bg'],
  },
  {
    name: 'size 1280x720',
    body: vace('image_reference', { ref_images_url: [IMG] }, { size: '1280x720' }),
    expect: ['InvalidParameter', 'size'],
  },
  {
    name: 'repainting without video',
    body: vace('video_repainting', {}),
    expect: ['InvalidParameter', 'input.video_url'],
  },
  {
    name: 'repainting, 2 images',
    body: vace('video_repainting', { video_url: VID, ref_images_url: [IMG, IMG2] }),
    expect: ['InvalidParameter', 'ref_images_url'],
  },
  {
    name: 'repainting, control_condition pose',
    body: vace('video_repainting', { video_url: VID }, { control_condition: 'pose' }),
    expect: ['InvalidParameter', 'control_condition'],
  },
  {
    name: 'repainting, strength 1.5',
    body: vace('video_repainting', { video_url: VID }, { strength: 1.5 }),
    expect: ['InvalidParameter', 'strength'],
  },
  {
    name: 'video_edit without a mask',
    body: vace('video_edit', { video_url: VID }),
    expect: ['InvalidParameter', 'mask'],
  },
  {
    name: 'video_edit, mask_type auto',
    body: vace('video_edit', { video_url: VID, mask_image_url: MASK }, { mask_type: 'auto' }),
    expect: ['InvalidParameter', 'mask_type'],
  },
  {
    name: 'extension with nothing to extend',
    body: vace('video_extension', { video_url: VID }),
    expect: ['InvalidParameter', 'first_clip_url'],
  },
  {
    name: 'outpainting, scale 2.5',
    body: vace('video_outpainting', { video_url: VID }, { right_scale: 2.5 }),
    expect: ['InvalidParameter', 'right_scale'],
  },
  {
    name: 'outpainting, scale 0.5',
    body: vace('video_outpainting', { video_url: VID }, { bottom_scale: 0.5 }),
    expect: ['InvalidParameter', 'bottom_scale'],
  },
  {
    name: 'duration 3',
    body: vace('video_extension', { first_clip_url: VID }, { duration: 3 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'video as data:',
    body: vace('video_outpainting', { video_url: DATA_VID }),
    expect: ['InvalidParameter', 'data:'],
  },
  {
    name: 'Beijing id in Singapore',
    body: vace('image_reference', { ref_images_url: [IMG] }),
    region: 'singapore',
    expect: ['InvalidParameter', 'Model not exist'],
  },
  {
    name: 'Singapore id in Beijing',
    body: vace('image_reference', { ref_images_url: [IMG] }, {}, 'wan2.1-vace-plus'),
    expect: ['InvalidParameter', 'Model not exist'],
  },
];

export const VACE_TABLES: CaseTable[] = [];
tableInto(VACE_TABLES)('VACE (F§6), on video-generation', cases);
