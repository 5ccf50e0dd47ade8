/**
 * The one table of models vidgate serves (source: reference §2–§5). Validation, the sandbox,
 * the docs (docs/models.md, generated from this file) and, later, pricing read it. Adding a
 * model is one entry in MODELS.
 */
export const RESOLUTION_TIERS = ['480P', '720P', '1080P'] as const;
export type ResolutionTier = (typeof RESOLUTION_TIERS)[number];

/** Which request body a model takes, and which public route serves it. */
export const MODEL_MODES = ['first-frame', 'references', 'text'] as const;
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
  references: 'reference-to-video',
  text: 'text-to-video',
};

export type DurationRule =
  | { kind: 'range'; min: number; max: number; default: number }
  | { kind: 'set'; values: readonly number[]; default: number };

export type OutputRule =
  | { kind: 'tier'; tiers: readonly ResolutionTier[]; default: ResolutionTier }
  | { kind: 'size'; sizes: readonly string[]; default: string };

/** How DashScope reports `usage` for the model's family (reference §7.3). */
export type UsageShape = 'wan2.6-video' | 'wan2.6-references' | 'wan2.6-text' | 'wan2.5-video';

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
  readonly name: string;
  readonly mode: ModelMode;
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

const MB = 1024 * 1024;

export const SIZES_480P = ['832*480', '480*832', '624*624'] as const;
export const SIZES_720P = ['1280*720', '720*1280', '960*960', '1088*832', '832*1088'] as const;
export const SIZES_1080P = [
  '1920*1080',
  '1080*1920',
  '1440*1440',
  '1632*1248',
  '1248*1632',
] as const;

/** Image inputs: latest official limits for wan2.6/wan2.5 (reference §3, §13.2–3). */
export const IMAGE_INPUT: ImageInputRule = {
  formats: ['JPEG', 'JPG', 'PNG', 'BMP', 'WEBP'],
  minSidePx: 240,
  maxSidePx: 8000,
  maxBytes: 20 * MB,
  allowAlpha: false,
};

export const AUDIO_INPUT: TimedInputRule = {
  formats: ['WAV', 'MP3'],
  minSeconds: 3,
  maxSeconds: 30,
  maxBytes: 15 * MB,
};

export const REFERENCE_VIDEO_INPUT: TimedInputRule = {
  formats: ['MP4', 'MOV'],
  minSeconds: 1,
  maxSeconds: 30,
  maxBytes: 100 * MB,
};

export const REFERENCE_INPUT: ReferenceInputRule = {
  image: IMAGE_INPUT,
  video: REFERENCE_VIDEO_INPUT,
  maxImages: 5,
  maxVideos: 3,
  maxTotal: 5,
};

const common = {
  taskGroup: 'video-generation',
  promptMaxChars: 1500,
  negativePromptMaxChars: 500,
  seed: { min: 0, max: 2147483647 },
  watermark: true,
} as const;

const firstFrameMedia: InputMediaRules = {
  firstFrame: IMAGE_INPUT,
  audio: AUDIO_INPUT,
  references: null,
};
const referenceMedia: InputMediaRules = {
  firstFrame: null,
  audio: null,
  references: REFERENCE_INPUT,
};
const textMedia: InputMediaRules = { firstFrame: null, audio: AUDIO_INPUT, references: null };

export const MODELS: readonly ModelSpec[] = [
  {
    ...common,
    name: 'wan2.6-i2v',
    mode: 'first-frame',
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    output: { kind: 'tier', tiers: ['720P', '1080P'], default: '1080P' },
    media: firstFrameMedia,
    audioSwitch: false,
    shotType: true,
    shotTypeNeedsPromptExtend: true,
    promptExtend: true,
    template: true,
    promptRequired: false,
    returnsActualPrompt: false,
    usage: 'wan2.6-video',
    typicalRunSeconds: 180,
  },
  {
    ...common,
    name: 'wan2.6-i2v-flash',
    mode: 'first-frame',
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    output: { kind: 'tier', tiers: ['720P', '1080P'], default: '1080P' },
    media: firstFrameMedia,
    audioSwitch: true,
    shotType: true,
    shotTypeNeedsPromptExtend: true,
    promptExtend: true,
    template: true,
    promptRequired: false,
    returnsActualPrompt: false,
    usage: 'wan2.6-video',
    typicalRunSeconds: 90,
  },
  {
    ...common,
    name: 'wan2.5-i2v-preview',
    mode: 'first-frame',
    durations: { kind: 'set', values: [5, 10], default: 5 },
    output: { kind: 'tier', tiers: ['480P', '720P', '1080P'], default: '1080P' },
    media: firstFrameMedia,
    audioSwitch: false,
    shotType: false,
    shotTypeNeedsPromptExtend: false,
    promptExtend: true,
    template: true,
    promptRequired: false,
    returnsActualPrompt: true,
    usage: 'wan2.5-video',
    typicalRunSeconds: 180,
  },
  {
    ...common,
    name: 'wan2.6-r2v',
    mode: 'references',
    durations: { kind: 'range', min: 2, max: 10, default: 5 },
    output: { kind: 'size', sizes: [...SIZES_720P, ...SIZES_1080P], default: '1920*1080' },
    media: referenceMedia,
    audioSwitch: false,
    shotType: true,
    shotTypeNeedsPromptExtend: false,
    promptExtend: false,
    template: false,
    promptRequired: true,
    returnsActualPrompt: false,
    usage: 'wan2.6-references',
    typicalRunSeconds: 240,
  },
  {
    ...common,
    name: 'wan2.6-r2v-flash',
    mode: 'references',
    durations: { kind: 'range', min: 2, max: 10, default: 5 },
    output: { kind: 'size', sizes: [...SIZES_720P, ...SIZES_1080P], default: '1920*1080' },
    media: referenceMedia,
    audioSwitch: true,
    shotType: true,
    shotTypeNeedsPromptExtend: false,
    promptExtend: false,
    template: false,
    promptRequired: true,
    returnsActualPrompt: false,
    usage: 'wan2.6-references',
    typicalRunSeconds: 120,
  },
  {
    ...common,
    name: 'wan2.6-t2v',
    mode: 'text',
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    output: { kind: 'size', sizes: [...SIZES_720P, ...SIZES_1080P], default: '1920*1080' },
    media: textMedia,
    audioSwitch: false,
    shotType: true,
    shotTypeNeedsPromptExtend: true,
    promptExtend: true,
    template: false,
    promptRequired: true,
    returnsActualPrompt: false,
    usage: 'wan2.6-text',
    typicalRunSeconds: 180,
  },
  {
    ...common,
    name: 'wan2.5-t2v-preview',
    mode: 'text',
    durations: { kind: 'set', values: [5, 10], default: 5 },
    output: {
      kind: 'size',
      sizes: [...SIZES_480P, ...SIZES_720P, ...SIZES_1080P],
      default: '1920*1080',
    },
    media: textMedia,
    audioSwitch: false,
    shotType: false,
    shotTypeNeedsPromptExtend: false,
    promptExtend: true,
    template: false,
    promptRequired: true,
    returnsActualPrompt: true,
    usage: 'wan2.5-video',
    typicalRunSeconds: 180,
  },
];

/** `models` is for tests that check a deliberately altered table (the simulator agreement test). */
export function findModel(
  name: string,
  models: readonly ModelSpec[] = MODELS,
): ModelSpec | undefined {
  return models.find((m) => m.name === name);
}

export function modelsForMode(
  mode: ModelMode,
  models: readonly ModelSpec[] = MODELS,
): readonly ModelSpec[] {
  return models.filter((m) => m.mode === mode);
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
  if (rule.kind === 'set') return [...rule.values].sort((a, b) => a - b);
  const out: number[] = [];
  for (let d = rule.min; d <= rule.max; d++) out.push(d);
  return out;
}

export function isAllowedDuration(rule: DurationRule, seconds: number): boolean {
  return rule.kind === 'range'
    ? Number.isInteger(seconds) && seconds >= rule.min && seconds <= rule.max
    : rule.values.includes(seconds);
}

/** "an integer from 2 to 15" / "one of 5, 10", for messages and docs. */
export function describeDurations(rule: DurationRule): string {
  return rule.kind === 'range'
    ? `an integer from ${rule.min} to ${rule.max}`
    : `one of ${rule.values.join(', ')}`;
}
