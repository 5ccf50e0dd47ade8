import { KF2V_IMAGE } from '../input-rules.js';
import type { MediaSlot } from '../media-slot.js';
import type { ModelSpec } from '../model-table.js';
import type { RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import {
  absent,
  checkSeed,
  firstProblem,
  forbid,
  notSupported,
  mediaUrl,
  optBool,
  optString,
  requiredMediaUrl,
  type Fields,
} from './field-checks.js';
import {
  planOf,
  flatSlots,
  type FlatMediaField,
  baseEffective,
  checkDuration,
  checkResolution,
  dimsOf,
  outputSize,
  slotOf,
} from './media-common.js';
import type { CheckedSlot, ModelFamily, SandboxPlan } from './model-family.js';

/** What the sandbox appends to a prompt it "extends", as kf2v's `actual_prompt` shows one. */
export const EXTENDED_PROMPT_SUFFIX =
  ' The camera moves smoothly from the first frame to the last.';

function check(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  return firstProblem(
    () =>
      forbid(spec, input, 'input', ['img_url'], "the first frame goes in 'input.first_frame_url'."),
    () =>
      forbid(
        spec,
        input,
        'input',
        ['media', 'reference_urls', 'audio_url'],
        'kf2v takes a first and a last frame only (and makes silent videos).',
      ),
    () =>
      requiredMediaUrl(
        spec,
        'input.first_frame_url',
        input.first_frame_url,
        `the first frame as an http(s) URL, an oss:// URL or a data: URI`,
      ),
    () =>
      absent(input.last_frame_url) ? null : mediaUrl('input.last_frame_url', input.last_frame_url),
    () => optString('input.prompt', input.prompt),
    () => optString('input.negative_prompt', input.negative_prompt),
    // templates are listed per model and region (families §11 #29): DashScope judges the name
    () => optString('input.template', input.template),
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ['size', 'ratio'],
        "the video keeps the first frame's aspect ratio; use 'parameters.resolution'.",
      ),
    () => checkResolution(spec, p),
    () => checkDuration(spec, p.duration),
    () => optBool('parameters.audio', p.audio),
    // false asks for what kf2v does anyway; true for what it cannot
    () =>
      p.audio === true
        ? notSupported(
            spec,
            'parameters.audio',
            'kf2v videos are silent; for sound use wan2.7-i2v with first_frame + last_frame.',
          )
        : null,
    () => optBool('parameters.prompt_extend', p.prompt_extend),
    () => optBool('parameters.watermark', p.watermark),
    () => checkSeed(spec, p.seed),
  );
}

const FIELDS: readonly FlatMediaField[] = [
  { key: 'first_frame_url', kind: 'image', role: 'first_frame', limits: KF2V_IMAGE },
  { key: 'last_frame_url', kind: 'image', role: 'last_frame', limits: KF2V_IMAGE },
];

const slots = (input: Fields): MediaSlot[] => flatSlots(input, FIELDS);

function effective(spec: ModelSpec, body: RequestBody): EffectiveRequest {
  return baseEffective(spec, body, slots(body.input), {
    withAudio: false,
    durationSec: 5,
    ratio: null,
  });
}

function plan(
  spec: ModelSpec,
  _body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const first = slotOf(media, 'first_frame');
  const last = slotOf(media, 'last_frame');
  if (!first) throw new Error('a kf2v plan needs its first frame');
  const size = outputSize(eff.tier, null, dimsOf(first.info));
  const prompt = eff.prompt ?? '';
  const plan = planOf(spec, eff, {
    visual: last
      ? { kind: 'transition', first: first.slot.field, last: last.slot.field }
      : { kind: 'still', image: first.slot.field },
    size,
    durationSec: 5,
    audio: { kind: 'none' },
    ratio: 'standard',
  });
  return eff.promptExtend
    ? { ...plan, actualPrompt: `${prompt}${EXTENDED_PROMPT_SUFFIX}`.trim() }
    : plan;
}

/** First + last frame (families §5): flat frame URLs, `image2video` path, silent, 5 s. */
export const kf2vFamily: ModelFamily = {
  id: 'kf2v',
  label: 'Wan first + last frame (kf2v)',
  protocol: 'flat',
  answer: { videoUrl: ['output.video_url'], billedSeconds: 'video_duration' },
  knownInput: ['prompt', 'negative_prompt', 'first_frame_url', 'last_frame_url', 'template'],
  knownParameters: ['resolution', 'duration', 'prompt_extend', 'watermark', 'seed'],
  modeOf: () => 'first-last-frame',
  check,
  effective,
  checkMedia: () => null,
  plan,
};
