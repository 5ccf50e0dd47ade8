import type { ModelSpec, ResolutionTier } from './model-table.js';
import { tierOfSize } from './model-table.js';

/** The client's body as accepted: passed upstream unchanged, stored as JSON on the task. */
export interface RequestBody {
  model: string;
  input: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

/** What a model will actually produce for a body, defaults applied (the table decides). */
export interface EffectiveRequest {
  prompt: string | null;
  durationSec: number;
  tier: ResolutionTier;
  /** `W*H` for size-driven models; null for tier-driven ones (size follows the first frame) */
  size: string | null;
  withAudio: boolean;
  seed: number | null;
  imgUrl: string | null;
  audioUrl: string | null;
  referenceUrls: string[];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Derives the effective values from an already validated body. */
export function effectiveRequest(model: ModelSpec, body: RequestBody): EffectiveRequest {
  const { input, parameters: p } = body;
  const duration = typeof p.duration === 'number' ? p.duration : model.durations.default;
  let tier: ResolutionTier;
  let size: string | null = null;
  if (model.output.kind === 'tier') {
    const r = str(p.resolution);
    tier = model.output.tiers.find((t) => t === r?.toUpperCase()) ?? model.output.default;
  } else {
    size = str(p.size) ?? model.output.default;
    tier = tierOfSize(size) ?? '1080P';
  }
  // audio=false silences only models with the switch; audio_url without the switch still sounds
  const withAudio = model.audioSwitch ? p.audio !== false : true;
  const prompt = str(input.prompt);
  return {
    prompt: prompt === null ? null : prompt.slice(0, model.promptMaxChars),
    durationSec: duration,
    tier,
    size,
    withAudio,
    seed: typeof p.seed === 'number' ? p.seed : null,
    imgUrl: str(input.img_url),
    audioUrl: model.audioUrl ? str(input.audio_url) : null,
    referenceUrls: Array.isArray(input.reference_urls)
      ? input.reference_urls.filter((u): u is string => typeof u === 'string')
      : [],
  };
}
