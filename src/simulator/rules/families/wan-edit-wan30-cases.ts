import {
  AUD,
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
 * Wan 2.7 videoedit (F§2.4) and Wan 3.0 (F§3) create bodies (run over real HTTP by
 * family-cases.test.ts), each written out from a sentence of dashscope-model-families.md (cited as
 * F§n), never from vidgate's tables.
 */

export const WAN_EDIT_WAN30_TABLES: CaseTable[] = [];
const table = tableInto(WAN_EDIT_WAN30_TABLES);

const edit = (items: [string, string][], parameters: object = {}) => ({
  model: 'wan2.7-videoedit',
  input: { prompt: 'make it snow', media: media(...items) },
  parameters,
});
const w3 = (input: object, parameters: object = {}, model = 'wan3.0-video') => ({
  model,
  input: { prompt: 'a fox', ...input },
  parameters,
});

const FF: [string, string] = ['first_frame', IMG];
const LF: [string, string] = ['last_frame', IMG2];
const RI: [string, string] = ['reference_image', IMG];
const RV: [string, string] = ['reference_video', VID];

const V: [string, string] = ['video', VID];

table('Wan 2.7 videoedit (F§2.4, F§11 #7)', [
  { name: 'one video', body: edit([V]), expect: 'ok' },
  {
    name: 'video + 4 reference images, no prompt',
    body: { ...edit([V, RI, RI, RI, RI]), input: { media: media(V, RI, RI, RI, RI) } },
    expect: 'ok',
  },
  {
    name: 'duration 0 (keep input)',
    body: edit([V], { duration: 0, audio_setting: 'origin', ratio: '9:16' }),
    expect: 'ok',
  },
  { name: 'duration 10', body: edit([V], { duration: 10, audio_setting: 'auto' }), expect: 'ok' },
  { name: 'no video', body: edit([RI]), expect: ['InvalidParameter', 'exactly 1 video'] },
  { name: 'two videos', body: edit([V, V]), expect: ['InvalidParameter', 'exactly 1 video'] },
  {
    name: '5 reference images',
    body: edit([V, RI, RI, RI, RI, RI]),
    expect: ['InvalidParameter', 'reference_image'],
  },
  {
    name: 'duration 1',
    body: edit([V], { duration: 1 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'duration 11',
    body: edit([V], { duration: 11 }),
    expect: ['InvalidParameter', 'duration'],
  },
  {
    name: 'audio_setting keep',
    body: edit([V], { audio_setting: 'keep' }),
    expect: ['InvalidParameter', 'audio_setting'],
  },
  {
    name: 'video as data:',
    body: edit([['video', DATA_VID]]),
    expect: ['InvalidParameter', 'data:'],
  },
]);

const RA: [string, string] = ['reference_audio', AUD];

table('Wan 3.0 (F§3, F§11 #10–#13, #18)', [
  { name: 'text only', body: w3({}), expect: 'ok' },
  {
    name: 'prime, same schema',
    body: w3({ media: media(FF) }, {}, 'wan3.0-video-prime'),
    expect: 'ok',
  },
  {
    name: 'frame mode: first_frame + last_frame',
    body: w3({ media: media(FF, LF) }),
    expect: 'ok',
  },
  {
    name: 'frame mode without prompt',
    body: { model: 'wan3.0-video', input: { media: media(FF) } },
    expect: 'ok',
  },
  {
    name: 'reference mode at the caps: 10 images, 5 videos, 5 audio',
    body: w3({
      media: media(
        ...Array<[string, string]>(10).fill(RI),
        ...Array<[string, string]>(5).fill(RV),
        ...Array<[string, string]>(5).fill(RA),
      ),
    }),
    expect: 'ok',
  },
  { name: 'duration -1 (smart)', body: w3({ media: media(RA) }, { duration: -1 }), expect: 'ok' },
  {
    name: 'duration 30, 480P, 21:9, seed -1',
    body: w3({}, { duration: 30, resolution: '480P', ratio: '21:9', seed: -1 }),
    expect: 'ok',
  },
  {
    name: 'ratio adaptive, audio false',
    body: w3({}, { ratio: 'adaptive', audio: false, prompt_extend: true, watermark: false }),
    expect: 'ok',
  },
  { name: 'empty media with a prompt', body: w3({ media: [] }), expect: 'ok' },
  { name: 'Virginia', body: w3({}), region: 'virginia', expect: 'ok' },
  {
    name: 'text only without prompt',
    body: { model: 'wan3.0-video', input: {} },
    expect: ['InvalidParameter', 'input.prompt'],
  },
  {
    name: '#11 negative_prompt',
    body: w3({ negative_prompt: 'blur' }),
    expect: ['InvalidParameter', 'not supported by wan3.0'],
  },
  {
    name: '#13 file',
    body: w3({ media: media(['file', 'https://e.com/a.pdf']) }),
    expect: ['InvalidParameter', 'file'],
  },
  {
    name: '#13 link',
    body: w3({ media: media(['link', 'https://e.com/page']) }),
    expect: ['InvalidParameter', 'link'],
  },
  {
    name: 'first_frame + reference_image',
    body: w3({ media: media(FF, RI) }),
    expect: ['InvalidParameter', 'cannot be combined'],
  },
  {
    name: 'last_frame + reference_audio',
    body: w3({ media: media(FF, LF, RA) }),
    expect: ['InvalidParameter', 'cannot be combined'],
  },
  {
    name: 'last_frame without first_frame',
    body: w3({ media: media(LF) }),
    expect: ['InvalidParameter', 'last_frame'],
  },
  {
    name: '11 reference images',
    body: w3({ media: media(...Array<[string, string]>(11).fill(RI)) }),
    expect: ['InvalidParameter', 'reference_image'],
  },
  {
    name: '6 reference videos',
    body: w3({ media: media(...Array<[string, string]>(6).fill(RV)) }),
    expect: ['InvalidParameter', 'reference_video'],
  },
  {
    name: '6 reference audio',
    body: w3({ media: media(...Array<[string, string]>(6).fill(RA)) }),
    expect: ['InvalidParameter', 'reference_audio'],
  },
  {
    name: 'two first_frame',
    body: w3({ media: media(FF, FF) }),
    expect: ['InvalidParameter', 'first_frame'],
  },
  ...[31, 0, 1, -2, 5.5].map((d): FamilyCase => ({
    name: `duration ${d}`,
    body: w3({}, { duration: d }),
    expect: ['InvalidParameter', 'duration'],
  })),
  { name: 'ratio 5:4', body: w3({}, { ratio: '5:4' }), expect: ['InvalidParameter', 'ratio'] },
  { name: 'seed -2', body: w3({}, { seed: -2 }), expect: ['InvalidParameter', 'seed'] },
  { name: 'audio "no"', body: w3({}, { audio: 'no' }), expect: ['InvalidParameter', 'audio'] },
  {
    name: 'F§1.2 legacy img_url',
    body: w3({ img_url: IMG }),
    expect: ['InvalidParameter', 'Field required: input.media'],
  },
  { name: 'Singapore serves it', body: w3({}), region: 'singapore', expect: 'ok' },
]);
