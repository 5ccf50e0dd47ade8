import { ANIMATE } from '../input-rules.js';
import type { MediaSlot } from '../media-slot.js';
import type { ModelSpec } from '../model-table.js';
import { capToTier, firstFrameOutputSize } from '../output-size.js';
import {
  invalidParameter,
  invalidUrl,
  showValue,
  type RequestProblem,
} from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import {
  absent,
  firstProblem,
  forbid,
  optBool,
  optEnum,
  requiredMediaUrl,
  type Fields,
} from './field-checks.js';
import {
  planOf,
  audioFrom,
  baseEffective,
  dimsOf,
  flatSlots,
  secondsOf,
  slotOf,
  type FlatMediaField,
} from './media-common.js';
import type { CheckedSlot, ModelFamily, SandboxPlan } from './model-family.js';

export const ANIMATE_MODES = ['wan-std', 'wan-pro'] as const;

/** families §8: the image is fetched from an ASCII-only URL (DashScope fails on raw UTF-8). */
function asciiUrl(spec: ModelSpec, path: string, v: unknown): RequestProblem | null {
  // eslint-disable-next-line no-control-regex
  if (typeof v !== 'string' || /^[\x00-\x7f]*$/.test(v)) return null;
  return invalidUrl(
    `Field '${path}' for model ${spec.name} must be an ASCII-only URL (percent-encode the other characters), got ${showValue(v)}.`,
  );
}

function check(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        ['img_url', 'media'],
        "the person goes in 'input.image_url', the motion in 'input.video_url'.",
      ),
    () =>
      requiredMediaUrl(
        spec,
        'input.image_url',
        input.image_url,
        'one frontal person with a full face, as an http(s) URL',
        false,
      ),
    () => asciiUrl(spec, 'input.image_url', input.image_url),
    () =>
      requiredMediaUrl(
        spec,
        'input.video_url',
        input.video_url,
        'a 2 to 30 s video of one frontal person, as an http(s) URL',
        false,
      ),
    // families §8, §11 #34: the watermark switch sits under input for this family
    () => optBool('input.watermark', input.watermark),
    () =>
      absent(p.mode)
        ? invalidParameter(
            `Field 'parameters.mode' is required for model ${spec.name}: one of ${ANIMATE_MODES.join(', ')} (quality and price differ).`,
          )
        : optEnum(spec, 'parameters.mode', p.mode, ANIMATE_MODES),
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ['resolution', 'duration', 'size', 'ratio'],
        'the video follows the input video (its length and at most 720P).',
      ),
    () => optBool('parameters.check_image', p.check_image),
  );
}

const FIELDS: readonly FlatMediaField[] = [
  { key: 'image_url', kind: 'image', role: 'portrait', limits: ANIMATE.image },
  { key: 'video_url', kind: 'video', role: 'video', limits: ANIMATE.video },
];

const slots = (input: Fields): MediaSlot[] => flatSlots(input, FIELDS);

function effective(spec: ModelSpec, body: RequestBody): EffectiveRequest {
  return baseEffective(spec, body, slots(body.input), {
    durationSec: 10,
    ratio: null,
    watermark: body.input.watermark === true,
  });
}

/**
 * The sandbox's animation (families §8, output unpublished): as long as the video, at most
 * 720P; move keeps the image's aspect, mix the video's; the video's sound when it has one.
 */
function plan(
  spec: ModelSpec,
  _body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const image = slotOf(media, 'portrait');
  const video = slotOf(media, 'video');
  const imageDims = image ? dimsOf(image.info) : null;
  const videoDims = video ? dimsOf(video.info) : null;
  if (!image || !video || !imageDims || !videoDims)
    throw new Error('an animate plan needs its image and video');
  const size = spec.name.endsWith('-move')
    ? firstFrameOutputSize(imageDims.width, imageDims.height, '720P')
    : capToTier(videoDims.width, videoDims.height, '720P');
  const durationSec = Math.min(secondsOf(video.info), 30);
  return planOf(spec, eff, {
    visual: { kind: 'animate', image: image.slot.field, video: video.slot.field },
    size,
    durationSec,
    audio:
      video.info.kind === 'video' && video.info.hasAudio
        ? audioFrom(video, true)
        : { kind: 'none' },
    ratio: 'standard',
  });
}

/** Animate move / mix (families §8): an image and a video on the `image2video` path. */
export const animateFamily: ModelFamily = {
  id: 'animate',
  label: 'Wan animate (move, mix)',
  protocol: 'flat',
  answer: {
    videoUrl: ['output.video_url', 'output.results.video_url'],
    billedSeconds: 'video_duration',
  },
  knownInput: ['image_url', 'video_url', 'watermark'],
  knownParameters: ['mode', 'check_image'],
  modeOf: () => 'animate',
  check,
  effective,
  checkMedia: () => null,
  plan,
};
