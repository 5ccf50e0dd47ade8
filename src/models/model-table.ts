/**
 * The one table of models vidgate serves (source: reference §2–§5). Validation, the sandbox,
 * the docs (docs/models.md) and, later, pricing read it. Adding a model is one entry here.
 */
export const RESOLUTION_TIERS = ['480P', '720P', '1080P'] as const;
export type ResolutionTier = (typeof RESOLUTION_TIERS)[number];

/** Which request body a model takes, and which public route serves it. */
export type ModelMode = 'first-frame' | 'references' | 'text';

export type DurationRule =
  | { kind: 'range'; min: number; max: number; default: number }
  | { kind: 'set'; values: readonly number[]; default: number };

export type OutputRule =
  | { kind: 'tier'; tiers: readonly ResolutionTier[]; default: ResolutionTier }
  | { kind: 'size'; sizes: readonly string[]; default: string };

/** How DashScope reports `usage` for the model's family (reference §7.3). */
export type UsageShape = 'wan2.6-video' | 'wan2.6-references' | 'wan2.5-video';

export interface ModelSpec {
  readonly name: string;
  readonly mode: ModelMode;
  readonly durations: DurationRule;
  readonly output: OutputRule;
  /** `parameters.audio` switch exists (flash models); otherwise sound is always produced */
  readonly audioSwitch: boolean;
  readonly audioUrl: boolean;
  readonly shotType: boolean;
  /** shot_type only takes effect with prompt_extend=true (i2v/t2v) */
  readonly shotTypeNeedsPromptExtend: boolean;
  readonly promptExtend: boolean;
  readonly template: boolean;
  readonly promptRequired: boolean;
  readonly promptMaxChars: number;
  readonly negativePromptMaxChars: number;
  /** DashScope returns actual_prompt when the prompt was rewritten (not on wan2.6) */
  readonly returnsActualPrompt: boolean;
  readonly usage: UsageShape;
  /** seconds a real task typically takes upstream, as a first estimate before any is learned */
  readonly typicalRunSeconds: number;
}

const SIZES_720P = ['1280*720', '720*1280', '960*960', '1088*832', '832*1088'] as const;
const SIZES_1080P = ['1920*1080', '1080*1920', '1440*1440', '1632*1248', '1248*1632'] as const;
const SIZES_480P = ['832*480', '480*832', '624*624'] as const;

const common = {
  promptMaxChars: 1500,
  negativePromptMaxChars: 500,
} as const;

export const MODELS: readonly ModelSpec[] = [
  {
    ...common,
    name: 'wan2.6-i2v',
    mode: 'first-frame',
    durations: { kind: 'range', min: 2, max: 15, default: 5 },
    output: { kind: 'tier', tiers: ['720P', '1080P'], default: '1080P' },
    audioSwitch: false,
    audioUrl: true,
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
    audioSwitch: true,
    audioUrl: true,
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
    audioSwitch: false,
    audioUrl: true,
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
    audioSwitch: false,
    audioUrl: false,
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
    audioSwitch: true,
    audioUrl: false,
    shotType: true,
    shotTypeNeedsPromptExtend: false,
    promptExtend: false,
    template: false,
    promptRequired: true,
    returnsActualPrompt: false,
    usage: 'wan2.6-references',
    typicalRunSeconds: 120,
  },
];

export function findModel(name: string): ModelSpec | undefined {
  return MODELS.find((m) => m.name === name);
}

export function modelsForMode(mode: ModelMode): readonly ModelSpec[] {
  return MODELS.filter((m) => m.mode === mode);
}

export const SIZE_TIERS: Readonly<Record<string, ResolutionTier>> = Object.fromEntries([
  ...SIZES_480P.map((s) => [s, '480P'] as const),
  ...SIZES_720P.map((s) => [s, '720P'] as const),
  ...SIZES_1080P.map((s) => [s, '1080P'] as const),
]);

/** The tier a `W*H` size belongs to (r2v/t2v sizes), used for usage.SR and pricing. */
export function tierOfSize(size: string): ResolutionTier | undefined {
  return SIZE_TIERS[size];
}

export function tierNumber(tier: ResolutionTier): number {
  return Number(tier.slice(0, -1));
}
