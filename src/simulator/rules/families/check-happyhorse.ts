import { invalidParameter, type Fields } from '../sim-problem.js';
import type { SimFamilyModel } from './family-catalogue.js';
import {
  checkAtMost,
  checkCommon,
  checkDuration,
  checkEnum,
  countOf,
  first,
  mediaOrRefuse,
  readMedia,
  requirePrompt,
  type Check,
} from './family-fields.js';

/**
 * HappyHorse 1.0 / 1.1 (F§4). No negative_prompt, prompt_extend, audio or shot_type in the
 * schema: outside it = tolerated (§12.4, F§11 #38).
 */

/** F§4.1 ratio: the nine values (F§11 #20 "Accept the 9"). */
export const HAPPYHORSE_RATIOS = [
  '16:9',
  '9:16',
  '1:1',
  '4:3',
  '3:4',
  '4:5',
  '5:4',
  '9:21',
  '21:9',
] as const;

/** F§4 "URL or data:image/{jpeg,png,webp};base64" */
const IMAGE_MIMES = ['image/jpeg', 'image/png', 'image/webp'];

function common(model: SimFamilyModel, input: Fields, p: Fields): Check {
  // F§11 #19: 480P only for 1.1 (the catalogue gives 1.0 no 480P tier)
  return checkCommon(model, input, p, ['prompt'], ['watermark']);
}

/** `input.media` of `min`–`max` images of one type (F§4.1 r2v, F§4.2 i2v). */
function imagesOnly(input: Fields, type: string, min: number, max: number): Check {
  const items = readMedia(input.media, { types: { [type]: 'image' }, imageMimes: IMAGE_MIMES });
  if (!Array.isArray(items)) return items;
  const n = items.length;
  return n >= min && n <= max
    ? null
    : invalidParameter(
        `Field input.media must hold ${min === max ? `exactly ${min}` : `${min} to ${max}`} ${type} items, got ${n}.`,
      );
}

/** F§4.1 t2v: prompt required; duration 3–15; nine ratios. Media is outside its schema. */
export function checkHappyHorseT2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => common(model, input, p),
    () => requirePrompt(model, input),
    () => checkEnum('parameters.ratio', p.ratio, HAPPYHORSE_RATIOS),
    () => checkDuration(model, p.duration, 3, 15),
  );
}

/** F§4.1 r2v: prompt required; 1–9 `reference_image`. */
export function checkHappyHorseR2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => common(model, input, p),
    () => requirePrompt(model, input),
    () => mediaOrRefuse(input, true),
    () => imagesOnly(input, 'reference_image', 1, 9),
    () => checkEnum('parameters.ratio', p.ratio, HAPPYHORSE_RATIOS),
    () => checkDuration(model, p.duration, 3, 15),
  );
}

/** F§4.2 i2v: exactly one `first_frame`; prompt optional; no ratio; duration 3–15. */
export function checkHappyHorseI2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => common(model, input, p),
    () => mediaOrRefuse(input, true),
    () => imagesOnly(input, 'first_frame', 1, 1),
    () => checkDuration(model, p.duration, 3, 15),
  );
}

/**
 * F§4.3 video-edit: prompt required; exactly 1 `video` + 0–5 `reference_image`; audio_setting
 * auto/origin; "no ratio, no duration" (outside the schema, ignored).
 */
export function checkHappyHorseVideoEdit(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => common(model, input, p),
    () => requirePrompt(model, input),
    () => mediaOrRefuse(input, true),
    () => {
      const items = readMedia(input.media, {
        types: { video: 'video', reference_image: 'image' },
        imageMimes: IMAGE_MIMES,
      });
      if (!Array.isArray(items)) return items;
      if (countOf(items, 'video') !== 1)
        return invalidParameter(
          `Field input.media must hold exactly 1 video, got ${countOf(items, 'video')}.`,
        );
      return checkAtMost(items, { reference_image: 5 });
    },
    () => checkEnum('parameters.audio_setting', p.audio_setting, ['auto', 'origin']),
  );
}
