import type { SimCreateBody } from '../sim-task.js';
import { SIM_LIMITS, simTierOfSize, srOf, type SimModel, type SimTier } from './sim-catalogue.js';
import { simReferenceKind } from './sim-media-url.js';

/** What a task accepted by checkCreateBody produces, defaults applied. */
export interface SimOutputSpec {
  durationSec: number;
  tier: SimTier;
  /** `W*H` for size models; null for tier models */
  size: string | null;
  width: number;
  height: number;
  withAudio: boolean;
  seed: number | null;
}

/**
 * §3 resolution: "aspect ratio follows the input image". The simulator never downloads the
 * image, so it renders the tier's 16:9 size (the first size §4 lists per tier, 480P from §5.1).
 */
const TIER_SIZE: Readonly<Record<SimTier, readonly [number, number]>> = {
  '480P': [832, 480],
  '720P': [1280, 720],
  '1080P': [1920, 1080],
};

export function simOutputOf(model: SimModel, body: SimCreateBody): SimOutputSpec {
  const p = body.parameters;
  // §3/§4/§5.1 "duration … default 5"
  const durationSec = typeof p.duration === 'number' ? p.duration : SIM_LIMITS.defaultDuration;
  let tier: SimTier;
  let size: string | null = null;
  let width: number;
  let height: number;
  if (model.output.kind === 'tier') {
    const asked = typeof p.resolution === 'string' ? p.resolution.toUpperCase() : null;
    tier = model.output.tiers.find((t) => t === asked) ?? model.output.default;
    [width, height] = TIER_SIZE[tier];
  } else {
    size = typeof p.size === 'string' ? p.size : model.output.default;
    tier = simTierOfSize(size) ?? '1080P';
    const [w = 0, h = 0] = size.split('*').map(Number);
    [width, height] = [w, h];
  }
  return {
    durationSec,
    tier,
    size,
    width,
    height,
    // §3 audio: "wan2.6-i2v-flash only … audio=false → silent video"; the rest always sound
    withAudio: model.audioSwitch ? p.audio !== false : true,
    seed: typeof p.seed === 'number' ? p.seed : null,
  };
}

/** §2.1 / §7.1 actual_prompt: "only if prompt_extend=true and not wan2.6" (default true). */
export function returnsActualPrompt(model: SimModel, body: SimCreateBody): boolean {
  return model.returnsActualPrompt && body.parameters.prompt_extend !== false;
}

/** The reference URLs a references model reads (§4; the deprecated list when the new is absent). */
export function referenceUrlsOf(model: SimModel, body: SimCreateBody): string[] {
  if (model.mode !== 'references') return [];
  const { reference_urls: refs, reference_video_urls: legacy } = body.input;
  const list = Array.isArray(refs) ? refs : Array.isArray(legacy) ? legacy : [];
  return list.filter((u): u is string => typeof u === 'string');
}

/**
 * §7.3: DashScope's `usage` for a SUCCEEDED task. The simulator never downloads references, so
 * each one that is recognisably a video (sim-media-url.ts) counts `referenceVideoSeconds`.
 */
export function simUsage(
  model: SimModel,
  body: SimCreateBody,
  referenceVideoSeconds: number,
): Record<string, unknown> {
  const out = simOutputOf(model, body);
  const SR = srOf(out.tier);
  const output = out.durationSec;
  switch (model.usage) {
    case 'wan2.6-i2v': {
      // "duration (= input + output), input_video_duration (always 0 for i2v),
      // output_video_duration, SR, video_count (1), audio (bool, wan2.6-i2v-flash only)"
      const usage: Record<string, unknown> = {
        duration: output,
        input_video_duration: 0,
        output_video_duration: output,
        video_count: 1,
        SR,
      };
      if (model.audioSwitch) usage.audio = out.withAudio;
      return usage;
    }
    case 'wan2.6-r2v': {
      // "duration (float; = input + output), input_video_duration (seconds of reference
      // video), output_video_duration, SR, size, video_count"
      const videos = referenceUrlsOf(model, body).filter((u) => simReferenceKind(u) === 'video');
      const input = videos.length * referenceVideoSeconds;
      return {
        duration: input + output,
        size: out.size,
        input_video_duration: input,
        output_video_duration: output,
        video_count: 1,
        SR,
      };
    }
    case 'wan2.6-t2v':
      // The reference is silent on wan2.6-t2v's usage. It is size-driven like r2v and reads no
      // video, so: r2v's fields with input_video_duration 0.
      return {
        duration: output,
        size: out.size,
        input_video_duration: 0,
        output_video_duration: output,
        video_count: 1,
        SR,
      };
    case 'wan2.5':
      // "wan2.5 / wan2.2: duration (5/10), SR, video_count"
      return { duration: output, SR, video_count: 1 };
  }
}
