import {
  describeDurations,
  isAllowedDuration,
  MODELS,
  SHOT_TYPES,
  type ModelSpec,
} from './model-table.js';
import { got, invalidParameter, showValue, type RequestProblem } from './request-problem.js';

import { absent } from './families/field-checks.js';

type Fields = Record<string, unknown>;

/**
 * Checks `parameters.*` against the model. Every field is optional (DashScope has a default
 * for each); null counts as not sent. Fields outside vidgate's knowledge pass untouched.
 */
export function checkParameters(model: ModelSpec, p: Fields): RequestProblem | null {
  return (
    checkDuration(model, p.duration) ??
    checkOutput(model, p) ??
    checkBooleans(p) ??
    checkAudio(model, p.audio) ??
    checkSeed(model, p.seed) ??
    checkShotType(model, p.shot_type)
  );
}

function checkDuration(model: ModelSpec, d: unknown): RequestProblem | null {
  if (absent(d)) return null;
  if (typeof d !== 'number') {
    return invalidParameter(
      `Field 'parameters.duration' must be an integer number of seconds, ${got(d)}.`,
    );
  }
  if (!isAllowedDuration(model.durations, d)) {
    return invalidParameter(
      `Field 'parameters.duration' for model ${model.name} must be ${describeDurations(model.durations)} seconds, got ${d}.`,
    );
  }
  return null;
}

function checkOutput(model: ModelSpec, p: Fields): RequestProblem | null {
  const out = model.output;
  if (out.kind === 'tier') {
    if (!absent(p.size)) {
      return invalidParameter(
        `Model ${model.name} takes 'parameters.resolution' (${out.tiers.join(', ')}), not 'parameters.size': the video keeps the first frame's aspect ratio.`,
      );
    }
    const r = p.resolution;
    if (absent(r)) return null;
    if (typeof r !== 'string') {
      return invalidParameter(`Field 'parameters.resolution' must be a string, ${got(r)}.`);
    }
    if (!out.tiers.some((t) => t === r.toUpperCase())) {
      return invalidParameter(
        `Field 'parameters.resolution' for model ${model.name} must be one of ${out.tiers.join(', ')}, got ${showValue(r)}.`,
      );
    }
    return null;
  }
  if (!absent(p.resolution)) {
    return invalidParameter(
      `Model ${model.name} takes 'parameters.size' as width*height (e.g. '${out.default}'), not 'parameters.resolution'.`,
    );
  }
  const s = p.size;
  if (absent(s)) return null;
  if (typeof s !== 'string') {
    return invalidParameter(`Field 'parameters.size' must be a string, ${got(s)}.`);
  }
  if (!out.sizes.includes(s)) {
    return invalidParameter(
      `Field 'parameters.size' for model ${model.name} must be one of ${out.sizes.join(', ')}, got ${showValue(s)}.`,
    );
  }
  return null;
}

function checkBooleans(p: Fields): RequestProblem | null {
  for (const key of ['prompt_extend', 'audio', 'watermark'] as const) {
    const v = p[key];
    if (!absent(v) && typeof v !== 'boolean') {
      return invalidParameter(`Field 'parameters.${key}' must be a boolean, ${got(v)}.`);
    }
  }
  return null;
}

/** `audio: true` asks for what every model does; `false` only flash models can honour. */
function checkAudio(model: ModelSpec, audio: unknown): RequestProblem | null {
  if (audio !== false || model.audioSwitch) return null;
  const flash = MODELS.filter((m) => m.audioSwitch).map((m) => m.name);
  return invalidParameter(
    `Field 'parameters.audio' = false (a silent video) is only supported by ${flash.join(', ')}; ${model.name} always produces sound.`,
  );
}

function checkSeed(model: ModelSpec, seed: unknown): RequestProblem | null {
  if (absent(seed)) return null;
  const { min, max } = model.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < min || seed > max) {
    return invalidParameter(
      `Field 'parameters.seed' must be an integer from ${min} to ${max}, ${got(seed)}.`,
    );
  }
  return null;
}

/**
 * On models without shot types every video is one shot, so `single` is harmless and accepted;
 * `multi` asks for something the model cannot do.
 */
function checkShotType(model: ModelSpec, shot: unknown): RequestProblem | null {
  if (absent(shot)) return null;
  if (typeof shot !== 'string' || !SHOT_TYPES.some((t) => t === shot)) {
    return invalidParameter(
      `Field 'parameters.shot_type' must be ${SHOT_TYPES.map((t) => `'${t}'`).join(' or ')}, ${got(shot)}.`,
    );
  }
  if (!model.shotType && shot !== 'single') {
    return invalidParameter(
      `Field 'parameters.shot_type' = '${shot}' is not supported by model ${model.name}: it makes single-shot videos only.`,
    );
  }
  return null;
}
