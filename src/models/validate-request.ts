import type { ApiErrorCode } from '../contract/error-codes.js';
import type { MediaFormat } from '../media/inline-media.js';
import { sniffMediaFormat } from '../media/sniff.js';
import { isObject } from './families/field-checks.js';
import { familyOf } from './families/registry.js';
import { checkBounds, truncatePrompts } from './request-bounds.js';
import {
  findModel,
  MODE_LABELS,
  MODELS,
  modelsForMode,
  ROUTE_ACCEPTS,
  type ModelMode,
  type ModelSpec,
} from './model-table.js';

/**
 * Where a create arrived: a seed route serves one mode (ROUTE_ACCEPTS); the native face serves
 * every model of its path (checked there) and takes the mode from the body.
 */
export type CreateScope = ModelMode | 'native';
import { describeType, showValue } from './request-problem.js';
import type { RequestBody } from './task-request.js';

export type ValidationResult =
  | { ok: true; model: ModelSpec; mode: ModelMode; body: RequestBody }
  | { ok: false; code: ApiErrorCode; message: string };

type Failure = Extract<ValidationResult, { ok: false }>;

const fail = (message: string, code: ApiErrorCode = 'InvalidParameter'): Failure => ({
  ok: false,
  code,
  message,
});

/**
 * Checks a create body against the model table (docs/models.md lists every rule). Unknown
 * fields in input and parameters are tolerated (the official SDKs add their own, e.g.
 * input.extend_prompt, parameters.with_audio); known fields are strictly typed. Messages name
 * the field and what is allowed.
 *
 * The returned body is what gets stored and sent upstream: the client's, with
 * `parameters.resolution` normalised to DashScope's upper case, a bare base64 `input.img_url`
 * made a data: URI (see withFirstFrameDataUri), prompts cut to the model's
 * lengths (as DashScope cuts them) and a missing `parameters` replaced by `{}`. Bodies beyond
 * the bounds of request-bounds.ts are refused.
 *
 * `models` defaults to the model table; tests pass an altered copy to show that the simulator
 * agreement check notices a wrong rule.
 */
export function validateRequest(
  scope: CreateScope,
  raw: unknown,
  models: readonly ModelSpec[] = MODELS,
  routeOf: (mode: ModelMode) => string = (m) => MODE_LABELS[m],
): ValidationResult {
  if (!isObject(raw)) {
    return fail(`The request body must be a JSON object, got ${describeType(raw)}.`);
  }
  const served = (scope === 'native' ? models : modelsForMode(scope, models)).map((m) => m.name);
  if (raw.model === undefined || raw.model === null || raw.model === '') {
    return fail(
      `Field 'model' is required; this endpoint serves ${served.join(', ')}.`,
      'BadRequest.EmptyModel',
    );
  }
  if (typeof raw.model !== 'string') {
    return fail(`Field 'model' must be a string, got ${describeType(raw.model)}.`);
  }
  const model = findModel(raw.model, models);
  if (!model) {
    return fail(
      `Model ${showValue(raw.model)} is not supported; this endpoint serves ${served.join(', ')}.`,
    );
  }
  if (scope !== 'native' && !model.modes.some((m) => ROUTE_ACCEPTS[scope].includes(m))) {
    return fail(
      `Model ${model.name} serves ${model.modes.map((m) => MODE_LABELS[m]).join(' / ')}; send it to ${model.modes.map(routeOf).join(' or ')}. This endpoint serves ${MODE_LABELS[scope]} models: ${served.join(', ')}.`,
    );
  }
  if (raw.input === undefined || raw.input === null) {
    return fail(`Field 'input' is required.`, 'BadRequest.EmptyInput');
  }
  if (!isObject(raw.input)) {
    return fail(`Field 'input' must be an object, got ${describeType(raw.input)}.`);
  }
  if (raw.parameters !== undefined && raw.parameters !== null && !isObject(raw.parameters)) {
    return fail(`Field 'parameters' must be an object, got ${describeType(raw.parameters)}.`);
  }
  const input = model.family === 'wan2.6' ? withFirstFrameDataUri(raw.input) : raw.input;
  const parameters = isObject(raw.parameters) ? raw.parameters : {};
  const family = familyOf(model);
  const mode = family.modeOf(model, input);
  if (scope !== 'native' && !ROUTE_ACCEPTS[scope].includes(mode)) {
    return fail(
      `This ${model.name} request is ${MODE_LABELS[mode]}, by its inputs; send it to ${routeOf(mode)}, or change the inputs for ${MODE_LABELS[scope]}.`,
    );
  }

  const problem = checkBounds(model, input, parameters) ?? family.check(model, input, parameters);
  if (problem) return fail(problem.message, problem.code);
  return {
    ok: true,
    model,
    mode,
    body: {
      model: model.name,
      input: truncatePrompts(model, input),
      parameters: normalise(parameters),
    },
  };
}

function normalise(p: Record<string, unknown>): Record<string, unknown> {
  if (typeof p.resolution !== 'string') return p;
  return { ...p, resolution: p.resolution.toUpperCase() };
}

const BARE_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const IMAGE_TYPES: Partial<Record<MediaFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  webp: 'image/webp',
};

/**
 * The AI SDK's Alibaba provider sends a first frame given as bytes as bare base64 in
 * `input.img_url`, without the `data:` prefix DashScope documents. When those bytes are an image
 * DashScope takes, the field becomes that data: URI (so it is checked, stored and sent upstream
 * as one); any other text is left for the URL check to refuse.
 */
function withFirstFrameDataUri(input: Record<string, unknown>): Record<string, unknown> {
  const v = input.img_url;
  if (typeof v !== 'string' || v.length < 24 || !BARE_BASE64.test(v)) return input;
  const format = sniffMediaFormat(Buffer.from(v.slice(0, 32), 'base64'));
  const type = format === null ? undefined : IMAGE_TYPES[format];
  return type ? { ...input, img_url: `data:${type};base64,${v}` } : input;
}
