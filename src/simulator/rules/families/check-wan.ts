import { invalidParameter, notSent, type Fields } from '../sim-problem.js';
import type { SimFamilyModel } from './family-catalogue.js';
import {
  checkAtMost,
  checkBools,
  checkCommon,
  checkDuration,
  checkEnum,
  checkSeed,
  checkStrings,
  checkTier,
  checkUrl,
  countOf,
  first,
  mediaOrRefuse,
  readMedia,
  requirePrompt,
  type Check,
  type MediaItem,
} from './family-fields.js';

/** Wan 2.7 (F§2) and Wan 3.0 (F§3) bodies. */

/** F§2.1 / F§2.3 / F§2.4 `ratio`: "16:9, 9:16, 1:1, 4:3, 3:4". */
export const WAN27_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'] as const;
/** F§3.2 `ratio`, 21:9 accepted per F§11 #10. */
export const WAN30_RATIOS = ['adaptive', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] as const;

/** F§2.1–F§2.4: `prompt_extend`, `watermark` booleans, `seed`, `resolution`, `negative_prompt`. */
function wan27Common(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return checkCommon(
    model,
    input,
    p,
    ['prompt', 'negative_prompt'],
    ['prompt_extend', 'watermark'],
  );
}

/** F§2.1 `wan2.7-t2v`: flat, prompt required, optional `audio_url`. */
export function checkWan27T2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => wan27Common(model, input, p),
    () => requirePrompt(model, input),
    () => checkUrl('input.audio_url', input.audio_url, 'audio'),
    () => checkEnum('parameters.ratio', p.ratio, WAN27_RATIOS),
    () => checkDuration(model, p.duration, 2, 15),
  );
}

const I2V_ORDER = ['first_frame', 'first_clip', 'last_frame', 'driving_audio'];
/** F§2.2 "Only these combinations are accepted; any other is an error". */
const I2V_COMBOS = [
  'first_frame',
  'first_frame+driving_audio',
  'first_frame+last_frame',
  'first_frame+last_frame+driving_audio',
  'first_clip',
  'first_clip+last_frame',
];

/** F§2.2 `wan2.7-i2v`: media required, each type at most once, six combinations; no ratio. */
export function checkWan27I2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => wan27Common(model, input, p),
    () => mediaOrRefuse(input, true),
    () => {
      const items = readMedia(input.media, {
        types: {
          first_frame: 'image',
          last_frame: 'image',
          driving_audio: 'audio',
          first_clip: 'video',
        },
      });
      if (!Array.isArray(items)) return items;
      const once = checkAtMost(items, {
        first_frame: 1,
        last_frame: 1,
        driving_audio: 1,
        first_clip: 1,
      });
      if (once) return once;
      const combo = I2V_ORDER.filter((t) => countOf(items, t) > 0).join('+');
      return I2V_COMBOS.includes(combo)
        ? null
        : invalidParameter(
            `The input.media combination ${combo || '(empty)'} is not supported by ${model.name}; use one of: ${I2V_COMBOS.join('; ')}.`,
          );
    },
    () => checkDuration(model, p.duration, 2, 15),
  );
}

/**
 * F§2.3 `wan2.7-r2v`: prompt required; reference images + videos 1–5, first_frame ≤1 and not
 * counted (F§11 #4); `reference_voice` inside a media item or as `input.reference_voice`
 * (F§11 #3), and as a media type of its own (the F§2.3 table lists it as one), at most one per
 * reference; duration 2–15, 2–10 with any reference_video.
 */
export function checkWan27R2v(model: SimFamilyModel, input: Fields, p: Fields): Check {
  let items: MediaItem[] = [];
  return first(
    () => wan27Common(model, input, p),
    () => requirePrompt(model, input),
    () => mediaOrRefuse(input, true),
    () => {
      const read = readMedia(input.media, {
        types: {
          reference_image: 'image',
          reference_video: 'video',
          first_frame: 'image',
          reference_voice: 'audio',
        },
      });
      if (!Array.isArray(read)) return read;
      items = read;
      return null;
    },
    () => {
      const refs = countOf(items, 'reference_image') + countOf(items, 'reference_video');
      if (refs < 1 || refs > 5)
        return invalidParameter(
          `Field input.media must hold 1 to 5 reference_image and reference_video items, got ${refs}.`,
        );
      return checkAtMost(items, { first_frame: 1, reference_voice: refs });
    },
    () => {
      for (const item of items) {
        const v = checkUrl(
          `input.media[${item.index}].reference_voice`,
          item.fields.reference_voice,
          'audio',
        );
        if (v) return v;
      }
      return checkUrl('input.reference_voice', input.reference_voice, 'audio');
    },
    () => checkEnum('parameters.ratio', p.ratio, WAN27_RATIOS),
    () => checkDuration(model, p.duration, 2, countOf(items, 'reference_video') > 0 ? 10 : 15),
  );
}

/**
 * F§2.4 `wan2.7-videoedit`: exactly 1 `video` + 0–4 `reference_image`; prompt optional
 * (F§11 #7); duration 0 or 2–10; `audio_setting` auto/origin.
 */
export function checkWan27VideoEdit(model: SimFamilyModel, input: Fields, p: Fields): Check {
  return first(
    () => wan27Common(model, input, p),
    () => mediaOrRefuse(input, true),
    () => {
      const items = readMedia(input.media, { types: { video: 'video', reference_image: 'image' } });
      if (!Array.isArray(items)) return items;
      if (countOf(items, 'video') !== 1)
        return invalidParameter(
          `Field input.media must hold exactly 1 video, got ${countOf(items, 'video')}.`,
        );
      return checkAtMost(items, { reference_image: 4 });
    },
    () => checkEnum('parameters.ratio', p.ratio, WAN27_RATIOS),
    () => checkDuration(model, p.duration, 2, 10, [0]),
    () => checkEnum('parameters.audio_setting', p.audio_setting, ['auto', 'origin']),
  );
}

const FRAME_TYPES = ['first_frame', 'last_frame'];
const REFERENCE_TYPES = ['reference_image', 'reference_video', 'reference_audio'];

/**
 * F§3 Wan 3.0: media optional (text-only needs a prompt); frame mode (first_frame [+ last_frame])
 * or reference mode (images ≤10, videos ≤5, audio ≤5), never both; `file`/`link` refused
 * (F§11 #13); `negative_prompt` refused (F§11 #11); duration 2–30 or −1; seed −1 allowed.
 */
export function checkWan30(model: SimFamilyModel, input: Fields, p: Fields): Check {
  let items: MediaItem[] = [];
  return first(
    () => checkStrings(input, 'input', ['prompt']),
    () =>
      notSent(input.negative_prompt)
        ? null
        : invalidParameter('Field input.negative_prompt is not supported by wan3.0.'),
    () => mediaOrRefuse(input, false),
    () => {
      if (notSent(input.media)) return null;
      const read = readMedia(input.media, {
        types: {
          first_frame: 'image',
          last_frame: 'image',
          reference_image: 'image',
          reference_video: 'video',
          reference_audio: 'audio',
          file: 'other',
          link: 'other',
        },
      });
      if (!Array.isArray(read)) return read;
      items = read;
      return null;
    },
    () => {
      const unsupported = items.find((i) => i.type === 'file' || i.type === 'link');
      return unsupported
        ? invalidParameter(
            `Field input.media[${unsupported.index}]: type ${unsupported.type} needs thinking mode, which is not supported.`,
          )
        : null;
    },
    () =>
      checkAtMost(items, {
        first_frame: 1,
        last_frame: 1,
        reference_image: 10,
        reference_video: 5,
        reference_audio: 5,
      }),
    () => {
      const frames = items.some((i) => FRAME_TYPES.includes(i.type));
      const refs = items.some((i) => REFERENCE_TYPES.includes(i.type));
      if (frames && refs)
        return invalidParameter(
          'Field input.media: first_frame/last_frame cannot be combined with reference_image, reference_video or reference_audio.',
        );
      // F§3.3 last_frame "needs first_frame ⚠"
      if (countOf(items, 'last_frame') > 0 && countOf(items, 'first_frame') === 0)
        return invalidParameter('Field input.media: last_frame needs a first_frame.');
      return null;
    },
    () => (items.length === 0 ? requirePrompt(model, input) : null),
    () => checkBools(p, 'parameters', ['audio', 'prompt_extend', 'watermark']),
    () => checkTier(model, p.resolution),
    () => checkEnum('parameters.ratio', p.ratio, WAN30_RATIOS),
    () => checkDuration(model, p.duration, 2, 30, [-1]),
    () => checkSeed(p.seed, true),
  );
}
