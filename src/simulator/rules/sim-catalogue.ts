import type { SimRegion } from '../sim-options.js';

/**
 * The simulator's own catalogue of the models DashScope serves on the flat wan2.6/wan2.5
 * protocol, written from dashscope-video-api.md (cited per field as §n) and never from vidgate's
 * model table: the simulator is the oracle vidgate's rules are checked against
 * (test/e2e/simulator-agreement.test.ts), so it must not share them.
 */

export type SimTier = '480P' | '720P' | '1080P';

/** §2.1 "Mode / key input": which input field carries the media. */
export type SimMode = 'first-frame' | 'references' | 'text';

export type SimDurationRule =
  { kind: 'range'; min: number; max: number } | { kind: 'set'; values: readonly number[] };

/** §2.1 "Output size control": a tier (`parameters.resolution`) or a `W*H` size. */
export type SimOutput =
  | { kind: 'tier'; tiers: readonly SimTier[]; default: SimTier }
  | { kind: 'size'; sizes: readonly string[]; default: string };

/** §7.3: the `usage` field set of a model family. */
export type SimUsageFamily = 'wan2.6-i2v' | 'wan2.6-r2v' | 'wan2.6-t2v' | 'wan2.5';

export interface SimModel {
  readonly name: string;
  readonly mode: SimMode;
  /** every model defaults to 5 s (§3, §4, §5.1 "duration … default 5") */
  readonly durations: SimDurationRule;
  readonly output: SimOutput;
  /** `parameters.audio` exists (flash models, §2.1 "audio param") */
  readonly audioSwitch: boolean;
  /** `parameters.shot_type` exists (wan2.6 only, §2.1) */
  readonly shotType: boolean;
  /** shot_type "effective only when prompt_extend=true" (§3; r2v has no such dependency, §2.1) */
  readonly shotTypeNeedsPromptExtend: boolean;
  /** `parameters.prompt_extend` is in the schema (§2.1; not for r2v) */
  readonly promptExtend: boolean;
  /** `input.prompt` required (§2.1: r2v; §5.1: t2v) */
  readonly promptRequired: boolean;
  /** §2.1 `actual_prompt`: "returned when prompt_extend=true", never on wan2.6 */
  readonly returnsActualPrompt: boolean;
  readonly usage: SimUsageFamily;
  /** §1 "Model availability by region" */
  readonly regions: readonly SimRegion[];
}

/** §4 "parameters.size" (720P and 1080P) and §5.1 (480P for wan2.5-t2v-preview). */
export const SIM_SIZES: Readonly<Record<SimTier, readonly string[]>> = {
  '480P': ['832*480', '480*832', '624*624'],
  '720P': ['1280*720', '720*1280', '960*960', '1088*832', '832*1088'],
  '1080P': ['1920*1080', '1080*1920', '1440*1440', '1632*1248', '1248*1632'],
};

/** The tier a documented `W*H` size belongs to (§4, §5.1), for `usage.SR`. */
export function simTierOfSize(size: string): SimTier | undefined {
  const tiers: SimTier[] = ['480P', '720P', '1080P'];
  return tiers.find((t) => SIM_SIZES[t].includes(size));
}

/** §7.3 `SR`: "tier: 480/720/1080". */
export function srOf(tier: SimTier): number {
  return { '480P': 480, '720P': 720, '1080P': 1080 }[tier];
}

/** §1: Beijing and Singapore serve every wan2.6/wan2.5 model; Virginia only the listed ones. */
const EVERYWHERE: readonly SimRegion[] = ['beijing', 'singapore', 'virginia'];
const ASIA: readonly SimRegion[] = ['beijing', 'singapore'];
const US_ONLY: readonly SimRegion[] = ['virginia'];

const WAN26_TIERS: SimOutput = { kind: 'tier', tiers: ['720P', '1080P'], default: '1080P' };
const WAN26_SIZES: SimOutput = {
  kind: 'size',
  sizes: [...SIM_SIZES['720P'], ...SIM_SIZES['1080P']],
  default: '1920*1080',
};

const i2v = {
  mode: 'first-frame',
  shotTypeNeedsPromptExtend: true,
  promptExtend: true,
  promptRequired: false,
  usage: 'wan2.6-i2v',
} as const;
const r2v = {
  mode: 'references',
  durations: { kind: 'range', min: 2, max: 10 },
  output: WAN26_SIZES,
  shotType: true,
  shotTypeNeedsPromptExtend: false,
  promptExtend: false,
  promptRequired: true,
  returnsActualPrompt: false,
  usage: 'wan2.6-r2v',
} as const;
const t2v = {
  mode: 'text',
  promptExtend: true,
  promptRequired: true,
  audioSwitch: false,
} as const;

export const SIM_MODELS: readonly SimModel[] = [
  {
    ...i2v,
    name: 'wan2.6-i2v',
    // §3 "any integer in [2, 15]" (⚠ older copies: 5/10/15; the latest page wins, §13.1)
    durations: { kind: 'range', min: 2, max: 15 },
    output: WAN26_TIERS,
    audioSwitch: false,
    shotType: true,
    returnsActualPrompt: false,
    regions: EVERYWHERE,
  },
  {
    ...i2v,
    name: 'wan2.6-i2v-flash',
    durations: { kind: 'range', min: 2, max: 15 },
    output: WAN26_TIERS,
    audioSwitch: true,
    shotType: true,
    returnsActualPrompt: false,
    // §1 "Flash variants are not listed for Virginia/Frankfurt"
    regions: ASIA,
  },
  {
    ...i2v,
    name: 'wan2.6-i2v-us',
    // §3 "wan2.6-i2v-us: 5/10/15"; resolution as wan2.6-i2v (§3 "resolution")
    durations: { kind: 'set', values: [5, 10, 15] },
    output: WAN26_TIERS,
    audioSwitch: false,
    shotType: true,
    returnsActualPrompt: false,
    regions: US_ONLY,
  },
  {
    ...i2v,
    name: 'wan2.5-i2v-preview',
    durations: { kind: 'set', values: [5, 10] },
    output: { kind: 'tier', tiers: ['480P', '720P', '1080P'], default: '1080P' },
    audioSwitch: false,
    // §2.1 "shot_type: not supported (wan2.6 only)"
    shotType: false,
    shotTypeNeedsPromptExtend: false,
    returnsActualPrompt: true,
    usage: 'wan2.5',
    regions: ASIA,
  },
  { ...r2v, name: 'wan2.6-r2v', audioSwitch: false, regions: EVERYWHERE },
  { ...r2v, name: 'wan2.6-r2v-flash', audioSwitch: true, regions: ASIA },
  {
    ...t2v,
    name: 'wan2.6-t2v',
    durations: { kind: 'range', min: 2, max: 15 },
    output: WAN26_SIZES,
    shotType: true,
    shotTypeNeedsPromptExtend: true,
    returnsActualPrompt: false,
    usage: 'wan2.6-t2v',
    regions: EVERYWHERE,
  },
  {
    ...t2v,
    name: 'wan2.6-t2v-us',
    // §5.1 "wan2.6-t2v-us 5/10"; the reference is silent on its sizes: those of wan2.6-t2v
    durations: { kind: 'set', values: [5, 10] },
    output: WAN26_SIZES,
    shotType: true,
    shotTypeNeedsPromptExtend: true,
    returnsActualPrompt: false,
    usage: 'wan2.6-t2v',
    regions: US_ONLY,
  },
  {
    ...t2v,
    name: 'wan2.5-t2v-preview',
    durations: { kind: 'set', values: [5, 10] },
    output: {
      kind: 'size',
      sizes: [...SIM_SIZES['480P'], ...SIM_SIZES['720P'], ...SIM_SIZES['1080P']],
      default: '1920*1080',
    },
    shotType: false,
    shotTypeNeedsPromptExtend: false,
    returnsActualPrompt: true,
    usage: 'wan2.5',
    regions: ASIA,
  },
];

/** §2.1, §3–§5.1: limits every listed model shares. */
export const SIM_LIMITS = {
  promptChars: 1500,
  negativePromptChars: 500,
  seedMin: 0,
  seedMax: 2147483647,
  defaultDuration: 5,
  /** §4 reference_urls: "Images 0–5, videos 0–3, images+videos ≤5" */
  maxReferences: 5,
  maxReferenceImages: 5,
  maxReferenceVideos: 3,
} as const;

/**
 * The model by its name, if `region` serves it. The reference quotes ids literally and says
 * nothing of case; an id spelt otherwise is taken as another (unknown) id.
 */
export function simModel(name: string, region: SimRegion): SimModel | undefined {
  return SIM_MODELS.find((m) => m.name === name && m.regions.includes(region));
}

/** The model a stored task names (it was accepted in its region, so no region check). */
export function simModelNamed(name: string): SimModel | undefined {
  return SIM_MODELS.find((m) => m.name === name);
}

export function durationAllowed(rule: SimDurationRule, seconds: number): boolean {
  if (!Number.isInteger(seconds)) return false;
  return rule.kind === 'range'
    ? seconds >= rule.min && seconds <= rule.max
    : rule.values.includes(seconds);
}

export function describeSimDurations(rule: SimDurationRule): string {
  return rule.kind === 'range'
    ? `an integer from ${rule.min} to ${rule.max}`
    : `one of ${rule.values.join(', ')}`;
}
