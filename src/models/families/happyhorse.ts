import { HAPPYHORSE } from '../input-rules.js';
import type { ModelSpec } from '../model-table.js';
import { invalidParameter, type RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import {
  checkSeed,
  firstProblem,
  forbid,
  optBool,
  optEnum,
  requirePrompt,
  optString,
  type Fields,
} from './field-checks.js';
import { mediaArraySlots, readMediaArray, type MediaTypeRule } from './media-array.js';
import {
  planOf,
  allOf,
  audioFrom,
  baseEffective,
  checkDuration,
  checkRatio,
  checkResolution,
  dimsOf,
  editAudio,
  outputSize,
  rawRatio,
  secondsOf,
  slotOf,
} from './media-common.js';
import type { CheckedSlot, ModelFamily, PlanVisual, SandboxPlan } from './model-family.js';

/** families §4: `data:image/{jpeg,png,webp};base64,…` only */
const HH_DATA_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

const TYPES_BY_MODE: Partial<Record<ModelSpec['mode'], readonly MediaTypeRule[]>> = {
  'first-frame': [
    {
      type: 'first_frame',
      kind: 'image',
      max: 1,
      limits: HAPPYHORSE.firstFrame,
      inline: true,
      dataTypes: HH_DATA_TYPES,
    },
  ],
  references: [
    {
      type: 'reference_image',
      kind: 'image',
      max: 9,
      limits: HAPPYHORSE.referenceImage,
      inline: true,
      dataTypes: HH_DATA_TYPES,
    },
  ],
  'video-edit': [
    { type: 'video', kind: 'video', max: 1, limits: HAPPYHORSE.editVideo, inline: false },
    {
      type: 'reference_image',
      kind: 'image',
      max: 5,
      limits: HAPPYHORSE.editImage,
      inline: true,
      dataTypes: HH_DATA_TYPES,
    },
  ],
};
/** t2v reads `input.prompt` only (families §1.1) */
const TEXT_ONLY = 'a text-to-video model takes no images or videos.';
/** what an edit makes at most: longer input is trimmed (families §4.3) */
const EDIT_MAX_SECONDS = 15;

function checkMedia(spec: ModelSpec, input: Fields): RequestProblem | null {
  const types = TYPES_BY_MODE[spec.mode];
  if (!types) {
    return forbid(spec, input, 'input', ['media'], TEXT_ONLY);
  }
  const read = readMediaArray(spec, input, types, true);
  if (!read.ok) return read.problem;
  const need = spec.mode === 'video-edit' ? 'video' : types[0]?.type;
  if (!read.items.some((i) => i.type === need)) {
    return invalidParameter(
      `Field 'input.media' of model ${spec.name} must hold ${spec.mode === 'references' ? `1 to 9 '${need}' items` : `exactly one '${need}' item`}, got none.`,
    );
  }
  return null;
}

function check(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  const edit = spec.mode === 'video-edit';
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        ['img_url', 'reference_urls', 'reference_video_urls', 'audio_url'],
        TYPES_BY_MODE[spec.mode]
          ? "it takes 'input.media' (an array of {type, url}); HappyHorse has no flat media fields or driving audio."
          : TEXT_ONLY,
      ),
    () => forbid(spec, input, 'input', ['negative_prompt'], 'HappyHorse has no negative prompt.'),
    () =>
      spec.promptRequired ? requirePrompt(spec, input) : optString('input.prompt', input.prompt),
    () => checkMedia(spec, input),
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ['size'],
        "use 'parameters.resolution'" + (spec.ratios.length ? " and 'parameters.ratio'." : '.'),
      ),
    () => checkResolution(spec, p),
    () => checkRatio(spec, p, edit ? 'the input video' : 'the first frame'),
    () =>
      edit
        ? forbid(
            spec,
            p,
            'parameters',
            ['duration'],
            `the edit keeps the input's length, at most ${EDIT_MAX_SECONDS} s.`,
          )
        : checkDuration(spec, p.duration),
    () =>
      edit ? optEnum(spec, 'parameters.audio_setting', p.audio_setting, ['auto', 'origin']) : null,
    () => optBool('parameters.watermark', p.watermark),
    () => checkSeed(spec, p.seed),
  );
}

function effective(spec: ModelSpec, body: RequestBody): EffectiveRequest {
  const media = mediaArraySlots(body.input, TYPES_BY_MODE[spec.mode] ?? []);
  const follows = spec.mode === 'first-frame' || spec.mode === 'video-edit';
  return baseEffective(spec, body, media, {
    durationSec:
      spec.mode === 'video-edit' ? EDIT_MAX_SECONDS : baseEffective(spec, body, media).durationSec,
    ratio: follows
      ? null
      : typeof body.parameters.ratio === 'string'
        ? body.parameters.ratio
        : '16:9',
  });
}

function plan(
  spec: ModelSpec,
  body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const first = slotOf(media, 'first_frame');
  const video = slotOf(media, 'video');
  const refs = allOf(media, 'reference_image');
  let visual: PlanVisual = { kind: 'text' };
  let durationSec = eff.durationSec;
  let inputVideoSec = 0;
  let audio = audioFrom(undefined, true);
  if (first) visual = { kind: 'still', image: first.slot.field };
  else if (video) {
    durationSec = Math.min(secondsOf(video.info), EDIT_MAX_SECONDS);
    inputVideoSec = durationSec;
    visual = { kind: 'edit', video: video.slot.field, look: 'restyle' };
    audio = editAudio(video, body.parameters.audio_setting);
  } else if (refs.length > 0) visual = { kind: 'sequence', items: refs.map((r) => r.slot.field) };
  const followed = first ?? video;
  const follow = followed ? dimsOf(followed.info) : null;
  const size = outputSize(eff.tier, eff.ratio, follow);
  // i2v and edit report the followed input's W:H, as Wan 2.7 does (families §2.5), not the
  // rounded output size's (816×1104 would read "17:23" for a 3:4 image)
  const ratio = eff.ratio ?? (follow ? rawRatio(follow.width, follow.height) : '16:9');
  return planOf(spec, eff, { visual, size, durationSec, audio, inputVideoSec, ratio });
}

/** HappyHorse 1.0 / 1.1 (families §4): `media[]`, watermark on unless turned off. */
export const happyhorseFamily: ModelFamily = {
  id: 'happyhorse',
  label: 'HappyHorse',
  protocol: 'media',
  answer: { videoUrl: ['output.video_url'], billedSeconds: 'duration' },
  knownInput: ['prompt', 'media'],
  knownParameters: ['resolution', 'ratio', 'duration', 'watermark', 'seed', 'audio_setting'],
  modeOf: (spec) => spec.mode,
  check,
  effective,
  checkMedia: () => null,
  plan,
};
