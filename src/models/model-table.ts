/**
 * The one table of models vidgate serves (source: reference §2–§5). Validation, the sandbox,
 * the docs (docs/models.md, generated from this file) and, later, pricing read it. Adding a
 * model is one entry in MODELS.
 */
export const RESOLUTION_TIERS = ['480P', '720P', '1080P'] as const;
export type ResolutionTier = (typeof RESOLUTION_TIERS)[number];

/**
 * What kind of request a body is; it picks the seed face's route. A model may serve several
 * (Wan 3.0 serves all but speech and animate); a request has exactly one, told by its inputs.
 */
export const MODEL_MODES = [
  'first-frame',
  'first-last-frame',
  'references',
  'text',
  'video-edit',
  'speech',
  'animate',
] as const;
export type ModelMode = (typeof MODEL_MODES)[number];

/**
 * DashScope's create paths are `/api/v1/services/aigc/<task group>/video-synthesis`; the group is
 * the model's (reference §1; families §1.1: kf2v, s2v and animate live under `image2video`).
 */
export const TASK_GROUPS = ['video-generation', 'image2video'] as const;
export type TaskGroup = (typeof TASK_GROUPS)[number];

/** A model's create path below DashScope's `/api/v1`, where its own SDKs send it. */
export function createPathOf(m: Pick<ModelSpec, 'taskGroup'>): string {
  return `/services/aigc/${m.taskGroup}/video-synthesis`;
}

/** How people call each mode, for messages and docs. */
export const MODE_LABELS: Readonly<Record<ModelMode, string>> = {
  'first-frame': 'image-to-video (first frame)',
  'first-last-frame': 'image-to-video (first and last frame)',
  references: 'reference-to-video',
  text: 'text-to-video',
  'video-edit': 'video editing',
  speech: 'speech-to-video',
  animate: 'image animation',
};

/** The DashScope regions a model may be offered in (families §1.1). */
export const DASHSCOPE_REGION_NAMES = ['beijing', 'singapore', 'virginia', 'hongkong'] as const;
export type DashScopeRegion = (typeof DASHSCOPE_REGION_NAMES)[number];

/** The families of models (models/families/): each reads and checks its own request schema. */
export const FAMILY_IDS = [
  'wan2.6',
  'wan2.7',
  'wan3.0',
  'happyhorse',
  'kf2v',
  'vace',
  's2v',
  'animate',
] as const;
export type FamilyId = (typeof FAMILY_IDS)[number];

/**
 * A list price per output second, in millionths of the currency (integers: no floating point in
 * money). `variant` names a price that depends on a parameter (animate's `mode`).
 */
export interface ModelPrice {
  readonly region: DashScopeRegion;
  readonly currency: 'CNY' | 'USD';
  readonly tier: ResolutionTier | 'any';
  readonly perSecondMicros: number;
  readonly variant?: string;
  /** the source is secondary (a relay, a client's table); see the families reference */
  readonly unverified?: boolean;
}

/** `follows`: no `duration` field; the length follows an input (s2v, animate, edits). */
export type DurationRule =
  | { kind: 'range'; min: number; max: number; default: number }
  | { kind: 'set'; values: readonly number[]; default: number }
  | { kind: 'follows'; default: number };

export type OutputRule =
  | { kind: 'tier'; tiers: readonly ResolutionTier[]; default: ResolutionTier }
  | { kind: 'size'; sizes: readonly string[]; default: string };

/**
 * How DashScope reports `usage` for the model (reference §7.3; families §2.5, §4.4, §5–§8):
 * `media-video` = duration (billed: input + output), input/output seconds, count, SR, ratio;
 * `kf2v-2.2` / `kf2v-2.1` = video_duration, video_count and SR or video_ratio;
 * `video-duration` = video_duration (billed) and video_count.
 */
export type UsageShape =
  | 'wan2.6-video'
  | 'wan2.6-references'
  | 'wan2.6-text'
  | 'wan2.5-video'
  | 'media-video'
  | 'kf2v-2.2'
  | 'kf2v-2.1'
  | 'video-duration';

export const SHOT_TYPES = ['single', 'multi'] as const;
export type ShotType = (typeof SHOT_TYPES)[number];

/** An image input (first frame, reference image), as the latest DashScope pages state it. */
export interface ImageInputRule {
  readonly formats: readonly string[];
  /** each of width and height must lie in [minSidePx, maxSidePx] */
  readonly minSidePx: number;
  readonly maxSidePx: number;
  readonly maxBytes: number;
  /** DashScope lists "PNG (no alpha channel)": false refuses PNGs with transparency */
  readonly allowAlpha: boolean;
}

/** An audio or video input with a length limit. */
export interface TimedInputRule {
  readonly formats: readonly string[];
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly maxBytes: number;
}

/** `input.reference_urls`: each URL is one image or one video (reference §4). */
export interface ReferenceInputRule {
  readonly image: ImageInputRule;
  readonly video: TimedInputRule;
  readonly maxImages: number;
  readonly maxVideos: number;
  readonly maxTotal: number;
}

/** The media a model reads; null = the field is not part of the model's schema. */
export interface InputMediaRules {
  /** `input.img_url` (required when present) */
  readonly firstFrame: ImageInputRule | null;
  /** `input.audio_url` (optional): the soundtrack; cut or padded with silence to the duration */
  readonly audio: TimedInputRule | null;
  /** `input.reference_urls` (required when present) */
  readonly references: ReferenceInputRule | null;
}

export interface SeedRule {
  readonly min: number;
  readonly max: number;
}

export interface ModelSpec {
  /** the id clients send; a regional id of `regions` names the same model */
  readonly name: string;
  /** the model's main mode, for labels; `modes` lists every mode it serves */
  readonly mode: ModelMode;
  readonly modes: readonly ModelMode[];
  /** the module that reads and checks the model's requests (models/families/) */
  readonly family: FamilyId;
  /** the model's id in each region that offers it (families §1.1: kf2v and VACE differ) */
  readonly regions: Readonly<Partial<Record<DashScopeRegion, string>>>;
  readonly prices: readonly ModelPrice[];
  /** `parameters.ratio` values, default first; empty where the output follows an input */
  readonly ratios: readonly string[];
  /** frames per second of the model's output (30 for Wan 2.7 / 3.0 and VACE, families §10) */
  readonly fps: 24 | 30;
  /** `watermark`'s default and the mark it burns in */
  readonly watermarkDefault: boolean;
  readonly watermarkText: string;
  /** facts the families reference marks uncertain (⚠), said in docs/models.md */
  readonly unverified: readonly string[];
  /**
   * The model's own limits on an upstream account, below the channel's (families §5–§8 and
   * reference §10: kf2v and VACE 2 / 2, s2v and animate one running task); absent: the channel's.
   */
  readonly upstreamLimits?: { readonly submitPerSecond: number; readonly maxRunning: number };
  /** where DashScope takes its creates (`createPathOf`) */
  readonly taskGroup: TaskGroup;
  readonly durations: DurationRule;
  readonly output: OutputRule;
  readonly media: InputMediaRules;
  /** `parameters.audio` switch exists (flash models); otherwise sound is always produced */
  readonly audioSwitch: boolean;
  readonly shotType: boolean;
  /** shot_type only takes effect with prompt_extend=true (i2v/t2v) */
  readonly shotTypeNeedsPromptExtend: boolean;
  /** `parameters.prompt_extend` is in the model's schema (default true) */
  readonly promptExtend: boolean;
  /** `input.template` (video-effect templates) is in the model's schema */
  readonly template: boolean;
  readonly promptRequired: boolean;
  readonly promptMaxChars: number;
  readonly negativePromptMaxChars: number;
  readonly seed: SeedRule;
  /** `parameters.watermark` is in the model's schema (default false) */
  readonly watermark: boolean;
  /** DashScope returns actual_prompt when the prompt was rewritten (not on wan2.6) */
  readonly returnsActualPrompt: boolean;
  readonly usage: UsageShape;
  /** seconds a real task typically takes upstream, as a first estimate before any is learned */
  readonly typicalRunSeconds: number;
}

import { SIZES_1080P, SIZES_480P, SIZES_720P } from './input-rules.js';
import { MODELS } from './model-rows.js';

export {
  AUDIO_INPUT,
  IMAGE_INPUT,
  REFERENCE_INPUT,
  REFERENCE_VIDEO_INPUT,
  SIZES_1080P,
  SIZES_480P,
  SIZES_720P,
} from './input-rules.js';
export { MODELS } from './model-rows.js';

/** The flat-field models (wan2.6 / wan2.5), whose table-driven cases derive from their rows. */
export function flatModels(models: readonly ModelSpec[] = MODELS): readonly ModelSpec[] {
  return models.filter((m) => m.family === 'wan2.6');
}

/** `models` is for tests that check a deliberately altered table (the simulator agreement test). */
export function findModel(
  name: string,
  models: readonly ModelSpec[] = MODELS,
): ModelSpec | undefined {
  return models.find((m) => m.name === name || Object.values(m.regions).includes(name));
}

export function modelsForMode(
  mode: ModelMode,
  models: readonly ModelSpec[] = MODELS,
): readonly ModelSpec[] {
  return models.filter((m) => m.modes.includes(mode));
}

/** The modes each seed route accepts: image2video takes a first frame with or without a last. */
export const ROUTE_ACCEPTS: Readonly<Record<ModelMode, readonly ModelMode[]>> = {
  'first-frame': ['first-frame', 'first-last-frame'],
  'first-last-frame': ['first-last-frame'],
  references: ['references'],
  text: ['text'],
  'video-edit': ['video-edit'],
  speech: ['speech'],
  animate: ['animate'],
};

/** The model's id in a region; undefined when the region does not offer it. */
export function regionalId(m: ModelSpec, region: DashScopeRegion): string | undefined {
  return m.regions[region];
}

export const SIZE_TIERS: Readonly<Record<string, ResolutionTier>> = Object.fromEntries([
  ...SIZES_480P.map((s) => [s, '480P'] as const),
  ...SIZES_720P.map((s) => [s, '720P'] as const),
  ...SIZES_1080P.map((s) => [s, '1080P'] as const),
]);

/** The tier a `W*H` size belongs to (r2v/t2v sizes), used for usage.SR and pricing. */
export function tierOfSize(size: string): ResolutionTier | undefined {
  return Object.hasOwn(SIZE_TIERS, size) ? SIZE_TIERS[size] : undefined;
}

export function tierNumber(tier: ResolutionTier): number {
  return Number(tier.slice(0, -1));
}

/** Every duration a model accepts, smallest first (ranges expanded). */
export function allowedDurations(rule: DurationRule): number[] {
  if (rule.kind === 'follows') return [];
  if (rule.kind === 'set') return [...rule.values].sort((a, b) => a - b);
  const out: number[] = [];
  for (let d = rule.min; d <= rule.max; d++) out.push(d);
  return out;
}

export function isAllowedDuration(rule: DurationRule, seconds: number): boolean {
  if (rule.kind === 'follows') return false;
  return rule.kind === 'range'
    ? Number.isInteger(seconds) && seconds >= rule.min && seconds <= rule.max
    : rule.values.includes(seconds);
}

/** "an integer from 2 to 15" / "one of 5, 10", for messages and docs. */
export function describeDurations(rule: DurationRule): string {
  if (rule.kind === 'follows') return 'not set (the length follows the input)';
  return rule.kind === 'range'
    ? `an integer from ${rule.min} to ${rule.max}`
    : `one of ${rule.values.join(', ')}`;
}
