import { MEDIA_URL_FORMS, mediaUrlKind } from '../media-url.js';
import type { ModelSpec } from '../model-table.js';
import {
  got,
  invalidParameter,
  invalidUrl,
  showValue,
  type RequestProblem,
} from '../request-problem.js';

/**
 * The typed field checks every family module shares. Each answers null (fine) or the problem,
 * named by the field's full path, saying what was sent and what is allowed. null and absent are
 * "not sent", as DashScope reads them.
 */
export const absent = (v: unknown): boolean => v === undefined || v === null;

export type Fields = Record<string, unknown>;

/** A string field's value, or null for anything else. */
export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function optString(path: string, v: unknown): RequestProblem | null {
  if (absent(v) || typeof v === 'string') return null;
  return invalidParameter(`Field '${path}' must be a string, ${got(v)}.`);
}

export function optBool(path: string, v: unknown): RequestProblem | null {
  if (absent(v) || typeof v === 'boolean') return null;
  return invalidParameter(`Field '${path}' must be a boolean, ${got(v)}.`);
}

export function optEnum(
  spec: ModelSpec,
  path: string,
  v: unknown,
  allowed: readonly string[],
): RequestProblem | null {
  if (absent(v)) return null;
  if (typeof v !== 'string')
    return invalidParameter(`Field '${path}' must be a string, ${got(v)}.`);
  if (allowed.includes(v)) return null;
  return invalidParameter(
    `Field '${path}' for model ${spec.name} must be one of ${allowed.join(', ')}, got ${showValue(v)}.`,
  );
}

export function optNumberRange(
  spec: ModelSpec,
  path: string,
  v: unknown,
  min: number,
  max: number,
  integer: boolean,
): RequestProblem | null {
  if (absent(v)) return null;
  const what = integer ? 'an integer' : 'a number';
  if (typeof v !== 'number' || (integer && !Number.isInteger(v)) || v < min || v > max) {
    return invalidParameter(
      `Field '${path}' for model ${spec.name} must be ${what} from ${min} to ${max}, ${got(v)}.`,
    );
  }
  return null;
}

/** A field the model's schema does not have, which DashScope would refuse or silently ignore. */
export function notSupported(spec: ModelSpec, path: string, hint = ''): RequestProblem {
  return invalidParameter(
    `Field '${path}' is not supported by model ${spec.name}${hint ? `: ${hint}` : '.'}`,
  );
}

export function forbid(
  spec: ModelSpec,
  fields: Fields,
  prefix: string,
  keys: readonly string[],
  hint = '',
) {
  for (const k of keys) {
    if (!absent(fields[k])) return notSupported(spec, `${prefix}.${k}`, hint);
  }
  return null;
}

export function requirePrompt(spec: ModelSpec, input: Fields): RequestProblem | null {
  const v = input.prompt;
  if (typeof v === 'string' && v.trim() !== '') return null;
  if (!absent(v) && typeof v !== 'string') return optString('input.prompt', v);
  return invalidParameter(
    `Field 'input.prompt' is required for model ${spec.name}: a non-empty text of up to ${spec.promptMaxChars} characters (longer prompts are truncated).`,
  );
}

/** A media URL: a string in one of the accepted forms; `inline` false refuses data: URIs. */
export function mediaUrl(path: string, v: unknown, inline = true): RequestProblem | null {
  if (typeof v !== 'string')
    return invalidParameter(`Field '${path}' must be a string, ${got(v)}.`);
  const kind = mediaUrlKind(v);
  if (kind === null)
    return invalidUrl(`Field '${path}' must be ${MEDIA_URL_FORMS}, got ${showValue(v)}.`);
  // a well-formed URI the field does not take: a parameter problem, as DashScope's own check
  if (kind === 'data' && !inline) {
    return invalidParameter(
      `Field '${path}' must be an http(s) or oss:// URL; this model does not take data: URIs for it.`,
    );
  }
  return null;
}

export function requiredMediaUrl(
  spec: ModelSpec,
  path: string,
  v: unknown,
  what: string,
  inline = true,
): RequestProblem | null {
  if (absent(v) || v === '') {
    return invalidParameter(`Field '${path}' is required for model ${spec.name}: ${what}.`);
  }
  return mediaUrl(path, v, inline);
}

export function checkSeed(
  spec: ModelSpec,
  seed: unknown,
  allowMinusOne = false,
): RequestProblem | null {
  if (absent(seed)) return null;
  if (allowMinusOne && seed === -1) return null;
  const { min, max } = spec.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < min || seed > max) {
    return invalidParameter(
      `Field 'parameters.seed' must be an integer from ${min} to ${max}${allowMinusOne ? ' (or -1 for random)' : ''}, ${got(seed)}.`,
    );
  }
  return null;
}

/** The first problem of a list of checks, run in order. */
export function firstProblem(...checks: Array<() => RequestProblem | null>): RequestProblem | null {
  for (const c of checks) {
    const p = c();
    if (p) return p;
  }
  return null;
}
