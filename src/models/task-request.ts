import { z } from 'zod';
import { familyOf } from './families/registry.js';
import type { MediaSlot } from './media-slot.js';
import type { ModelSpec, ResolutionTier, ShotType } from './model-table.js';
import { findModel } from './model-table.js';

export { truncateChars } from './prompt-text.js';

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
  /** wan2.6's flat fields as sent (null / empty for other families) */
  imgUrl: string | null;
  audioUrl: string | null;
  referenceUrls: string[];
  /** every media input the model reads, in request order, with its field's own limits */
  media: readonly MediaSlot[];
  /** `parameters.ratio` as it applies (default included); null where the output follows an input */
  ratio: string | null;
}

/** What a model will produce for an already validated body: its family decides. */
export function effectiveRequest(model: ModelSpec, body: RequestBody): EffectiveRequest {
  return familyOf(model).effective(model, body);
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
  return req.effective.media.map((m) => m.url);
}
