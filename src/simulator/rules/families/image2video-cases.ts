import {
  AUD,
  tableInto,
  DATA_AUD,
  DATA_IMG,
  DATA_VID,
  IMG,
  IMG2,
  NOT_A_URL,
  VID,
  type CaseTable,
} from './family-cases-kit.js';

/**
 * kf2v (F§5), s2v (F§7.2) and animate (F§8) create bodies on the image2video path (run over real
 * HTTP by family-cases.test.ts), each from a sentence of dashscope-model-families.md (F§n), plus
 * the path of each family (F§1.1) and the regional ids.
 */

export const IMAGE2VIDEO_TABLES: CaseTable[] = [];
const table = tableInto(IMAGE2VIDEO_TABLES);

const kf = (model: string, input: object, parameters: object = {}) => ({
  model,
  input: { first_frame_url: IMG, ...input },
  parameters,
});

table('kf2v (F§5, F§11 #27–#29), on image2video', [
  { name: 'flash, first frame alone', body: kf('wan2.2-kf2v-flash', {}), expect: 'ok' },
  {
    name: 'flash, first + last frame at 1080P',
    body: kf('wan2.2-kf2v-flash', { last_frame_url: IMG2 }, { resolution: '1080P' }),
    expect: 'ok',
  },
  {
    name: 'flash 480P, duration 5, every field',
    body: kf(
      'wan2.2-kf2v-flash',
      { prompt: 'p', negative_prompt: 'n', template: 'hanfu-1' },
      { resolution: '480P', duration: 5, prompt_extend: false, watermark: true, seed: 3 },
    ),
    expect: 'ok',
  },
  {
    name: 'first frame as data: URI',
    body: kf('wanx2.1-kf2v-plus', { first_frame_url: DATA_IMG }),
    expect: 'ok',
  },
  {
    name: 'Singapore wan2.1-kf2v-plus',
    body: kf('wan2.1-kf2v-plus', {}, { resolution: '720P' }),
    region: 'singapore',
    expect: 'ok',
  },
  {
    name: 'no first_frame_url',
    body: kf('wan2.2-kf2v-flash', { first_frame_url: undefined, template: 'hanfu-1' }),
    expect: ['InvalidParameter', 'first_frame_url'],
  },
  {
    name: 'plus at 1080P',
    body: kf('wanx2.1-kf2v-plus', {}, { resolution: '1080P' }),
    expect: ['InvalidParameter', 'resolution'],
  },
  {
    name: '#28 duration 10',
    body: kf('wan2.2-kf2v-flash', {}, { duration: 10 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'last_frame_url no URL',
    body: kf('wan2.2-kf2v-flash', { last_frame_url: NOT_A_URL }),
    expect: ['InvalidURL', 'last_frame_url'],
  },
  {
    name: '#27 flash in Singapore',
    body: kf('wan2.2-kf2v-flash', {}),
    region: 'singapore',
    expect: ['InvalidParameter', 'Model not exist'],
  },
  {
    name: 'Beijing id in Singapore',
    body: kf('wanx2.1-kf2v-plus', {}),
    region: 'singapore',
    expect: ['InvalidParameter', 'Model not exist'],
  },
  {
    name: 'Singapore id in Beijing',
    body: kf('wan2.1-kf2v-plus', {}),
    expect: ['InvalidParameter', 'Model not exist'],
  },
]);

const s2v = (input: object, parameters: object = {}) => ({
  model: 'wan2.2-s2v',
  input: { image_url: IMG, audio_url: AUD, ...input },
  parameters,
});
const ani = (model: string, input: object, parameters: object = { mode: 'wan-std' }) => ({
  model: `wan2.2-animate-${model}`,
  input: { image_url: IMG, video_url: VID, ...input },
  parameters,
});

table('s2v (F§7.2, F§11 #32) and animate (F§8, F§11 #33, #34), on image2video', [
  { name: 's2v image + audio', body: s2v({}), expect: 'ok' },
  {
    name: 's2v 720P, style passes through',
    body: s2v({}, { resolution: '720P', style: 'speech' }),
    expect: 'ok',
  },
  {
    name: 's2v no audio',
    body: s2v({ audio_url: undefined }),
    expect: ['InvalidParameter', 'input.audio_url'],
  },
  {
    name: 's2v no image',
    body: s2v({ image_url: '' }),
    expect: ['InvalidParameter', 'input.image_url'],
  },
  {
    name: 's2v 1080P',
    body: s2v({}, { resolution: '1080P' }),
    expect: ['InvalidParameter', 'resolution'],
  },
  {
    name: 's2v audio as data:',
    body: s2v({ audio_url: DATA_AUD }),
    expect: ['InvalidParameter', 'data:'],
  },
  {
    name: 'F§7 s2v is Beijing only',
    body: s2v({}),
    region: 'singapore',
    expect: ['InvalidParameter', 'Model not exist'],
  },
  { name: 'move wan-std', body: ani('move', {}), expect: 'ok' },
  {
    name: 'mix wan-pro, input.watermark, check_image',
    body: ani('mix', { watermark: true }, { mode: 'wan-pro', check_image: false }),
    expect: 'ok',
  },
  { name: 'animate in Singapore', body: ani('move', {}), region: 'singapore', expect: 'ok' },
  { name: 'no mode', body: ani('move', {}, {}), expect: ['InvalidParameter', 'parameters.mode'] },
  {
    name: 'mode wan-max',
    body: ani('mix', {}, { mode: 'wan-max' }),
    expect: ['InvalidParameter', 'parameters.mode'],
  },
  {
    name: 'no video_url',
    body: ani('move', { video_url: undefined }),
    expect: ['InvalidParameter', 'input.video_url'],
  },
  {
    name: 'input.watermark "yes"',
    body: ani('move', { watermark: 'yes' }),
    expect: ['InvalidParameter', 'input.watermark'],
  },
  {
    name: 'video as data:',
    body: ani('mix', { video_url: DATA_VID }),
    expect: ['InvalidParameter', 'data:'],
  },
]);

const URL_ERROR = ['InvalidParameter', 'url error, please check url!'] as const;

table('F§1.1 each model on its own path (the answer on the other is a guess)', [
  {
    name: 'kf2v on video-generation',
    body: kf('wan2.2-kf2v-flash', {}),
    group: 'video-generation',
    expect: URL_ERROR,
  },
  { name: 's2v on video-generation', body: s2v({}), group: 'video-generation', expect: URL_ERROR },
  {
    name: 'animate on video-generation',
    body: ani('move', {}),
    group: 'video-generation',
    expect: URL_ERROR,
  },
  {
    name: 'wan2.7-t2v on image2video',
    body: { model: 'wan2.7-t2v', input: { prompt: 'p' } },
    group: 'image2video',
    expect: URL_ERROR,
  },
  {
    name: 'VACE on image2video',
    body: {
      model: 'wanx2.1-vace-plus',
      input: { function: 'image_reference', prompt: 'p', ref_images_url: [IMG] },
    },
    group: 'image2video',
    expect: URL_ERROR,
  },
  {
    name: 'wan2.6-i2v on image2video',
    body: { model: 'wan2.6-i2v', input: { img_url: IMG } },
    group: 'image2video',
    expect: URL_ERROR,
  },
  {
    name: 'unknown model on image2video',
    body: { model: 'wan9-nope', input: {} },
    group: 'image2video',
    expect: ['InvalidParameter', 'Model not exist'],
  },
  {
    name: 'no model on image2video',
    body: { input: {} },
    group: 'image2video',
    expect: ['BadRequest.EmptyModel'],
  },
  {
    name: 'no input on image2video',
    body: { model: 'wan2.2-s2v' },
    group: 'image2video',
    expect: ['BadRequest.EmptyInput'],
  },
]);
