import { z } from 'zod';
import type { ModelSpec, ResolutionTier, ShotType } from './model-table.js';
import { findModel, tierOfSize } from './model-table.js';

/** The body as accepted by validateRequest: stored as JSON on the task and sent upstream. */
export interface RequestBody {
  model: string;
  input: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

const storedBodySchema = z.object({
  model: z.string(),
  input: z.record(z.string(), z.unknown()),
  parameters: z.record(z.string(), z.unknown()),
});

/** Reads a body back from the store (it was validated when accepted; this guards the type). */
export function parseStoredBody(json: string): RequestBody {
  return storedBodySchema.parse(JSON.parse(json));
}

/** What a model will actually produce for a body, defaults applied (the table decides). */
export interface EffectiveRequest {
  /** truncated to the model's limit, as DashScope does; null when none was sent */
  prompt: string | null;
  negativePrompt: string | null;
  durationSec: number;
  tier: ResolutionTier;
  /** `W*H` for size-driven models; null for tier-driven ones (size follows the first frame) */
  size: string | null;
  withAudio: boolean;
  promptExtend: boolean;
  /** `multi` only where the model has shot types and, if it needs it, prompt_extend is on */
  shotType: ShotType;
  watermark: boolean;
  seed: number | null;
  imgUrl: string | null;
  audioUrl: string | null;
  referenceUrls: string[];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** The first `max` characters, counting as DashScope does: one per character, not per UTF-16 unit. */
export function truncateChars(text: string, max: number): string {
  // UTF-16 length bounds the character count from above, so short texts need no scan
  if (text.length <= max) return text;
  let end = 0;
  let chars = 0;
  while (end < text.length && chars < max) {
    const code = text.codePointAt(end) ?? 0;
    end += code > 0xffff ? 2 : 1;
    chars++;
  }
  return text.slice(0, end);
}

function urlList(v: unknown): string[] | null {
  return Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string') : null;
}

/** Derives the effective values from an already validated body. */
export function effectiveRequest(model: ModelSpec, body: RequestBody): EffectiveRequest {
  const { input, parameters: p } = body;
  const duration = typeof p.duration === 'number' ? p.duration : model.durations.default;
  let tier: ResolutionTier;
  let size: string | null = null;
  if (model.output.kind === 'tier') {
    const r = str(p.resolution)?.toUpperCase();
    tier = model.output.tiers.find((t) => t === r) ?? model.output.default;
  } else {
    size = str(p.size) ?? model.output.default;
    tier = tierOfSize(size) ?? '1080P';
  }
  // audio=false silences only models with the switch, and wins over audio_url (DashScope)
  const withAudio = model.audioSwitch ? p.audio !== false : true;
  const promptExtend = model.promptExtend && p.prompt_extend !== false;
  const shotActive = model.shotType && (!model.shotTypeNeedsPromptExtend || promptExtend);
  const prompt = str(input.prompt);
  const negative = str(input.negative_prompt);
  return {
    prompt: prompt === null ? null : truncateChars(prompt, model.promptMaxChars),
    negativePrompt:
      negative === null ? null : truncateChars(negative, model.negativePromptMaxChars),
    durationSec: duration,
    tier,
    size,
    withAudio,
    promptExtend,
    shotType: shotActive && p.shot_type === 'multi' ? 'multi' : 'single',
    watermark: model.watermark && p.watermark === true,
    seed: typeof p.seed === 'number' ? p.seed : null,
    imgUrl: model.media.firstFrame ? str(input.img_url) : null,
    audioUrl: model.media.audio ? str(input.audio_url) : null,
    referenceUrls: model.media.references
      ? (urlList(input.reference_urls) ?? urlList(input.reference_video_urls) ?? [])
      : [],
  };
}

/**
 * A stored request read once per step: the body as accepted (what a pass-through upstream is
 * sent), the model's row of the table, and what the model will actually produce.
 */
export interface TaskRequest {
  readonly body: RequestBody;
  readonly spec: ModelSpec;
  readonly effective: EffectiveRequest;
}

/** The typed request of an accepted body; a model missing from the table is a code defect. */
export function taskRequestOf(body: RequestBody): TaskRequest {
  const spec = findModel(body.model);
  if (!spec) throw new Error(`task names unknown model ${body.model}`);
  return { body, spec, effective: effectiveRequest(spec, body) };
}

/** Parses a task's stored request. */
export function readTaskRequest(json: string): TaskRequest {
  return taskRequestOf(parseStoredBody(json));
}

/** Every media URL the model will read, in request order. */
export function mediaUrlsOf(req: TaskRequest): string[] {
  const { imgUrl, audioUrl, referenceUrls } = req.effective;
  return [imgUrl, audioUrl, ...referenceUrls].filter((u): u is string => u !== null);
}
