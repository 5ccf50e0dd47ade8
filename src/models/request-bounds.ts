import { familyOf } from './families/registry.js';
import type { ModelSpec } from './model-table.js';
import { invalidParameter, invalidUrl, type RequestProblem } from './request-problem.js';
import { truncateChars } from './prompt-text.js';

/**
 * Prompts longer than the model's documented length are truncated, as DashScope truncates them;
 * beyond this many times that length a body is refused: no client means a 12 MB prompt.
 */
export const PROMPT_REFUSE_FACTOR = 4;
/** input and parameters each: fields vidgate does not know (SDKs add a few) */
export const MAX_UNKNOWN_FIELDS = 16;
/** the JSON of all unknown fields of one object together */
export const MAX_UNKNOWN_BYTES = 4096;
/** an http(s) or oss:// media URL; data: URIs are bounded by the media size limits instead */
export const MAX_URL_CHARS = 8192;

/** sent by the official SDKs whatever the model (reference §12); the family adds its own */
const SDK_INPUT = ['extend_prompt'];
const SDK_PARAMETERS = [
  'with_audio',
  'steps',
  'enable_overlays',
  'ratio',
  'audio_setting',
  'audio',
];

/** Characters as DashScope counts them: one per Unicode character, whatever its script. */
export function countChars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // a high surrogate and its low half are one character
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

function checkUnknown(
  path: 'input' | 'parameters',
  fields: Record<string, unknown>,
  known: ReadonlySet<string>,
): RequestProblem | null {
  const unknown = Object.keys(fields).filter((k) => !known.has(k));
  if (unknown.length > MAX_UNKNOWN_FIELDS) {
    return invalidParameter(
      `Field '${path}' has ${unknown.length} fields vidgate does not know; at most ${MAX_UNKNOWN_FIELDS} are passed through.`,
    );
  }
  let bytes = 0;
  for (const k of unknown)
    bytes += Buffer.byteLength(k) + Buffer.byteLength(JSON.stringify(fields[k]) ?? '');
  if (bytes > MAX_UNKNOWN_BYTES) {
    return invalidParameter(
      `The fields of '${path}' that vidgate does not know (${unknown.join(', ')}) take ${bytes} bytes; at most ${MAX_UNKNOWN_BYTES} are passed through.`,
    );
  }
  return null;
}

function checkUrlLength(path: string, v: unknown): RequestProblem | null {
  if (typeof v !== 'string' || v.startsWith('data:') || v.length <= MAX_URL_CHARS) return null;
  return invalidUrl(
    `Field '${path}' is a URL of ${v.length} characters; at most ${MAX_URL_CHARS} are accepted.`,
  );
}

/**
 * Bounds what a create may carry, before anything is stored (issue 11): prompts by the model's
 * documented lengths, URLs, and the fields vidgate does not know. Types are checked elsewhere.
 */
export function checkBounds(
  model: ModelSpec,
  input: Record<string, unknown>,
  parameters: Record<string, unknown>,
): RequestProblem | null {
  const limits = [
    ['prompt', model.promptMaxChars],
    ['negative_prompt', model.negativePromptMaxChars],
  ] as const;
  for (const [key, max] of limits) {
    const v = input[key];
    // 0: the model has no such field, which its family refuses by name
    if (max === 0 || typeof v !== 'string' || v.length <= max) continue;
    const chars = countChars(v);
    if (chars > max * PROMPT_REFUSE_FACTOR) {
      return invalidParameter(
        `Field 'input.${key}' has ${chars} characters; model ${model.name} reads up to ${max} (longer texts are truncated to that) and refuses more than ${max * PROMPT_REFUSE_FACTOR}.`,
      );
    }
  }
  const long = longUrlIn('input', input, 0);
  if (long) return long;
  const family = familyOf(model);
  return (
    checkUnknown('input', input, new Set([...family.knownInput, ...SDK_INPUT])) ??
    checkUnknown('parameters', parameters, new Set([...family.knownParameters, ...SDK_PARAMETERS]))
  );
}

/** The first over-long URL anywhere in `input` (flat fields, `media[].url`, URL lists). */
function longUrlIn(path: string, v: unknown, depth: number): RequestProblem | null {
  if (typeof v === 'string') return checkUrlLength(path, v);
  if (depth > 2 || typeof v !== 'object' || v === null) return null;
  const entries: Array<[string, unknown]> = Array.isArray(v)
    ? v.map((x, i) => [`${path}[${i}]`, x])
    : Object.entries(v).map(([k, x]) => [`${path}.${k}`, x]);
  for (const [p, x] of entries) {
    if (p === 'input.prompt' || p === 'input.negative_prompt') continue;
    const problem = longUrlIn(p, x, depth + 1);
    if (problem) return problem;
  }
  return null;
}
/**
 * The prompts as the upstream will read them: cut to the model's lengths here, so what vidgate
 * stores and sends is what DashScope keeps, and its `orig_prompt` repeats it (ADR 0011).
 */
export function truncatePrompts(
  model: ModelSpec,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...input };
  if (typeof out.prompt === 'string') out.prompt = truncateChars(out.prompt, model.promptMaxChars);
  if (typeof out.negative_prompt === 'string')
    out.negative_prompt = truncateChars(out.negative_prompt, model.negativePromptMaxChars);
  return out;
}
