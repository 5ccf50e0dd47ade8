import type { ApiErrorCode } from '../contract/error-codes.js';
import type { MediaChecker } from '../media/media-checker.js';
import { seedRouteOf } from '../contract/routes.js';
import type { ModelMode } from '../models/model-table.js';
import { MODELS } from '../models/model-table.js';
import { validateRequest, type CreateScope } from '../models/validate-request.js';
import type { TaskInputs } from './task-inputs.js';

export interface IntakeDeps {
  media: MediaChecker;
  inputs: TaskInputs;
}

/** A create body, checked and with its inline media stored: what the task row will hold. */
export type Intake =
  | { ok: true; model: string; mode: ModelMode; request: string; remote: boolean }
  | { ok: false; code: ApiErrorCode; message: string };

/**
 * Everything a create does before its row exists: the body checked against the model table,
 * inline media checked and moved into storage. Pure of the event loop it runs on, so the big
 * bodies run it on an intake thread (IntakePool) and the small ones inline.
 */
export async function intakeCreate(
  d: IntakeDeps,
  taskId: string,
  scope: CreateScope,
  raw: unknown,
): Promise<Intake> {
  const checked = validateRequest(scope, raw, MODELS, seedRouteOf);
  if (!checked.ok) return checked;
  const inline = await d.media.checkInline(checked.body);
  if (!inline.ok) return inline;
  // the row keeps references to stored copies of inline media, not megabytes of base64
  const stored = await d.inputs.offload(taskId, checked.body);
  return {
    ok: true,
    model: checked.model.name,
    mode: checked.mode,
    request: JSON.stringify(stored.body),
    // remote media is fetched and checked by a worker before any upstream is used
    remote: d.media.hasRemote(checked.body),
  };
}

/**
 * A JSON body too large to parse on the event loop (src/http's parser hands these over as they
 * came): the intake thread parses it.
 */
export class LargeJsonBody {
  constructor(readonly bytes: Buffer) {}
}
