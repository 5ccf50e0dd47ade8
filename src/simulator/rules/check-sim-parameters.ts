import {
  describeSimDurations,
  durationAllowed,
  SIM_LIMITS,
  type SimModel,
} from './sim-catalogue.js';
import { invalidParameter, notSent, type CreateProblem, type Fields } from './sim-problem.js';

/**
 * `parameters.*` as DashScope checks it at the door. Every field is optional with a default
 * (§2 "parameters is optional … all its fields have defaults"). A field outside the model's
 * schema is ignored (§12.4), e.g. `audio` on a model that "always has sound" (§2.1) or
 * `resolution` on a size model; a field the reference names keeps its type everywhere.
 */
export function checkSimParameters(model: SimModel, p: Fields): CreateProblem | null {
  return (
    checkTypes(p) ?? checkDuration(model, p.duration) ?? checkOutput(model, p) ?? checkSeed(p.seed)
  );
}

/** §3 and §4 parameter tables: the type column. */
function checkTypes(p: Fields): CreateProblem | null {
  for (const key of ['prompt_extend', 'audio', 'watermark']) {
    if (!notSent(p[key]) && typeof p[key] !== 'boolean')
      return invalidParameter(`Field parameters.${key} must be a boolean.`);
  }
  for (const key of ['resolution', 'size']) {
    if (!notSent(p[key]) && typeof p[key] !== 'string')
      return invalidParameter(`Field parameters.${key} must be a string.`);
  }
  // §3 shot_type: "single/multi"; the reference does not say the values are case-insensitive
  const shot = p.shot_type;
  if (!notSent(shot) && shot !== 'single' && shot !== 'multi')
    return invalidParameter(`Field parameters.shot_type must be 'single' or 'multi'.`);
  return null;
}

/** §3 / §4 / §5.1 `duration`: an integer, per model a range or a set. */
function checkDuration(model: SimModel, d: unknown): CreateProblem | null {
  if (notSent(d)) return null;
  return typeof d === 'number' && durationAllowed(model.durations, d)
    ? null
    : invalidParameter(
        `The duration is invalid for model ${model.name}: parameters.duration must be ${describeSimDurations(model.durations)}.`,
      );
}

/**
 * §3 `resolution` (tier models) and §4 `size` (size models: "Must be an explicit size, not
 * 720P or 1:1"). The reference is silent on the case of a tier name: `720p` is taken as `720P`.
 */
function checkOutput(model: SimModel, p: Fields): CreateProblem | null {
  const out = model.output;
  if (out.kind === 'tier') {
    const r = p.resolution;
    if (typeof r !== 'string' || out.tiers.some((t) => t === r.toUpperCase())) return null;
    return invalidParameter(
      `The resolution is invalid for model ${model.name}: parameters.resolution must be one of ${out.tiers.join(', ')}.`,
    );
  }
  const s = p.size;
  if (typeof s !== 'string' || out.sizes.includes(s)) return null;
  // §7.1 quotes DashScope's wording for this one: "The size is not match xxxxxx"
  return invalidParameter(
    `The size is not match the allowed sizes of model ${model.name}: parameters.size must be one of ${out.sizes.join(', ')}.`,
  );
}

/** §3 `seed`: "integer [0, 2147483647]". */
function checkSeed(seed: unknown): CreateProblem | null {
  if (notSent(seed)) return null;
  const ok =
    typeof seed === 'number' &&
    Number.isInteger(seed) &&
    seed >= SIM_LIMITS.seedMin &&
    seed <= SIM_LIMITS.seedMax;
  return ok
    ? null
    : invalidParameter(
        `Field parameters.seed must be an integer from ${SIM_LIMITS.seedMin} to ${SIM_LIMITS.seedMax}.`,
      );
}
