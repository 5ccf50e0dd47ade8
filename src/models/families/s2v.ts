import { S2V } from '../input-rules.js';
import type { MediaSlot } from '../media-slot.js';
import type { ModelSpec } from '../model-table.js';
import type { RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import { firstProblem, forbid, optString, requiredMediaUrl, type Fields } from './field-checks.js';
import {
  planOf,
  flatSlots,
  type FlatMediaField,
  baseEffective,
  checkResolution,
  dimsOf,
  outputSize,
  secondsOf,
  slotOf,
} from './media-common.js';
import type { CheckedSlot, ModelFamily, SandboxPlan } from './model-family.js';

/** The synchronous check of an s2v portrait (families §7.1), offered in Beijing only. */
export const S2V_DETECT_MODEL = 'wan2.2-s2v-detect';

/** The sandbox caps a speech video here (families §7.2: audio ≤ 20 s, unverified). */
export const S2V_MAX_SECONDS = 20;

function check(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        ['img_url', 'media'],
        "the portrait goes in 'input.image_url', the speech in 'input.audio_url'.",
      ),
    () =>
      requiredMediaUrl(
        spec,
        'input.image_url',
        input.image_url,
        'the portrait (half or full body) as an http(s) URL',
        false,
      ),
    () =>
      requiredMediaUrl(
        spec,
        'input.audio_url',
        input.audio_url,
        'the speech or song (WAV or MP3) as an http(s) URL',
        false,
      ),
    () =>
      forbid(spec, p, 'parameters', ['duration'], "the video lasts as long as 'input.audio_url'."),
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ['size', 'ratio'],
        "the video keeps the portrait's aspect ratio; use 'parameters.resolution'.",
      ),
    () => checkResolution(spec, p),
    // families §11 #32: seen in clients, unconfirmed; DashScope judges the values
    () => optString('parameters.style', p.style),
    () => optString('parameters.scenario', p.scenario),
  );
}

const FIELDS: readonly FlatMediaField[] = [
  { key: 'image_url', kind: 'image', role: 'portrait', limits: S2V.image },
  { key: 'audio_url', kind: 'audio', role: 'audio', limits: S2V.audio },
];

const slots = (input: Fields): MediaSlot[] => flatSlots(input, FIELDS);

function effective(spec: ModelSpec, body: RequestBody): EffectiveRequest {
  // the length follows the audio, unknown until it is read: ten seconds is the first estimate
  return baseEffective(spec, body, slots(body.input), {
    durationSec: 10,
    ratio: null,
    watermark: false,
  });
}

function plan(
  spec: ModelSpec,
  _body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const image = slotOf(media, 'portrait');
  const audio = slotOf(media, 'audio');
  if (!image || !audio) throw new Error('an s2v plan needs its portrait and its audio');
  const durationSec = Math.min(Math.max(secondsOf(audio.info), 1), S2V_MAX_SECONDS);
  return planOf(spec, eff, {
    visual: { kind: 'still', image: image.slot.field },
    size: outputSize(eff.tier, null, dimsOf(image.info)),
    durationSec,
    audio: { kind: 'file', field: audio.slot.field },
    ratio: 'standard',
  });
}

/**
 * Speech-to-video (families §7): a portrait and its audio on the `image2video` path. Its
 * answer's URL may sit at `output.results.video_url` (several clients read it there).
 */
export const s2vFamily: ModelFamily = {
  id: 's2v',
  label: 'Wan speech-to-video (s2v)',
  protocol: 'flat',
  answer: {
    videoUrl: ['output.video_url', 'output.results.video_url'],
    billedSeconds: 'video_duration',
  },
  knownInput: ['image_url', 'audio_url', 'prompt'],
  knownParameters: ['resolution', 'style', 'scenario'],
  modeOf: () => 'speech',
  check,
  effective,
  checkMedia: () => null,
  plan,
};
