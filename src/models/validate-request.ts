import type { ApiErrorCode } from '../http/errors.js';
import { findModel, modelsForMode, type ModelMode, type ModelSpec } from './model-table.js';
import type { RequestBody } from './task-request.js';

export type ValidationResult =
  | { ok: true; model: ModelSpec; body: RequestBody }
  | { ok: false; code: ApiErrorCode; message: string };

type Fail = { ok: false; code: ApiErrorCode; message: string };
const fail = (message: string, code: ApiErrorCode = 'InvalidParameter'): Fail => ({
  ok: false,
  code,
  message,
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

const SEED_MAX = 2147483647;

/**
 * Checks a create body against the model table. Unknown fields in input and parameters are
 * tolerated (the official SDKs add their own, e.g. input.extend_prompt); known fields are
 * strictly typed. Messages name the field and what is allowed.
 */
export function validateRequest(mode: ModelMode, raw: unknown): ValidationResult {
  if (!isObject(raw)) return fail(`The request body must be a JSON object, got ${describe(raw)}.`);
  const supported = modelsForMode(mode).map((m) => m.name);
  if (raw.model === undefined || raw.model === null || raw.model === '') {
    return fail(
      `Field 'model' is required; supported models: ${supported.join(', ')}.`,
      'BadRequest.EmptyModel',
    );
  }
  if (typeof raw.model !== 'string') {
    return fail(`Field 'model' must be a string, got ${describe(raw.model)}.`);
  }
  const model = findModel(raw.model);
  if (!model || model.mode !== mode) {
    return fail(
      `Model '${raw.model}' is not supported on this endpoint; supported models: ${supported.join(', ')}.`,
    );
  }
  if (raw.input === undefined || raw.input === null) {
    return fail(`Field 'input' is required.`, 'BadRequest.EmptyInput');
  }
  if (!isObject(raw.input))
    return fail(`Field 'input' must be an object, got ${describe(raw.input)}.`);
  if (raw.parameters !== undefined && raw.parameters !== null && !isObject(raw.parameters)) {
    return fail(`Field 'parameters' must be an object, got ${describe(raw.parameters)}.`);
  }
  const input = raw.input;
  const parameters = isObject(raw.parameters) ? raw.parameters : {};

  const problem = checkInput(model, input) ?? checkParameters(model, parameters);
  if (problem) return fail(problem);
  return { ok: true, model, body: { model: model.name, input, parameters } };
}

function checkString(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  nullable: boolean,
): string | null {
  const v = obj[key];
  if (v === undefined || (nullable && v === null)) return null;
  if (typeof v !== 'string') return `Field '${path}' must be a string, got ${describe(v)}.`;
  return null;
}

function checkInput(model: ModelSpec, input: Record<string, unknown>): string | null {
  const t =
    checkString(input, 'prompt', 'input.prompt', true) ??
    checkString(input, 'negative_prompt', 'input.negative_prompt', true);
  if (t) return t;
  const prompt = input.prompt;
  if (model.promptRequired && (typeof prompt !== 'string' || prompt.trim() === '')) {
    return `Field 'input.prompt' is required for model ${model.name}.`;
  }
  if (model.mode === 'first-frame') {
    if (input.img_url === undefined || input.img_url === null || input.img_url === '') {
      return `Field 'input.img_url' is required for model ${model.name}: an http(s) URL or a data: URI of the first frame.`;
    }
    const e = checkString(input, 'img_url', 'input.img_url', false);
    if (e) return e;
  }
  if (model.mode === 'references') {
    const refs = input.reference_urls;
    if (refs === undefined || refs === null) {
      return `Field 'input.reference_urls' is required for model ${model.name}: 1 to 5 image or video URLs.`;
    }
    if (!Array.isArray(refs))
      return `Field 'input.reference_urls' must be an array of strings, got ${describe(refs)}.`;
    if (refs.length < 1 || refs.length > 5) {
      return `Field 'input.reference_urls' must hold 1 to 5 URLs, got ${refs.length}.`;
    }
    const bad = refs.findIndex((u) => typeof u !== 'string' || u === '');
    if (bad >= 0) return `Field 'input.reference_urls[${bad}]' must be a non-empty string.`;
  }
  if (input.audio_url !== undefined && input.audio_url !== null) {
    if (!model.audioUrl) return `Field 'input.audio_url' is not supported by model ${model.name}.`;
    const e = checkString(input, 'audio_url', 'input.audio_url', false);
    if (e) return e;
  }
  if (input.template !== undefined && input.template !== null) {
    if (!model.template) return `Field 'input.template' is not supported by model ${model.name}.`;
    const e = checkString(input, 'template', 'input.template', false);
    if (e) return e;
  }
  return null;
}

function checkParameters(model: ModelSpec, p: Record<string, unknown>): string | null {
  const d = p.duration;
  if (d !== undefined && d !== null) {
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      return `Field 'parameters.duration' must be an integer, got ${describe(d)}.`;
    }
    const rule = model.durations;
    const allowed =
      rule.kind === 'range' ? d >= rule.min && d <= rule.max : rule.values.includes(d);
    if (!allowed) {
      const what =
        rule.kind === 'range'
          ? `an integer from ${rule.min} to ${rule.max}`
          : `one of ${rule.values.join(', ')}`;
      return `Field 'parameters.duration' for model ${model.name} must be ${what} seconds, got ${d}.`;
    }
  }
  const out = model.output;
  if (out.kind === 'tier') {
    if (p.size !== undefined && p.size !== null && p.resolution === undefined) {
      return `Model ${model.name} takes 'parameters.resolution' (${out.tiers.join(', ')}), not 'parameters.size'.`;
    }
    const r = p.resolution;
    if (r !== undefined && r !== null) {
      if (typeof r !== 'string')
        return `Field 'parameters.resolution' must be a string, got ${describe(r)}.`;
      if (!out.tiers.some((t) => t === r.toUpperCase())) {
        return `Field 'parameters.resolution' for model ${model.name} must be one of ${out.tiers.join(', ')}, got '${r}'.`;
      }
    }
  } else {
    const s = p.size;
    if (s !== undefined && s !== null) {
      if (typeof s !== 'string')
        return `Field 'parameters.size' must be a string, got ${describe(s)}.`;
      if (!out.sizes.includes(s)) {
        return `Field 'parameters.size' for model ${model.name} must be one of ${out.sizes.join(', ')}, got '${s}'.`;
      }
    }
  }
  for (const key of ['prompt_extend', 'audio', 'watermark'] as const) {
    const v = p[key];
    if (v !== undefined && v !== null && typeof v !== 'boolean') {
      return `Field 'parameters.${key}' must be a boolean, got ${describe(v)}.`;
    }
  }
  if (p.audio !== undefined && p.audio !== null && !model.audioSwitch && p.audio === false) {
    return `Field 'parameters.audio' is only supported by the flash models; ${model.name} always produces sound.`;
  }
  const seed = p.seed;
  if (seed !== undefined && seed !== null) {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX) {
      return `Field 'parameters.seed' must be an integer from 0 to ${SEED_MAX}.`;
    }
  }
  const shot = p.shot_type;
  if (shot !== undefined && shot !== null) {
    if (!model.shotType)
      return `Field 'parameters.shot_type' is not supported by model ${model.name}.`;
    if (shot !== 'single' && shot !== 'multi') {
      return `Field 'parameters.shot_type' must be 'single' or 'multi', got ${typeof shot === 'string' ? `'${shot}'` : describe(shot)}.`;
    }
  }
  return null;
}
