import { SIM_LIMITS, type SimTier } from '../sim-catalogue.js';
import { simUrlForm } from '../sim-media-url.js';
import {
  invalidParameter,
  invalidUrl,
  isFields,
  notSent,
  type CreateProblem,
  type Fields,
} from '../sim-problem.js';
import type { SimFamilyModel } from './family-catalogue.js';

/**
 * Field checks the families share. A check returns null when the field is fine (or not sent and
 * optional), else DashScope's refusal. Fields outside a family's schema are never looked at:
 * §12.4 "Unknown input/parameters fields must be tolerated".
 */

export type Check = CreateProblem | null;

/** What a URL field carries; F§1.2 "images may be Base64 data URIs, videos and audio must be URLs". */
export type MediaKind = 'image' | 'video' | 'audio' | 'other';

/** First problem of a list of checks, run in order. */
export function first(...checks: (() => Check)[]): Check {
  for (const c of checks) {
    const problem = c();
    if (problem) return problem;
  }
  return null;
}

export function checkStrings(fields: Fields, prefix: string, keys: readonly string[]): Check {
  for (const key of keys) {
    const v = fields[key];
    if (!notSent(v) && typeof v !== 'string')
      return invalidParameter(`Field ${prefix}.${key} must be a string.`);
  }
  return null;
}

/** A required prompt: a non-empty string (blanks pass, as for wan2.6 in check-sim-input.ts). */
export function requirePrompt(model: SimFamilyModel, input: Fields): Check {
  return typeof input.prompt === 'string' && input.prompt !== ''
    ? null
    : invalidParameter(`Field required: input.prompt (model ${model.name}).`);
}

/**
 * One URL field. `data:` URIs are taken for images only (F§1.2); the rest of the URL forms as
 * sim-media-url.ts reads them (http(s), oss://, data:). Malformed → 400 InvalidURL (§9).
 */
export function checkUrl(path: string, v: unknown, kind: MediaKind, required = false): Check {
  if (notSent(v) || v === '') return required ? invalidParameter(`Field required: ${path}`) : null;
  if (typeof v !== 'string') return invalidParameter(`Field ${path} must be a URL string.`);
  const form = simUrlForm(v);
  if (form === null) return invalidUrl(`The URL in ${path} is invalid.`);
  if (form === 'data' && kind !== 'image')
    return invalidParameter(`Field ${path}: ${kind} must be given as a URL, not a data: URI.`);
  return null;
}

export function checkBools(p: Fields, prefix: string, keys: readonly string[]): Check {
  for (const key of keys) {
    if (!notSent(p[key]) && typeof p[key] !== 'boolean')
      return invalidParameter(`Field ${prefix}.${key} must be a boolean.`);
  }
  return null;
}

export function checkEnum(path: string, v: unknown, values: readonly string[]): Check {
  if (notSent(v)) return null;
  return typeof v === 'string' && values.includes(v)
    ? null
    : invalidParameter(`Field ${path} must be one of ${values.join(', ')}.`);
}

/** An integer parameter: in [min, max] or one of `extra` (e.g. Wan 3.0's −1). */
export function checkInt(
  path: string,
  v: unknown,
  min: number,
  max: number,
  extra: readonly number[] = [],
): Check {
  if (notSent(v)) return null;
  const ok =
    typeof v === 'number' && Number.isInteger(v) && ((v >= min && v <= max) || extra.includes(v));
  const also = extra.length > 0 ? ` or ${extra.join(', ')}` : '';
  return ok
    ? null
    : invalidParameter(`Field ${path} must be an integer from ${min} to ${max}${also}.`);
}

export function checkNumber(path: string, v: unknown, min: number, max: number): Check {
  if (notSent(v)) return null;
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
    ? null
    : invalidParameter(`Field ${path} must be a number from ${min} to ${max}.`);
}

/** `parameters.duration` with the model in the message, as check-sim-parameters.ts words it. */
export function checkDuration(
  model: SimFamilyModel,
  v: unknown,
  min: number,
  max: number,
  extra: readonly number[] = [],
): Check {
  const problem = checkInt('parameters.duration', v, min, max, extra);
  return (
    problem &&
    invalidParameter(`The duration is invalid for model ${model.name}: ${problem.message}`)
  );
}

/** `parameters.seed`: "0–2147483647" (F§2.1); Wan 3.0 also −1 (F§3.2). */
export function checkSeed(v: unknown, minusOne = false): Check {
  return checkInt(
    'parameters.seed',
    v,
    SIM_LIMITS.seedMin,
    SIM_LIMITS.seedMax,
    minusOne ? [-1] : [],
  );
}

/**
 * `parameters.resolution` against the model's tiers; a tier name in any case, as
 * check-sim-parameters.ts reads it (the reference is silent on case).
 */
export function checkTier(model: SimFamilyModel, v: unknown): Check {
  if (notSent(v)) return null;
  if (typeof v === 'string' && model.tiers.some((t) => t === v.toUpperCase())) return null;
  return invalidParameter(
    `The resolution is invalid for model ${model.name}: parameters.resolution must be one of ${model.tiers.join(', ')}.`,
  );
}

/** The fields most families share: texts, booleans, `resolution` and `seed`. */
export function checkCommon(
  model: SimFamilyModel,
  input: Fields,
  p: Fields,
  texts: readonly string[],
  bools: readonly string[],
): Check {
  return first(
    () => checkStrings(input, 'input', texts),
    () => checkBools(p, 'parameters', bools),
    () => checkTier(model, p.resolution),
    () => checkSeed(p.seed),
  );
}

export function tierOf(model: SimFamilyModel, p: Fields): SimTier {
  const asked = typeof p.resolution === 'string' ? p.resolution.toUpperCase() : null;
  return model.tiers.find((t) => t === asked) ?? model.defaultTier;
}

/** One `input.media[]` entry that passed readMedia. */
export interface MediaItem {
  type: string;
  url: string;
  index: number;
  fields: Fields;
}

export interface MediaRules {
  /** allowed `type` values and the kind of file each carries */
  types: Readonly<Record<string, MediaKind>>;
  /** `data:` MIME types allowed for images (HappyHorse, F§4 "image/jpeg|png|webp only") */
  imageMimes?: readonly string[];
}

/**
 * `input.media` (F§2.2, F§3.3, F§4): an array of `{type, url}` objects. Returns the items, or
 * the refusal of the first bad one. Extra item fields are tolerated.
 */
export function readMedia(media: unknown, rules: MediaRules): MediaItem[] | CreateProblem {
  if (!Array.isArray(media)) return invalidParameter('Field input.media must be an array.');
  const items: MediaItem[] = [];
  for (const [index, raw] of media.entries()) {
    const at = `input.media[${index}]`;
    if (!isFields(raw)) return invalidParameter(`Field ${at} must be an object.`);
    const type = raw.type;
    const kind = typeof type === 'string' ? rules.types[type] : undefined;
    if (typeof type !== 'string' || kind === undefined)
      return invalidParameter(
        `Field ${at}.type must be one of ${Object.keys(rules.types).join(', ')}.`,
      );
    const problem = checkUrl(`${at}.url`, raw.url, kind, true) ?? checkMime(at, raw.url, rules);
    if (problem) return problem;
    items.push({ type, url: String(raw.url), index, fields: raw });
  }
  return items;
}

function checkMime(at: string, url: unknown, rules: MediaRules): Check {
  if (!rules.imageMimes || typeof url !== 'string') return null;
  const mime = /^data:([^;,]*)/i.exec(url)?.[1]?.toLowerCase();
  if (mime === undefined || rules.imageMimes.includes(mime)) return null;
  return invalidParameter(
    `Field ${at}.url: the image type must be one of ${rules.imageMimes.join(', ')}.`,
  );
}

export function countOf(items: readonly MediaItem[], type: string): number {
  return items.filter((i) => i.type === type).length;
}

/** Each listed type at most `max` times. */
export function checkAtMost(
  items: readonly MediaItem[],
  max: Readonly<Record<string, number>>,
): Check {
  for (const [type, n] of Object.entries(max)) {
    const got = countOf(items, type);
    if (got > n)
      return invalidParameter(
        `Field input.media holds ${got} items of type ${type}; at most ${n} allowed.`,
      );
  }
  return null;
}

/**
 * F§1.2: "Sending wan2.6 flat fields (img_url, reference_urls) to a media model is rejected
 * upstream with InvalidParameter 'Field required: input.media'". Also the answer when a model
 * that needs media gets none. With media sent, the flat fields are outside the schema (§12.4).
 */
export function mediaOrRefuse(input: Fields, required: boolean): Check {
  if (!notSent(input.media)) return null;
  const legacy = !notSent(input.img_url) || !notSent(input.reference_urls);
  return required || legacy ? invalidParameter('Field required: input.media') : null;
}
