import { findModel, type ModelSpec } from '../models/model-table.js';
import type { RequestBody } from '../models/task-request.js';
import { regionServesModel, type SimRegion } from './sim-options.js';

/** A rejected create: DashScope's status, code and message. */
export interface CreateProblem {
  status: number;
  code: string;
  message: string;
}

export type CreateCheck =
  { ok: true; model: ModelSpec; body: RequestBody } | ({ ok: false } & CreateProblem);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const invalid = (message: string): CreateCheck => ({
  ok: false,
  status: 400,
  code: 'InvalidParameter',
  message,
});

function checkDuration(model: ModelSpec, d: unknown): string | null {
  if (d === undefined) return null;
  const rule = model.durations;
  const ok =
    typeof d === 'number' &&
    Number.isInteger(d) &&
    (rule.kind === 'range' ? d >= rule.min && d <= rule.max : rule.values.includes(d));
  return ok ? null : `The duration is invalid for model ${model.name}.`;
}

function checkOutput(model: ModelSpec, p: Record<string, unknown>): string | null {
  if (model.output.kind === 'tier') {
    if (p.resolution === undefined) return null;
    const r = typeof p.resolution === 'string' ? p.resolution.toUpperCase() : null;
    return model.output.tiers.some((t) => t === r)
      ? null
      : `The resolution is invalid for model ${model.name}.`;
  }
  if (p.size === undefined) return null;
  return typeof p.size === 'string' && model.output.sizes.includes(p.size)
    ? null
    : `The size is not match the allowed sizes of model ${model.name}.`;
}

function checkInput(model: ModelSpec, input: Record<string, unknown>): string | null {
  switch (model.mode) {
    case 'first-frame':
      return typeof input.img_url === 'string' && input.img_url !== ''
        ? null
        : 'Field required: input.img_url';
    case 'references': {
      if (typeof input.prompt !== 'string' || input.prompt === '')
        return 'Field required: input.prompt';
      const refs = input.reference_urls ?? input.reference_video_urls;
      if (!Array.isArray(refs) || refs.length === 0 || refs.length > 5)
        return 'Field input.reference_urls must hold 1 to 5 URLs.';
      return refs.every((u) => typeof u === 'string' && u !== '')
        ? null
        : 'Field input.reference_urls must hold URL strings.';
    }
    case 'text':
      return typeof input.prompt === 'string' && input.prompt !== ''
        ? null
        : 'Field required: input.prompt';
  }
}

/**
 * The checks DashScope makes synchronously on a create, kept coarse on purpose: the simulator
 * must reject what DashScope rejects at the door, but it is not vidgate's validator.
 */
export function checkCreateBody(raw: unknown, region: SimRegion): CreateCheck {
  if (!isObject(raw)) return invalid('The request body must be a JSON object.');
  if (raw.model === undefined || raw.model === null || raw.model === '') {
    return {
      ok: false,
      status: 400,
      code: 'BadRequest.EmptyModel',
      message: 'Required parameter "model" missing from request.',
    };
  }
  if (typeof raw.model !== 'string') return invalid('Model not exist.');
  const model = findModel(raw.model);
  if (!model || !regionServesModel(region, model.name)) return invalid('Model not exist.');
  if (raw.input === undefined || raw.input === null) {
    return {
      ok: false,
      status: 400,
      code: 'BadRequest.EmptyInput',
      message: 'Required parameter "input" missing from request.',
    };
  }
  if (!isObject(raw.input)) return invalid('Field input must be an object.');
  if (raw.parameters !== undefined && raw.parameters !== null && !isObject(raw.parameters))
    return invalid('Field parameters must be an object.');
  const parameters = isObject(raw.parameters) ? raw.parameters : {};
  const problem =
    checkInput(model, raw.input) ??
    checkDuration(model, parameters.duration) ??
    checkOutput(model, parameters);
  if (problem) return invalid(problem);
  return { ok: true, model, body: { model: model.name, input: raw.input, parameters } };
}
