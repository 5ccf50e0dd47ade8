import { tierNumber, type ModelSpec } from './model-table.js';
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
  }
}
