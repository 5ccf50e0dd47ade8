import { checkFamilyBody } from './rules/families/check-family-body.js';
import {
  simFamilyModel,
  type SimFamilyModel,
  type SimTaskGroup,
} from './rules/families/family-catalogue.js';
import { checkSimInput } from './rules/check-sim-input.js';
import { checkSimParameters } from './rules/check-sim-parameters.js';
import { simModel, type SimModel } from './rules/sim-catalogue.js';
import { invalidParameter, isFields, type CreateProblem } from './rules/sim-problem.js';
import type { SimRegion } from './sim-options.js';
import type { SimCreateBody } from './sim-task.js';

export type { CreateProblem } from './rules/sim-problem.js';

/** A create of the flat wan2.6/wan2.5 catalogue (sim-catalogue.ts). */
export type CreateCheck =
  { ok: true; model: SimModel; body: SimCreateBody } | ({ ok: false } & CreateProblem);

/** A create of any model the simulator serves: flat (wan2.6/2.5) or a family (rules/families/). */
export type SimCreateCheck =
  | { ok: true; kind: 'flat'; model: SimModel; body: SimCreateBody }
  | { ok: true; kind: 'family'; model: SimFamilyModel; body: SimCreateBody }
  | ({ ok: false } & CreateProblem);

/**
 * The checks DashScope makes synchronously on a create, from the simulator's own catalogue
 * (rules/), never vidgate's: the simulator must reject what DashScope rejects at the door and
 * accept what it accepts. `group` is the create path the body came on
 * (`/services/aigc/<group>/video-synthesis`).
 */
export function checkSimCreate(
  raw: unknown,
  region: SimRegion,
  group: SimTaskGroup,
): SimCreateCheck {
  if (!isFields(raw)) return fail(invalidParameter('The request body must be a JSON object.'));
  // §9 "BadRequest.EmptyModel / EmptyInput: missing model / input"
  if (raw.model === undefined || raw.model === null || raw.model === '') {
    return fail({
      status: 400,
      code: 'BadRequest.EmptyModel',
      message: 'Required parameter "model" missing from request.',
    });
  }
  const name = typeof raw.model === 'string' ? raw.model : undefined;
  const flat = name === undefined ? undefined : simModel(name, region);
  const family = name === undefined || flat ? undefined : simFamilyModel(name, region);
  // §1 "cross-region calls fail"; the answer for an unknown model is a guess (docs/simulator.md)
  if (!flat && !family) return fail(invalidParameter('Model not exist.'));
  // F§1.1 each model has one create path; the answer on the other one is a guess (docs)
  if ((family?.group ?? 'video-generation') !== group)
    return fail(invalidParameter('url error, please check url!'));
  if (raw.input === undefined || raw.input === null) {
    return fail({
      status: 400,
      code: 'BadRequest.EmptyInput',
      message: 'Required parameter "input" missing from request.',
    });
  }
  if (!isFields(raw.input)) return fail(invalidParameter('Field input must be an object.'));
  if (raw.parameters !== undefined && raw.parameters !== null && !isFields(raw.parameters))
    return fail(invalidParameter('Field parameters must be an object.'));
  const parameters = isFields(raw.parameters) ? raw.parameters : {};
  const input = raw.input;
  if (family) {
    const problem = checkFamilyBody(family, input, parameters);
    if (problem) return fail(problem);
    return {
      ok: true,
      kind: 'family',
      model: family,
      body: { model: family.name, input, parameters },
    };
  }
  if (!flat) return fail(invalidParameter('Model not exist.'));
  const problem = checkSimInput(flat, input) ?? checkSimParameters(flat, parameters);
  if (problem) return fail(problem);
  return { ok: true, kind: 'flat', model: flat, body: { model: flat.name, input, parameters } };
}

/**
 * The flat catalogue's checks on the `video-generation` path: the entry point of the agreement
 * test (test/support/simulator-agreement.ts), which holds vidgate's flat wan2.6/wan2.5 table
 * against it. A family model is not in that catalogue and is answered as unknown here.
 */
export function checkCreateBody(raw: unknown, region: SimRegion): CreateCheck {
  const r = checkSimCreate(raw, region, 'video-generation');
  if (!r.ok) return r;
  if (r.kind === 'family') return fail(invalidParameter('Model not exist.'));
  return { ok: true, model: r.model, body: r.body };
}

function fail(problem: CreateProblem): { ok: false } & CreateProblem {
  return { ok: false, ...problem };
}
