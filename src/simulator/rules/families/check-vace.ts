import { invalidParameter, notSent, type Fields } from '../sim-problem.js';
import type { SimFamilyModel } from './family-catalogue.js';
import {
  checkBools,
  checkDuration,
  checkEnum,
  checkInt,
  checkNumber,
  checkSeed,
  checkStrings,
  checkUrl,
  first,
  requirePrompt,
  type Check,
} from './family-fields.js';

/**
 * VACE general video editing (F§6): `input.function` picks one of five tasks, each with its
 * own required fields. Only the function/field combinations of F§6 are validated; the rest is
 * passed through (F§11 #30, #31).
 */

export const VACE_FUNCTIONS = [
  'image_reference',
  'video_repainting',
  'video_edit',
  'video_extension',
  'video_outpainting',
] as const;
export type VaceFunction = (typeof VACE_FUNCTIONS)[number];

export function vaceFunctionOf(input: Fields): VaceFunction | null {
  const f = input.function;
  return VACE_FUNCTIONS.find((v) => v === f) ?? null;
}

/** F§6 `ref_images_url`: a list of image URLs, between min and max long. */
function refImages(input: Fields, min: number, max: number): Check {
  const v = input.ref_images_url;
  if (notSent(v)) return min > 0 ? invalidParameter('Field required: input.ref_images_url') : null;
  if (!Array.isArray(v))
    return invalidParameter('Field input.ref_images_url must be an array of URLs.');
  if (v.length < min || v.length > max)
    return invalidParameter(
      `Field input.ref_images_url must hold ${min} to ${max} URLs for this function, got ${v.length}.`,
    );
  for (const [i, url] of v.entries()) {
    const problem = checkUrl(`input.ref_images_url[${i}]`, url, 'image', true);
    if (problem) return problem;
  }
  return null;
}

/**
 * F§6 `obj_or_bg`: "same length as ref_images_url; obj/bg, ≤1 bg"; the mismatch message is the
 * one a public copy of the error-code page quotes.
 */
function objOrBg(input: Fields, p: Fields): Check {
  const v = p.obj_or_bg;
  if (notSent(v)) return null;
  const refs = Array.isArray(input.ref_images_url) ? input.ref_images_url.length : 0;
  if (!Array.isArray(v) || v.length !== refs)
    return invalidParameter('ref_images_url and obj_or_bg must be the same length');
  if (v.some((x) => x !== 'obj' && x !== 'bg'))
    return invalidParameter("Field parameters.obj_or_bg items must be 'obj' or 'bg'.");
  return v.filter((x) => x === 'bg').length > 1
    ? invalidParameter("Field parameters.obj_or_bg holds more than one 'bg'.")
    : null;
}

/** F§6 `size`: "W*H (e.g. 1280*720)". */
function size(p: Fields): Check {
  if (notSent(p.size)) return null;
  return typeof p.size === 'string' && /^[1-9]\d*\*[1-9]\d*$/.test(p.size)
    ? null
    : invalidParameter('Field parameters.size must be W*H, e.g. 1280*720.');
}

const video = (input: Fields, required: boolean): Check =>
  checkUrl('input.video_url', input.video_url, 'video', required);

const FUNCTION_CHECKS: Readonly<Record<VaceFunction, (input: Fields, p: Fields) => Check>> = {
  image_reference: (input, p) =>
    // "1–3 (extra ignored)": more than three pass, only three are read
    first(
      () => refImages(input, 1, Number.MAX_SAFE_INTEGER),
      () => objOrBg(input, p),
      () => size(p),
    ),
  video_repainting: (input, p) =>
    first(
      () => video(input, true),
      () => refImages(input, 0, 1),
      () =>
        checkEnum('parameters.control_condition', p.control_condition, [
          'posebodyface',
          'posebody',
          'depth',
          'scribble',
        ]),
      () => checkNumber('parameters.strength', p.strength, 0, 1),
    ),
  video_edit: (input, p) =>
    first(
      () => video(input, true),
      () => refImages(input, 0, 1),
      () => checkUrl('input.mask_image_url', input.mask_image_url, 'image'),
      () => checkUrl('input.mask_video_url', input.mask_video_url, 'video'),
      () =>
        notSent(input.mask_image_url) && notSent(input.mask_video_url)
          ? invalidParameter('Field required: input.mask_image_url or input.mask_video_url')
          : null,
      () => checkInt('input.mask_frame_id', input.mask_frame_id, 0, Number.MAX_SAFE_INTEGER),
      () => checkEnum('parameters.mask_type', p.mask_type, ['tracking', 'fixed']),
      () => checkNumber('parameters.expand_ratio', p.expand_ratio, 0, 1),
      () => size(p),
    ),
  video_extension: (input) =>
    first(
      // F§6: video_url "⚠ optional style ref"
      () => video(input, false),
      () => checkUrl('input.first_clip_url', input.first_clip_url, 'video'),
      () => checkUrl('input.last_clip_url', input.last_clip_url, 'video'),
      () => checkUrl('input.first_frame_url', input.first_frame_url, 'image'),
      () => checkUrl('input.last_frame_url', input.last_frame_url, 'image'),
      () =>
        ['first_clip_url', 'last_clip_url', 'first_frame_url', 'last_frame_url'].some(
          (k) => !notSent(input[k]) && input[k] !== '',
        )
          ? null
          : invalidParameter(
              'Field required: one of input.first_clip_url, last_clip_url, first_frame_url, last_frame_url',
            ),
    ),
  video_outpainting: (input, p) =>
    first(
      () => video(input, true),
      ...['top_scale', 'bottom_scale', 'left_scale', 'right_scale'].map(
        (k) => () => checkNumber(`parameters.${k}`, p[k], 1, 2),
      ),
    ),
};

/** F§6: function, prompt (required for all five), then the function's fields; duration 5. */
export function checkVace(model: SimFamilyModel, input: Fields, p: Fields): Check {
  const fn = vaceFunctionOf(input);
  return first(
    () =>
      fn === null
        ? invalidParameter(`Field input.function must be one of ${VACE_FUNCTIONS.join(', ')}.`)
        : null,
    () => checkStrings(input, 'input', ['prompt']),
    () => requirePrompt(model, input),
    () => (fn === null ? null : FUNCTION_CHECKS[fn](input, p)),
    () => checkBools(p, 'parameters', ['prompt_extend']),
    () => checkDuration(model, p.duration, 5, 5),
    () => checkSeed(p.seed),
  );
}
