import { checkSimInput } from './rules/check-sim-input.js';
import { checkSimParameters } from './rules/check-sim-parameters.js';
import { simModel, type SimModel } from './rules/sim-catalogue.js';
import { invalidParameter, isFields, type CreateProblem } from './rules/sim-problem.js';
import type { SimRegion } from './sim-options.js';
import type { SimCreateBody } from './sim-task.js';

export type { CreateProblem } from './rules/sim-problem.js';

export type CreateCheck =
  { ok: true; model: SimModel; body: SimCreateBody } | ({ ok: false } & CreateProblem);

/**
 * The checks DashScope makes synchronously on a create, from the simulator's own catalogue
 * (rules/), never vidgate's: the simulator must reject what DashScope rejects at the door and
 * accept what it accepts, so that the agreement test can hold vidgate's validator against it.
 */
export function checkCreateBody(raw: unknown, region: SimRegion): CreateCheck {
  if (!isFields(raw)) return fail(invalidParameter('The request body must be a JSON object.'));
  // §9 "BadRequest.EmptyModel / EmptyInput: missing model / input"
  if (raw.model === undefined || raw.model === null || raw.model === '') {
    return fail({
      status: 400,
      code: 'BadRequest.EmptyModel',
      message: 'Required parameter "model" missing from request.',
    });
  }
  const model = typeof raw.model === 'string' ? simModel(raw.model, region) : undefined;
  // §1 "cross-region calls fail"; the answer for an unknown model is a guess (docs/simulator.md)
  if (!model) return fail(invalidParameter('Model not exist.'));
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
  const problem = checkSimInput(model, raw.input) ?? checkSimParameters(model, parameters);
  if (problem) return fail(problem);
  return { ok: true, model, body: { model: model.name, input: raw.input, parameters } };
}

function fail(problem: CreateProblem): CreateCheck {
  return { ok: false, ...problem };
}
