import type { MediaInfo, MediaKind } from '../../media/inline-media.js';
import type { MediaRole, MediaSlot } from '../media-slot.js';
import {
  type ImageInputRule,
  type TimedInputRule,
  describeDurations,
  isAllowedDuration,
  type ModelSpec,
  type ResolutionTier,
} from '../model-table.js';
import { firstFrameOutputSize, ratioOutputSize } from '../output-size.js';
import { truncateChars } from '../prompt-text.js';
import { got, invalidParameter, showValue, type RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import { absent, str, type Fields } from './field-checks.js';
import type { CheckedSlot, PlanAudio, PlanVisual, SandboxPlan } from './model-family.js';
import { outputUsage } from '../usage.js';

/** `parameters.resolution` against the row's tiers (upper-cased, as validation stores it). */
export function checkResolution(spec: ModelSpec, p: Fields): RequestProblem | null {
  const r = p.resolution;
  if (absent(r)) return null;
  if (spec.output.kind !== 'tier') return null;
  if (typeof r !== 'string') {
    return invalidParameter(`Field 'parameters.resolution' must be a string, ${got(r)}.`);
  }
  const tiers = spec.output.tiers;
  if (tiers.some((t) => t === r.toUpperCase())) return null;
  return invalidParameter(
    `Field 'parameters.resolution' for model ${spec.name} must be one of ${tiers.join(', ')}, got ${showValue(r)}.`,
  );
}

/** `parameters.ratio` against the row's list; a model without one takes its input's aspect. */
export function checkRatio(
  spec: ModelSpec,
  p: Fields,
  follows = 'the input',
): RequestProblem | null {
  const r = p.ratio;
  if (absent(r)) return null;
  if (spec.ratios.length === 0) {
    return invalidParameter(
      `Field 'parameters.ratio' is not supported by model ${spec.name}: the video keeps the aspect ratio of ${follows}.`,
    );
  }
  if (typeof r === 'string' && spec.ratios.includes(r)) return null;
  return invalidParameter(
    `Field 'parameters.ratio' for model ${spec.name} must be one of ${spec.ratios.join(', ')}, ${got(r)}.`,
  );
}

export function checkDuration(spec: ModelSpec, d: unknown, extra?: number): RequestProblem | null {
  if (absent(d)) return null;
  if (extra !== undefined && d === extra) return null;
  if (typeof d !== 'number' || !isAllowedDuration(spec.durations, d)) {
    const also = extra === undefined ? '' : ` (or ${extra})`;
    return invalidParameter(
      `Field 'parameters.duration' for model ${spec.name} must be ${describeDurations(spec.durations)} seconds${also}, ${got(d)}.`,
    );
  }
  return null;
}

export function tierOf(spec: ModelSpec, p: Fields): ResolutionTier {
  if (spec.output.kind !== 'tier') return '1080P';
  const r = str(p.resolution)?.toUpperCase();
  return spec.output.tiers.find((t) => t === r) ?? spec.output.default;
}

/**
 * The effective values most families share: prompts cut as DashScope cuts them, the tier, the
 * row's defaults; `over` gives what the family decides itself (length, ratio, sound).
 */
export function baseEffective(
  spec: ModelSpec,
  body: RequestBody,
  media: readonly MediaSlot[],
  over: Partial<EffectiveRequest> = {},
): EffectiveRequest {
  const { input, parameters: p } = body;
  const prompt = str(input.prompt);
  const negative = str(input.negative_prompt);
  const watermarkSent = typeof p.watermark === 'boolean' ? p.watermark : null;
  return {
    prompt: prompt === null ? null : truncateChars(prompt, spec.promptMaxChars),
    negativePrompt: negative === null ? null : truncateChars(negative, spec.negativePromptMaxChars),
    durationSec: typeof p.duration === 'number' ? p.duration : spec.durations.default,
    tier: tierOf(spec, p),
    size: null,
    withAudio: true,
    promptExtend: spec.promptExtend && p.prompt_extend !== false,
    shotType: 'single',
    watermark: watermarkSent ?? spec.watermarkDefault,
    seed: typeof p.seed === 'number' && p.seed >= 0 ? p.seed : null,
    imgUrl: null,
    audioUrl: null,
    referenceUrls: [],
    media,
    ratio: str(p.ratio) ?? spec.ratios[0] ?? null,
    ...over,
  };
}

/** The first read input of a role. */
export function slotOf(media: readonly CheckedSlot[], role: MediaRole): CheckedSlot | undefined {
  return media.find((m) => m.slot.role === role);
}

export function allOf(media: readonly CheckedSlot[], role: MediaRole): CheckedSlot[] {
  return media.filter((m) => m.slot.role === role);
}

/** Width and height of an image or video input. */
export function dimsOf(info: MediaInfo): { width: number; height: number } | null {
  return info.kind === 'image' || info.kind === 'video'
    ? { width: info.width, height: info.height }
    : null;
}

export function secondsOf(info: MediaInfo): number {
  return info.kind === 'video' || info.kind === 'audio' ? (info.durationSec ?? 0) : 0;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** An input's raw `W:H` (DashScope reports e.g. "3368:3409" for a first frame). */
export function rawRatio(width: number, height: number): string {
  const g = gcd(width, height) || 1;
  return `${width / g}:${height / g}`;
}

/** The output size: the preset ratio's, or the input's aspect at the tier's area. */
export function outputSize(
  tier: ResolutionTier,
  ratio: string | null,
  follow: { width: number; height: number } | null,
): { width: number; height: number } {
  if (ratio !== null && ratio !== 'adaptive') {
    const sized = ratioOutputSize(tier, ratio);
    if (sized) return sized;
  }
  if (follow) return firstFrameOutputSize(follow.width, follow.height, tier);
  return ratioOutputSize(tier, '16:9') ?? { width: 1280, height: 720 };
}

/** The sound of an output: none, an input's track, or the sandbox's own tone. */
export function audioFrom(slot: CheckedSlot | undefined, wanted: boolean): PlanAudio {
  if (!wanted) return { kind: 'none' };
  if (!slot) return { kind: 'synth' };
  if (slot.info.kind === 'video' && !slot.info.hasAudio) return { kind: 'synth' };
  return { kind: 'file', field: slot.slot.field };
}

/** Total seconds of the read inputs of a role (reference videos, reference audio). */
export function totalSeconds(media: readonly CheckedSlot[], role: MediaRole): number {
  return allOf(media, role).reduce((s, m) => s + secondsOf(m.info), 0);
}

/** A refusal of inputs whose total length is too long (Wan 3.0's 15 s of references). */
export function tooLong(path: string, what: string, total: number, max: number): RequestProblem {
  return invalidParameter(
    `Field '${path}': the ${what} last ${Math.round(total * 100) / 100} s together; at most ${max} s are allowed.`,
  );
}

/**
 * An edit's sound (families §2.4, §4.3): `origin` keeps the input's track (silent when it has
 * none); `auto` keeps it when there is one, else the model makes its own.
 */
export function editAudio(video: CheckedSlot, setting: unknown): PlanAudio {
  const hasTrack = video.info.kind === 'video' && video.info.hasAudio;
  if (hasTrack) return { kind: 'file', field: video.slot.field };
  return setting === 'origin' ? { kind: 'none' } : { kind: 'synth' };
}

/** A flat URL field of a family (kf2v, s2v, animate): where it is and what it must hold. */
export interface FlatMediaField {
  readonly key: string;
  readonly kind: MediaKind;
  readonly role: MediaRole;
  readonly limits: ImageInputRule | TimedInputRule;
}

/** The slots of the flat URL fields a body fills, in the family's order. */
export function flatSlots(input: Fields, fields: readonly FlatMediaField[]): MediaSlot[] {
  return fields.flatMap(({ key, kind, role, limits }): MediaSlot[] => {
    const url = input[key];
    return typeof url === 'string' ? [{ field: `input.${key}`, url, kind, role, limits }] : [];
  });
}

/** What a family decides about its video; `planOf` adds what every family shares. */
export interface PlanParts {
  readonly visual: PlanVisual;
  readonly size: { readonly width: number; readonly height: number };
  readonly durationSec: number;
  readonly audio: PlanAudio;
  /** billed seconds of input video (r2v references, edits); 0 when absent */
  readonly inputVideoSec?: number;
  /** `usage.ratio` (or kf2v's `video_ratio`): a preset, or the followed input's W:H */
  readonly ratio: string;
}

/** The sandbox plan: the family's parts with the row's fps, mark and usage shape. */
export function planOf(spec: ModelSpec, eff: EffectiveRequest, p: PlanParts): SandboxPlan {
  return {
    visual: p.visual,
    width: p.size.width,
    height: p.size.height,
    durationSec: p.durationSec,
    fps: spec.fps,
    audio: p.audio,
    watermark: eff.watermark ? spec.watermarkText : null,
    usage: outputUsage(spec, {
      tier: eff.tier,
      outputSec: p.durationSec,
      inputVideoSec: p.inputVideoSec ?? 0,
      ratio: p.ratio,
    }),
  };
}
