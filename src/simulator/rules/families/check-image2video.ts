import { invalidParameter, notSent, type Fields } from '../sim-problem.js';
import type { SimFamilyModel } from './family-catalogue.js';
import {
  checkBools,
  checkDuration,
  checkEnum,
  checkSeed,
  checkStrings,
  checkTier,
  checkUrl,
  first,
  type Check,
} from './family-fields.js';

/** The flat families of the `image2video` path: kf2v (F§5), s2v (F§7.2), animate (F§8). */

/**
 * F§5 kf2v: `first_frame_url` required (also with a `template`), `last_frame_url` optional,
 * images as URL or data: URI; resolution per model; duration "5 only" (F§11 #28); `template`
 * passed through (F§11 #29).
 */
export function checkKf2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => checkStrings(input, 'input', ['prompt', 'negative_prompt', 'template']),
    () => checkUrl('input.first_frame_url', input.first_frame_url, 'image', true),
    () => checkUrl('input.last_frame_url', input.last_frame_url, 'image'),
    () => checkBools(p, 'parameters', ['prompt_extend', 'watermark']),
    () => checkTier(model, p.resolution),
    () => checkDuration(model, p.duration, 5, 5),
    () => checkSeed(p.seed),
  );
}

/**
 * F§7.2 s2v: `image_url` and `audio_url` required; resolution 480P/720P; `style`/`scenario`
 * passed through (F§11 #32); audio limits need the file (not simulated).
 */
export function checkS2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => checkUrl('input.image_url', input.image_url, 'image', true),
    () => checkUrl('input.audio_url', input.audio_url, 'audio', true),
    () => checkTier(model, p.resolution),
  );
}

/** F§8 `parameters.mode`. */
export const ANIMATE_MODES = ['wan-std', 'wan-pro'] as const;

/**
 * F§8 animate: `image_url` and `video_url` required; `parameters.mode` required, wan-std or
 * wan-pro; `input.watermark` a boolean (F§11 #34); `check_image` passed through (F§11 #33).
 */
export function checkAnimate(_model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => checkUrl('input.image_url', input.image_url, 'image', true),
    () => checkUrl('input.video_url', input.video_url, 'video', true),
    () => checkBools(input, 'input', ['watermark']),
    () =>
      notSent(p.mode)
        ? invalidParameter(`Field required: parameters.mode (one of ${ANIMATE_MODES.join(', ')}).`)
        : checkEnum('parameters.mode', p.mode, ANIMATE_MODES),
  );
}
