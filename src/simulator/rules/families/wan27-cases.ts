import {
  AUD,
  tableInto,
  DATA_AUD,
  DATA_IMG,
  DATA_VID,
  IMG,
  IMG2,
  media,
  NOT_A_URL,
  VID,
  type CaseTable,
} from './family-cases-kit.js';

/**
 * Wan 2.7 t2v, i2v and r2v (F§2.1–F§2.3) create bodies (run over real HTTP by
 * family-cases.test.ts), each written out from a sentence of dashscope-model-families.md (cited as
 * F§n), never from vidgate's tables.
 */

export const WAN27_TABLES: CaseTable[] = [];
const table = tableInto(WAN27_TABLES);

const t2v = (input: object, parameters: object = {}) => ({
  model: 'wan2.7-t2v',
  input: { prompt: 'a fox', ...input },
  parameters,
});
const i2v = (items: [string, string][], parameters: object = {}) => ({
  model: 'wan2.7-i2v',
  input: { media: media(...items) },
  parameters,
});
const r2v = (input: object, parameters: object = {}) => ({
  model: 'wan2.7-r2v',
  input: { prompt: 'Image 1 waves', media: media(['reference_image', IMG]), ...input },
  parameters,
});
table('Wan 2.7 t2v (F§2.1)', [
  { name: 'prompt alone; dated snapshot ids', body: t2v({}), expect: 'ok' },
  {
    name: 'snapshot -2026-06-12',
    body: { ...t2v({}), model: 'wan2.7-t2v-2026-06-12' },
    expect: 'ok',
  },
  {
    name: 'every documented field',
    body: t2v(
      { negative_prompt: 'blur', audio_url: AUD },
      {
        resolution: '720P',
        ratio: '3:4',
        duration: 15,
        prompt_extend: false,
        watermark: true,
        seed: 0,
      },
    ),
    expect: 'ok',
  },
  { name: 'duration 2 (lowest)', body: t2v({}, { duration: 2 }), expect: 'ok' },
  {
    name: 'F§1.2 / F§11 #9: shot_type, audio and size pass through',
    body: t2v({}, { shot_type: 'multi', audio: true, size: '1280*720' }),
    expect: 'ok',
  },
  {
    name: 'prompt missing',
    body: t2v({ prompt: undefined }),
    expect: ['InvalidParameter', 'input.prompt'],
  },
  { name: 'duration 1', body: t2v({}, { duration: 1 }), expect: ['InvalidParameter', 'duration'] },
  {
    name: 'duration 16',
    body: t2v({}, { duration: 16 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'duration 2.5',
    body: t2v({}, { duration: 2.5 }),
    expect: ['InvalidParameter', 'duration'],
  },
  { name: 'ratio 21:9', body: t2v({}, { ratio: '21:9' }), expect: ['InvalidParameter', 'ratio'] },
  {
    name: 'resolution 480P',
    body: t2v({}, { resolution: '480P' }),
    expect: ['InvalidParameter', 'resolution'],
  },
  { name: 'seed -1', body: t2v({}, { seed: -1 }), expect: ['InvalidParameter', 'seed'] },
  {
    name: 'watermark "yes"',
    body: t2v({}, { watermark: 'yes' }),
    expect: ['InvalidParameter', 'watermark'],
  },
  {
    name: 'F§1.2 audio as data: URI',
    body: t2v({ audio_url: DATA_AUD }),
    expect: ['InvalidParameter', 'audio_url'],
  },
  {
    name: 'audio_url no URL',
    body: t2v({ audio_url: NOT_A_URL }),
    expect: ['InvalidURL', 'audio_url'],
  },
]);

const FF: [string, string] = ['first_frame', IMG];
const LF: [string, string] = ['last_frame', IMG2];
const DA: [string, string] = ['driving_audio', AUD];
const FC: [string, string] = ['first_clip', VID];

table('Wan 2.7 i2v (F§2.2): the six combinations and nothing else', [
  { name: 'first_frame', body: i2v([FF]), expect: 'ok' },
  { name: 'first_frame + driving_audio', body: i2v([FF, DA]), expect: 'ok' },
  { name: 'first_frame + last_frame', body: i2v([LF, FF]), expect: 'ok' },
  { name: 'first_frame + last_frame + driving_audio', body: i2v([FF, LF, DA]), expect: 'ok' },
  { name: 'first_clip', body: i2v([FC], { duration: 15 }), expect: 'ok' },
  { name: 'first_clip + last_frame', body: i2v([FC, LF]), expect: 'ok' },
  { name: 'F§1.2 images as data: URIs', body: i2v([['first_frame', DATA_IMG]]), expect: 'ok' },
  { name: 'Virginia serves it (F§1.1 ⚠)', body: i2v([FF]), region: 'virginia', expect: 'ok' },
  { name: 'last_frame alone', body: i2v([LF]), expect: ['InvalidParameter', 'last_frame'] },
  { name: 'driving_audio alone', body: i2v([DA]), expect: ['InvalidParameter', 'driving_audio'] },
  {
    name: 'first_frame + first_clip',
    body: i2v([FF, FC]),
    expect: ['InvalidParameter', 'combination'],
  },
  {
    name: 'first_clip + driving_audio',
    body: i2v([FC, DA]),
    expect: ['InvalidParameter', 'combination'],
  },
  {
    name: 'first_clip + last_frame + driving_audio',
    body: i2v([FC, LF, DA]),
    expect: ['InvalidParameter', 'combination'],
  },
  { name: 'first_frame twice', body: i2v([FF, FF]), expect: ['InvalidParameter', 'first_frame'] },
  { name: 'empty media', body: i2v([]), expect: ['InvalidParameter', 'combination'] },
  {
    name: 'a type of another model',
    body: i2v([['reference_image', IMG]]),
    expect: ['InvalidParameter', 'type'],
  },
  {
    name: 'F§1.2 legacy img_url',
    body: { model: 'wan2.7-i2v', input: { img_url: IMG } },
    expect: ['InvalidParameter', 'Field required: input.media'],
  },
  {
    name: 'media missing',
    body: { model: 'wan2.7-i2v', input: {} },
    expect: ['InvalidParameter', 'input.media'],
  },
  {
    name: 'media not an array',
    body: { model: 'wan2.7-i2v', input: { media: { type: 'first_frame', url: IMG } } },
    expect: ['InvalidParameter', 'input.media'],
  },
  {
    name: 'item without url',
    body: { model: 'wan2.7-i2v', input: { media: [{ type: 'first_frame' }] } },
    expect: ['InvalidParameter', 'input.media[0].url'],
  },
  {
    name: 'item url no URL',
    body: i2v([['first_frame', NOT_A_URL]]),
    expect: ['InvalidURL', 'input.media[0].url'],
  },
  {
    name: 'F§1.2 driving_audio as data:',
    body: i2v([FF, ['driving_audio', DATA_AUD]]),
    expect: ['InvalidParameter', 'data:'],
  },
  {
    name: 'first_clip as data:',
    body: i2v([['first_clip', DATA_VID]]),
    expect: ['InvalidParameter', 'data:'],
  },
  {
    name: 'duration 16',
    body: i2v([FF], { duration: 16 }),
    expect: ['InvalidParameter', 'duration'],
  },
]);

const RV: [string, string] = ['reference_video', VID];
const RI: [string, string] = ['reference_image', IMG];

table('Wan 2.7 r2v (F§2.3, F§11 #3, #4)', [
  { name: 'one reference image', body: r2v({}), expect: 'ok' },
  {
    name: '5 references mixed + first_frame (not counted)',
    body: r2v({ media: media(RI, RV, RI, RV, RV, FF) }),
    expect: 'ok',
  },
  {
    name: 'reference_voice inside an item',
    body: r2v({ media: [{ type: 'reference_video', url: VID, reference_voice: AUD }] }),
    expect: 'ok',
  },
  { name: 'input.reference_voice', body: r2v({ reference_voice: AUD }), expect: 'ok' },
  {
    name: 'duration 15 with images only',
    body: r2v({}, { duration: 15, ratio: '1:1' }),
    expect: 'ok',
  },
  {
    name: 'duration 10 with a video',
    body: r2v({ media: media(RV) }, { duration: 10 }),
    expect: 'ok',
  },
  {
    name: 'prompt missing',
    body: r2v({ prompt: '' }),
    expect: ['InvalidParameter', 'input.prompt'],
  },
  {
    name: 'first_frame alone (0 references)',
    body: r2v({ media: media(FF) }),
    expect: ['InvalidParameter', '1 to 5'],
  },
  {
    name: '6 references',
    body: r2v({ media: media(RI, RI, RI, RV, RV, RV) }),
    expect: ['InvalidParameter', '1 to 5'],
  },
  {
    name: 'two first_frame',
    body: r2v({ media: media(RI, FF, FF) }),
    expect: ['InvalidParameter', 'first_frame'],
  },
  {
    name: 'duration 11 with a video',
    body: r2v({ media: media(RV) }, { duration: 11 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'F§1.2 legacy reference_urls',
    body: { model: 'wan2.7-r2v', input: { prompt: 'p', reference_urls: [IMG] } },
    expect: ['InvalidParameter', 'Field required: input.media'],
  },
  {
    name: 'reference_voice no URL',
    body: r2v({ media: [{ type: 'reference_image', url: IMG, reference_voice: NOT_A_URL }] }),
    expect: ['InvalidURL', 'reference_voice'],
  },
  { name: 'ratio 21:9', body: r2v({}, { ratio: '21:9' }), expect: ['InvalidParameter', 'ratio'] },
]);
