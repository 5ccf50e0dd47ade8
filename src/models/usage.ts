import { tierNumber, type ModelSpec, type ResolutionTier } from './model-table.js';
import type { EffectiveRequest } from './task-request.js';

/** DashScope's `usage` object for a finished task, in the model family's shape (§7.3). */
export function buildUsage(
  model: ModelSpec,
  eff: EffectiveRequest,
  inputVideoSeconds: number,
): Record<string, unknown> {
  const sr = tierNumber(eff.tier);
  const out = eff.durationSec;
  switch (model.usage) {
    case 'wan2.6-video': {
      const usage: Record<string, unknown> = {
        duration: out,
        input_video_duration: 0,
        output_video_duration: out,
        video_count: 1,
        SR: sr,
      };
      if (model.audioSwitch) usage.audio = eff.withAudio;
      return usage;
    }
    case 'wan2.6-references':
      return {
        duration: inputVideoSeconds + out,
        size: eff.size,
        input_video_duration: inputVideoSeconds,
        output_video_duration: out,
        video_count: 1,
        SR: sr,
      };
    case 'wan2.6-text':
      // assumed: the i2v family's fields plus the requested size, as for r2v (docs/models.md)
      return {
        duration: out,
        size: eff.size,
        input_video_duration: 0,
        output_video_duration: out,
        video_count: 1,
        SR: sr,
      };
    case 'wan2.5-video':
      return { duration: out, SR: sr, video_count: 1 };
    case 'media-video':
    case 'kf2v-2.2':
    case 'kf2v-2.1':
    case 'video-duration':
      return outputUsage(model, {
        tier: eff.tier,
        outputSec: out,
        inputVideoSec: inputVideoSeconds,
        ratio: eff.ratio ?? '16:9',
      });
  }
}

/** What a finished video was: the facts every family's `usage` is made from. */
export interface OutputFacts {
  tier: ResolutionTier;
  /** seconds of output, as a JSON number (s2v's follow its audio and may be fractional) */
  outputSec: number;
  /** seconds of input video the family bills (r2v references, edits), 0 for none */
  inputVideoSec: number;
  /** `W:H` as DashScope reports it: the preset, or the input's own ratio */
  ratio: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * `usage` of the families beyond wan2.6 (families §2.5, §4.4, §5, §6–§8): media models bill
 * `duration` = input + output seconds; kf2v, VACE, s2v and animate bill `video_duration`.
 */
export function outputUsage(model: ModelSpec, f: OutputFacts): Record<string, unknown> {
  const sr = tierNumber(f.tier);
  switch (model.usage) {
    case 'kf2v-2.2':
      return { video_duration: f.outputSec, video_count: 1, SR: sr };
    case 'kf2v-2.1':
      return { video_duration: f.outputSec, video_count: 1, video_ratio: 'standard' };
    case 'video-duration':
      return { video_duration: round2(f.outputSec), video_count: 1 };
    // the wan2.6 shapes are buildUsage's; a media-video row and any wan2.6 row reaching here
    // report the media models' shape, whose fields are a superset
    case 'media-video':
    case 'wan2.6-video':
    case 'wan2.6-references':
    case 'wan2.6-text':
    case 'wan2.5-video':
      return {
        duration: round2(f.inputVideoSec + f.outputSec),
        input_video_duration: round2(f.inputVideoSec),
        output_video_duration: round2(f.outputSec),
        video_count: 1,
        SR: sr,
        ratio: f.ratio,
      };
  }
}
