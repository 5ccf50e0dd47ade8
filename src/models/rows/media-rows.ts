import type { ModelSpec } from '../model-table.js';
import { cny, usd } from './prices.js';

/**
 * Fields of the flat wan2.6 schema that `media[]` and specialised models do not have; their
 * family modules read their own schemas (families/), so these only keep the row type whole.
 */
export const NOT_FLAT = {
  media: { firstFrame: null, audio: null, references: null },
  audioSwitch: false,
  shotType: false,
  shotTypeNeedsPromptExtend: false,
  template: false,
  watermark: true,
} as const;

const SEED = { min: 0, max: 2147483647 } as const;
const FIVE_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'] as const;
const BOTH = (id: string) => ({ beijing: id, singapore: id });

/** Wan 2.7 (families §2): t2v flat, i2v / r2v / videoedit on `input.media[]`; 30 fps. */
const wan27 = {
  ...NOT_FLAT,
  family: 'wan2.7',
  taskGroup: 'video-generation',
  output: { kind: 'tier', tiers: ['720P', '1080P'], default: '1080P' },
  promptExtend: true,
  promptMaxChars: 5000,
  negativePromptMaxChars: 500,
  seed: SEED,
  fps: 30,
  watermarkDefault: false,
  watermarkText: 'AI Generated',
  returnsActualPrompt: false,
  usage: 'media-video',
  typicalRunSeconds: 180,
  prices: [
    ...cny({ '720P': '0.6', '1080P': '1.0' }, true),
    ...usd({ '720P': '0.10', '1080P': '0.15' }, true),
  ],
} as const;

/** Wan 3.0 (families §3): one schema for every mode, up to 30 s or smart duration (-1). */
const wan30 = {
  ...NOT_FLAT,
  family: 'wan3.0',
  taskGroup: 'video-generation',
  mode: 'text',
  modes: ['text', 'first-frame', 'first-last-frame', 'references'],
  durations: { kind: 'range', min: 2, max: 30, default: 5 },
  output: { kind: 'tier', tiers: ['480P', '720P', '1080P'], default: '1080P' },
  ratios: ['adaptive', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'],
  promptExtend: true,
  promptRequired: false,
  promptMaxChars: 20000,
  negativePromptMaxChars: 0,
  seed: SEED,
  fps: 30,
  watermarkDefault: false,
  watermarkText: 'AI Generated',
  returnsActualPrompt: false,
  usage: 'media-video',
  unverified: [
    'usage fields (expected as Wan 2.7 / HappyHorse)',
    "'21:9' ratio and the 'adaptive' default",
    'the length smart duration (-1) picks',
    'input video + output ≤ 30 s',
  ],
} as const;

const HH_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '4:5', '5:4', '9:21', '21:9'] as const;

/** HappyHorse (families §4): `media[]`, `watermark` on by default, no negative prompt. */
const happyhorse = {
  ...NOT_FLAT,
  family: 'happyhorse',
  taskGroup: 'video-generation',
  durations: { kind: 'range', min: 3, max: 15, default: 5 },
  promptExtend: false,
  promptMaxChars: 5000,
  negativePromptMaxChars: 0,
  seed: SEED,
  fps: 24,
  watermarkDefault: true,
  watermarkText: 'Happy Horse',
  returnsActualPrompt: false,
  usage: 'media-video',
  typicalRunSeconds: 150,
  // not published (families §11 #24): DashScope's usual 2 / 2 for newer families
  upstreamLimits: { submitPerSecond: 2, maxRunning: 2 },
} as const;

const HH_10 = { output: { kind: 'tier', tiers: ['720P', '1080P'], default: '1080P' } } as const;
const HH_11 = {
  output: { kind: 'tier', tiers: ['480P', '720P', '1080P'], default: '1080P' },
} as const;
const hhPrices = (p1080: string) => [...cny({ '720P': '0.9', '1080P': p1080 }, true)];

const WAN27_ROWS: readonly ModelSpec[] = [
  {
    ...wan27,
    name: 'wan2.7-t2v',
    mode: 'text',
    modes: ['text'],
    regions: BOTH('wan2.7-t2v'),
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    ratios: FIVE_RATIOS,
    promptRequired: true,
    unverified: ['usage fields', 'prices', 'prompt limit (5,000; one relay says 1,500)'],
  },
  {
    ...wan27,
    name: 'wan2.7-i2v',
    mode: 'first-frame',
    modes: ['first-frame', 'first-last-frame'],
    regions: { ...BOTH('wan2.7-i2v'), virginia: 'wan2.7-i2v' },
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    ratios: [],
    promptRequired: false,
    unverified: ['usage fields', 'prices', 'whether first_clip seconds are billed', 'Virginia'],
  },
  {
    ...wan27,
    name: 'wan2.7-r2v',
    mode: 'references',
    modes: ['references'],
    regions: BOTH('wan2.7-r2v'),
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    ratios: FIVE_RATIOS,
    promptRequired: true,
    unverified: [
      'usage fields',
      'prices',
      'reference_voice inside each media item or as input.reference_voice (both accepted)',
      'whether first_frame counts towards the 5 references (counted apart)',
    ],
  },
  {
    ...wan27,
    name: 'wan2.7-videoedit',
    mode: 'video-edit',
    modes: ['video-edit'],
    regions: BOTH('wan2.7-videoedit'),
    durations: { kind: 'set', values: [0, 2, 3, 4, 5, 6, 7, 8, 9, 10], default: 0 },
    ratios: FIVE_RATIOS,
    promptRequired: false,
    unverified: ['usage fields', 'prices', 'whether input seconds are billed', 'video limits'],
  },
];

/** Dated snapshots of Wan 2.7 (families §1.1): the same schema under an id of their own. */
const snapshot = (base: string, date: string): ModelSpec => {
  const row = WAN27_ROWS.find((m) => m.name === base);
  if (!row) throw new Error(`no row ${base}`);
  const name = `${base}-${date}`;
  return { ...row, name, regions: BOTH(name) };
};

export const MEDIA_ROWS: readonly ModelSpec[] = [
  ...WAN27_ROWS,
  snapshot('wan2.7-t2v', '2026-04-25'),
  snapshot('wan2.7-t2v', '2026-06-12'),
  snapshot('wan2.7-i2v', '2026-04-25'),
  snapshot('wan2.7-r2v', '2026-06-12'),
  {
    ...wan30,
    name: 'wan3.0-video',
    regions: {
      beijing: 'wan3.0-video',
      singapore: 'wan3.0-video',
      virginia: 'wan3.0-video',
      hongkong: 'wan3.0-video',
    },
    typicalRunSeconds: 240,
    prices: [
      ...cny({ '480P': '0.30', '720P': '0.60', '1080P': '1.20' }),
      ...usd({ '480P': '0.05', '720P': '0.10', '1080P': '0.20' }),
    ],
  },
  {
    ...wan30,
    name: 'wan3.0-video-prime',
    regions: {
      beijing: 'wan3.0-video-prime',
      singapore: 'wan3.0-video-prime',
      virginia: 'wan3.0-video-prime',
      hongkong: 'wan3.0-video-prime',
    },
    typicalRunSeconds: 150,
    prices: [
      ...cny({ '480P': '0.45', '720P': '0.90', '1080P': '1.80' }),
      ...usd({ '480P': '0.068', '720P': '0.14', '1080P': '0.28' }),
    ],
  },
  ...(['1.0', '1.1'] as const).flatMap((v): ModelSpec[] => {
    const tiers = v === '1.0' ? HH_10 : HH_11;
    const prices = hhPrices(v === '1.0' ? '1.6' : '1.2');
    const notes = [
      'prices',
      'rate limits (2 RPS / 2 running assumed)',
      'audio and fps',
      'ratio list',
    ];
    if (v === '1.1') notes.push('480P (listed by the Beijing OpenAPI only)');
    return [
      {
        ...happyhorse,
        ...tiers,
        name: `happyhorse-${v}-t2v`,
        mode: 'text',
        modes: ['text'],
        regions: BOTH(`happyhorse-${v}-t2v`),
        ratios: HH_RATIOS,
        promptRequired: true,
        prices,
        unverified: notes,
      },
      {
        ...happyhorse,
        ...tiers,
        name: `happyhorse-${v}-i2v`,
        mode: 'first-frame',
        modes: ['first-frame'],
        regions: BOTH(`happyhorse-${v}-i2v`),
        ratios: [],
        promptRequired: false,
        prices,
        unverified: notes,
      },
      {
        ...happyhorse,
        ...tiers,
        name: `happyhorse-${v}-r2v`,
        mode: 'references',
        modes: ['references'],
        regions: BOTH(`happyhorse-${v}-r2v`),
        ratios: HH_RATIOS,
        promptRequired: true,
        prices,
        unverified: notes,
      },
    ];
  }),
  {
    ...happyhorse,
    ...HH_10,
    name: 'happyhorse-1.0-video-edit',
    mode: 'video-edit',
    modes: ['video-edit'],
    regions: BOTH('happyhorse-1.0-video-edit'),
    durations: { kind: 'follows', default: 0 },
    ratios: [],
    promptRequired: true,
    prices: hhPrices('1.6'),
    unverified: ['prices', 'rate limits', 'video limits (QC vs SK)', 'billing of input seconds'],
  },
];
