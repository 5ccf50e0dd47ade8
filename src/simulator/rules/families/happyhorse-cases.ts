import {
  tableInto,
  DATA_VID,
  IMG,
  IMG2,
  media,
  VID,
  type CaseTable,
  type FamilyCase,
} from './family-cases-kit.js';

/**
 * HappyHorse 1.0 / 1.1 (F§4) create bodies (run over real HTTP by family-cases.test.ts), each from
 * a sentence of dashscope-model-families.md (F§n), never from vidgate's tables.
 */

export const HAPPYHORSE_TABLES: CaseTable[] = [];
const table = tableInto(HAPPYHORSE_TABLES);

const hh = (model: string, input: object, parameters: object = {}) => ({
  model: `happyhorse-${model}`,
  input: { prompt: 'a horse', ...input },
  parameters,
});
const RI: [string, string] = ['reference_image', IMG];
const nine = Array<[string, string]>(9).fill(RI);

table('HappyHorse t2v / r2v (F§4.1, F§11 #19, #20)', [
  { name: '1.0 t2v prompt alone', body: hh('1.0-t2v', {}), expect: 'ok' },
  { name: '1.1 t2v 480P', body: hh('1.1-t2v', {}, { resolution: '480P' }), expect: 'ok' },
  ...['21:9', '4:5', '5:4', '9:21'].map((ratio): FamilyCase => ({
    name: `ratio ${ratio}`,
    body: hh('1.0-t2v', {}, { ratio }),
    expect: 'ok',
  })),
  {
    name: 'duration 3 and watermark false',
    body: hh('1.1-t2v', {}, { duration: 3, watermark: false }),
    expect: 'ok',
  },
  { name: 'duration 15, seed', body: hh('1.0-t2v', {}, { duration: 15, seed: 7 }), expect: 'ok' },
  {
    name: '#38 prompt_extend passes through',
    body: hh('1.0-t2v', {}, { prompt_extend: true }),
    expect: 'ok',
  },
  {
    name: '#19 480P on 1.0',
    body: hh('1.0-t2v', {}, { resolution: '480P' }),
    expect: ['InvalidParameter', 'resolution'],
  },
  {
    name: 'duration 2',
    body: hh('1.0-t2v', {}, { duration: 2 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'duration 16',
    body: hh('1.1-t2v', {}, { duration: 16 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'ratio 2:1',
    body: hh('1.0-t2v', {}, { ratio: '2:1' }),
    expect: ['InvalidParameter', 'ratio'],
  },
  {
    name: 't2v without prompt',
    body: hh('1.0-t2v', { prompt: undefined }),
    expect: ['InvalidParameter', 'input.prompt'],
  },
  { name: 'r2v 1 image', body: hh('1.0-r2v', { media: media(RI) }), expect: 'ok' },
  {
    name: 'r2v 9 images, one a webp data: URI',
    body: hh('1.1-r2v', {
      media: [
        ...media(...nine.slice(1)),
        { type: 'reference_image', url: 'data:image/webp;base64,UklGRg==' },
      ],
    }),
    expect: 'ok',
  },
  {
    name: 'r2v 10 images',
    body: hh('1.0-r2v', { media: media(...nine, RI) }),
    expect: ['InvalidParameter', '1 to 9'],
  },
  {
    name: 'r2v no image',
    body: hh('1.0-r2v', { media: [] }),
    expect: ['InvalidParameter', '1 to 9'],
  },
  {
    name: 'r2v a reference_video',
    body: hh('1.0-r2v', { media: media(['reference_video', VID]) }),
    expect: ['InvalidParameter', 'type'],
  },
  {
    name: 'F§4 data:image/bmp refused',
    body: hh('1.0-r2v', { media: media(['reference_image', 'data:image/bmp;base64,Qk0=']) }),
    expect: ['InvalidParameter', 'image type'],
  },
  {
    name: 'r2v without prompt',
    body: hh('1.0-r2v', { prompt: '', media: media(RI) }),
    expect: ['InvalidParameter', 'input.prompt'],
  },
  {
    name: 'Singapore serves it',
    body: hh('1.1-r2v', { media: media(RI) }),
    region: 'singapore',
    expect: 'ok',
  },
]);

const FF: [string, string] = ['first_frame', IMG];
const V: [string, string] = ['video', VID];

table('HappyHorse i2v / video-edit (F§4.2, F§4.3, F§11 #26)', [
  {
    name: 'i2v one first_frame, no prompt',
    body: { model: 'happyhorse-1.0-i2v', input: { media: media(FF) } },
    expect: 'ok',
  },
  {
    name: 'i2v jpeg data: URI, ratio ignored',
    body: hh(
      '1.1-i2v',
      { media: media(['first_frame', 'data:image/jpeg;base64,/9j/']) },
      { ratio: '2:1' },
    ),
    expect: 'ok',
  },
  {
    name: 'i2v two first_frame',
    body: hh('1.0-i2v', { media: media(FF, FF) }),
    expect: ['InvalidParameter', 'exactly 1 first_frame'],
  },
  {
    name: 'i2v last_frame',
    body: hh('1.0-i2v', { media: media(FF, ['last_frame', IMG2]) }),
    expect: ['InvalidParameter', 'type'],
  },
  {
    name: 'i2v no media',
    body: hh('1.0-i2v', {}),
    expect: ['InvalidParameter', 'Field required: input.media'],
  },
  {
    name: 'i2v legacy img_url',
    body: hh('1.1-i2v', { img_url: IMG }),
    expect: ['InvalidParameter', 'Field required: input.media'],
  },
  {
    name: 'edit video + 5 images, origin audio; ratio/duration ignored',
    body: hh(
      '1.0-video-edit',
      { media: media(V, RI, RI, RI, RI, RI) },
      { audio_setting: 'origin', ratio: 'x', duration: 99 },
    ),
    expect: 'ok',
  },
  {
    name: 'edit without prompt',
    body: { model: 'happyhorse-1.0-video-edit', input: { media: media(V) } },
    expect: ['InvalidParameter', 'input.prompt'],
  },
  {
    name: 'edit 6 images',
    body: hh('1.0-video-edit', { media: media(V, RI, RI, RI, RI, RI, RI) }),
    expect: ['InvalidParameter', 'reference_image'],
  },
  {
    name: 'edit no video',
    body: hh('1.0-video-edit', { media: media(RI) }),
    expect: ['InvalidParameter', 'exactly 1 video'],
  },
  {
    name: 'edit video as data:',
    body: hh('1.0-video-edit', { media: media(['video', DATA_VID]) }),
    expect: ['InvalidParameter', 'data:'],
  },
  {
    name: 'edit audio_setting mute',
    body: hh('1.0-video-edit', { media: media(V) }, { audio_setting: 'mute' }),
    expect: ['InvalidParameter', 'audio_setting'],
  },
  {
    name: '#26 happyhorse-1.1-video-edit is unknown',
    body: hh('1.1-video-edit', { media: media(V) }),
    expect: ['InvalidParameter', 'Model not exist'],
  },
]);
