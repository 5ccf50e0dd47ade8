import { WAN30 } from '../input-rules.js';
import type { ModelMode, ModelSpec } from '../model-table.js';
import { invalidParameter, type RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import {
  checkSeed,
  firstProblem,
  forbid,
  optBool,
  optString,
  requirePrompt,
  type Fields,
} from './field-checks.js';
import {
  mediaArraySlots,
  mediaTypesOf,
  readMediaArray,
  type MediaTypeRule,
} from './media-array.js';
import {
  planOf,
  allOf,
  audioFrom,
  baseEffective,
  checkDuration,
  checkRatio,
  checkResolution,
  dimsOf,
  outputSize,
  rawRatio,
  slotOf,
  totalSeconds,
  tooLong,
} from './media-common.js';
import type { CheckedSlot, ModelFamily, PlanVisual, SandboxPlan } from './model-family.js';

const TYPES: readonly MediaTypeRule[] = [
  { type: 'first_frame', kind: 'image', max: 1, limits: WAN30.image, inline: true },
  { type: 'last_frame', kind: 'image', max: 1, limits: WAN30.image, inline: true },
  { type: 'reference_image', kind: 'image', max: 10, limits: WAN30.image, inline: true },
  { type: 'reference_video', kind: 'video', max: 5, limits: WAN30.referenceVideo, inline: false },
  { type: 'reference_audio', kind: 'audio', max: 5, limits: WAN30.referenceAudio, inline: false },
];
const FRAMES = ['first_frame', 'last_frame'];
const REFERENCES = ['reference_image', 'reference_video', 'reference_audio'];
/** smart duration: the model picks the length (families §3.2) */
const SMART = -1;

function modeOf(_spec: ModelSpec, input: Fields): ModelMode {
  const types = mediaTypesOf(input);
  if (types.some((t) => REFERENCES.includes(t))) return 'references';
  if (types.includes('first_frame')) {
    return types.includes('last_frame') ? 'first-last-frame' : 'first-frame';
  }
  return 'text';
}

function checkMediaKinds(spec: ModelSpec, input: Fields): RequestProblem | null {
  // families §11 #13: the thinking-mode field `file` and `link` need is not confirmed
  const types = mediaTypesOf(input);
  for (const t of ['file', 'link']) {
    if (types.includes(t)) {
      return invalidParameter(
        `Field 'input.media' of model ${spec.name}: '${t}' items are not supported by vidgate yet (they need DashScope's thinking mode, whose field is unpublished); send first_frame, last_frame, reference_image, reference_video or reference_audio.`,
      );
    }
  }
  const read = readMediaArray(spec, input, TYPES, false);
  if (!read.ok) return read.problem;
  const sent = new Set<string>(read.items.map((i) => i.type));
  const frame = FRAMES.find((t) => sent.has(t));
  const ref = REFERENCES.find((t) => sent.has(t));
  if (frame && ref) {
    return invalidParameter(
      `Field 'input.media' of model ${spec.name} mixes '${frame}' with '${ref}': frames (first_frame, last_frame) and references (reference_*) cannot be sent together.`,
    );
  }
  if (sent.has('last_frame') && !sent.has('first_frame')) {
    return invalidParameter(
      `Field 'input.media' of model ${spec.name} has a last_frame without a first_frame; send both, or a first_frame alone.`,
    );
  }
  // text-only needs a prompt; a blank one is no prompt (families §3.2)
  return read.items.length === 0 ? requirePrompt(spec, input) : null;
}

function check(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        ['img_url', 'reference_urls', 'reference_video_urls'],
        "it takes 'input.media' (an array of {type, url}), not wan2.6's flat fields.",
      ),
    // families §11 #11: absent from Wan 3.0's schema
    () =>
      forbid(
        spec,
        input,
        'input',
        ['negative_prompt'],
        'Wan 3.0 has no negative prompt; say what to avoid in the prompt.',
      ),
    () => optString('input.prompt', input.prompt),
    () => checkMediaKinds(spec, input),
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ['size'],
        "use 'parameters.resolution' and 'parameters.ratio'.",
      ),
    () => checkResolution(spec, p),
    () => checkRatio(spec, p),
    () => checkDuration(spec, p.duration, SMART),
    () => optBool('parameters.audio', p.audio),
    () => optBool('parameters.prompt_extend', p.prompt_extend),
    () => optBool('parameters.watermark', p.watermark),
    () => checkSeed(spec, p.seed, true),
  );
}

function effective(spec: ModelSpec, body: RequestBody): EffectiveRequest {
  const p = body.parameters;
  return baseEffective(spec, body, mediaArraySlots(body.input, TYPES), {
    // a smart duration is held at its longest until the upstream says (families §3.4)
    durationSec: p.duration === SMART ? 30 : typeof p.duration === 'number' ? p.duration : 5,
    withAudio: p.audio !== false,
    // §11 #10: no ratio default is injected; 'adaptive' is what DashScope does without one
    ratio: typeof p.ratio === 'string' ? p.ratio : 'adaptive',
  });
}

/** families §3.3: reference videos and reference audio last at most 15 s of each together. */
function checkMedia(_spec: ModelSpec, _body: RequestBody, media: readonly CheckedSlot[]) {
  const max = WAN30.totalReferenceSeconds;
  for (const [role, what] of [
    ['reference_video', 'reference videos'],
    ['reference_audio', 'reference audio files'],
  ] as const) {
    const total = totalSeconds(media, role);
    if (total > max) return tooLong('input.media', what, total, max);
  }
  return null;
}

/**
 * Smart duration in the sandbox (a vidgate rule; DashScope's is unpublished): the reference
 * audio's total length clamped to 2–30 s, else 5 s.
 */
function smartSeconds(media: readonly CheckedSlot[]): number {
  const audio = totalSeconds(media, 'reference_audio');
  return audio > 0 ? Math.min(30, Math.max(2, Math.round(audio))) : 5;
}

function plan(
  spec: ModelSpec,
  body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const first = slotOf(media, 'first_frame');
  const last = slotOf(media, 'last_frame');
  const images = allOf(media, 'reference_image');
  const videos = allOf(media, 'reference_video');
  const followed = first ?? images[0] ?? videos[0];
  const follow = followed ? dimsOf(followed.info) : null;
  const durationSec = body.parameters.duration === SMART ? smartSeconds(media) : eff.durationSec;
  let visual: PlanVisual = { kind: 'text' };
  if (first && last)
    visual = { kind: 'transition', first: first.slot.field, last: last.slot.field };
  else if (first) visual = { kind: 'still', image: first.slot.field };
  else if (images.length + videos.length > 0) {
    visual = { kind: 'sequence', items: [...images, ...videos].map((m) => m.slot.field) };
  }
  const size = outputSize(eff.tier, eff.ratio, follow);
  const inputVideoSec = Math.round(totalSeconds(media, 'reference_video'));
  // adaptive reports what it followed, as Wan 2.7 reports a followed input (families §2.5): the
  // input's own W:H, not the rounded output size's (832×464 would read "52:29" for a 16:9 image)
  const ratio =
    eff.ratio === 'adaptive' || eff.ratio === null
      ? follow
        ? rawRatio(follow.width, follow.height)
        : '16:9'
      : eff.ratio;
  const audio = audioFrom(slotOf(media, 'reference_audio'), eff.withAudio);
  return planOf(spec, eff, { visual, size, durationSec, audio, inputVideoSec, ratio });
}

/** Wan 3.0 (families §3): one model per tier for every mode, on `input.media[]`. */
export const wan30Family: ModelFamily = {
  id: 'wan3.0',
  label: 'Wan 3.0',
  protocol: 'media',
  answer: { videoUrl: ['output.video_url'], billedSeconds: 'duration' },
  knownInput: ['prompt', 'media'],
  knownParameters: [
    'resolution',
    'ratio',
    'duration',
    'audio',
    'seed',
    'prompt_extend',
    'watermark',
  ],
  modeOf,
  check,
  effective,
  checkMedia,
  plan,
};
