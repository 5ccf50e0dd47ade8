import { WAN27 } from '../input-rules.js';
import type { MediaSlot } from '../media-slot.js';
import type { ModelSpec } from '../model-table.js';
import { invalidParameter, type RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import {
  absent,
  firstProblem,
  forbid,
  isObject,
  mediaUrl,
  optBool,
  optEnum,
  optString,
  requirePrompt,
  checkSeed,
  type Fields,
} from './field-checks.js';
import {
  describeCombination,
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
  editAudio,
  checkRatio,
  checkResolution,
  dimsOf,
  outputSize,
  rawRatio,
  secondsOf,
  slotOf,
  totalSeconds,
} from './media-common.js';
import type { CheckedSlot, ModelFamily, PlanVisual, SandboxPlan } from './model-family.js';

const img = (
  type: 'first_frame' | 'last_frame' | 'reference_image',
  max: number,
): MediaTypeRule => ({
  type,
  kind: 'image',
  max,
  limits: WAN27.image,
  inline: true,
});

const I2V_TYPES: readonly MediaTypeRule[] = [
  img('first_frame', 1),
  img('last_frame', 1),
  { type: 'driving_audio', kind: 'audio', max: 1, limits: WAN27.audio, inline: false },
  { type: 'first_clip', kind: 'video', max: 1, limits: WAN27.clip, inline: false },
];
/** families §2.2: "only these combinations are accepted; any other is an error" */
const I2V_COMBOS = [
  'first_frame',
  'driving_audio+first_frame',
  'first_frame+last_frame',
  'driving_audio+first_frame+last_frame',
  'first_clip',
  'first_clip+last_frame',
];
const R2V_TYPES: readonly MediaTypeRule[] = [
  img('reference_image', 5),
  { type: 'reference_video', kind: 'video', max: 5, limits: WAN27.referenceVideo, inline: false },
  img('first_frame', 1),
];
const EDIT_TYPES: readonly MediaTypeRule[] = [
  { type: 'video', kind: 'video', max: 1, limits: WAN27.editVideo, inline: false },
  img('reference_image', 4),
];
const TYPES_BY_MODE: Partial<Record<ModelSpec['mode'], readonly MediaTypeRule[]>> = {
  'first-frame': I2V_TYPES,
  references: R2V_TYPES,
  'video-edit': EDIT_TYPES,
};

const LEGACY = ['img_url', 'reference_urls', 'reference_video_urls'];
const legacyHint = "it takes 'input.media' (an array of {type, url}), not wan2.6's flat fields.";

function commonParameters(spec: ModelSpec, p: Fields): RequestProblem | null {
  return firstProblem(
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ['size'],
        "use 'parameters.resolution' and 'parameters.ratio'.",
      ),
    () => checkResolution(spec, p),
    () => optBool('parameters.prompt_extend', p.prompt_extend),
    () => optBool('parameters.watermark', p.watermark),
    () => checkSeed(spec, p.seed),
  );
}

function checkT2v(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        [...LEGACY, 'media'],
        'a text-to-video model takes no images or videos.',
      ),
    () => requirePrompt(spec, input),
    () => optString('input.negative_prompt', input.negative_prompt),
    () => (absent(input.audio_url) ? null : mediaUrl('input.audio_url', input.audio_url, false)),
    () => commonParameters(spec, p),
    () => checkRatio(spec, p),
    () => checkDuration(spec, p.duration),
  );
}

function checkR2vVoices(input: Fields): RequestProblem | null {
  const media = Array.isArray(input.media) ? input.media : [];
  for (const [i, m] of media.entries()) {
    if (isObject(m) && !absent(m.reference_voice)) {
      const p = mediaUrl(`input.media[${i}].reference_voice`, m.reference_voice, false);
      if (p) return p;
    }
  }
  return absent(input.reference_voice)
    ? null
    : mediaUrl('input.reference_voice', input.reference_voice, false);
}

function checkMediaModel(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  const types = TYPES_BY_MODE[spec.mode] ?? [];
  const legacy = forbid(spec, input, 'input', LEGACY, legacyHint);
  if (legacy) return legacy;
  const read = readMediaArray(spec, input, types, true);
  if (!read.ok) return read.problem;
  const items = read.items;
  const combo = [...new Set(items.map((i) => i.type))].sort().join('+');
  if (spec.mode === 'first-frame' && !I2V_COMBOS.includes(combo)) {
    return invalidParameter(
      `Field 'input.media' of model ${spec.name} holds ${describeCombination(items)}; the accepted combinations are first_frame, first_frame + driving_audio, first_frame + last_frame, first_frame + last_frame + driving_audio, first_clip, first_clip + last_frame.`,
    );
  }
  const refs = items.filter((i) => i.type !== 'first_frame').length;
  if (spec.mode === 'references' && (refs < 1 || refs > 5)) {
    return invalidParameter(
      `Field 'input.media' of model ${spec.name} must hold 1 to 5 reference_image or reference_video items together, got ${refs}.`,
    );
  }
  if (spec.mode === 'video-edit' && !items.some((i) => i.type === 'video')) {
    return invalidParameter(
      `Field 'input.media' of model ${spec.name} must hold exactly one 'video' item (the video to edit), got none.`,
    );
  }
  const hasRefVideo = items.some((i) => i.type === 'reference_video');
  return firstProblem(
    () =>
      spec.mode === 'references'
        ? requirePrompt(spec, input)
        : optString('input.prompt', input.prompt),
    () => optString('input.negative_prompt', input.negative_prompt),
    () => (spec.mode === 'references' ? checkR2vVoices(input) : null),
    () => commonParameters(spec, p),
    () => checkRatio(spec, p, 'the first frame or clip'),
    () =>
      spec.mode === 'references' && hasRefVideo && typeof p.duration === 'number' && p.duration > 10
        ? invalidParameter(
            `Field 'parameters.duration' for model ${spec.name} with a reference_video must be an integer from 2 to 10 seconds, got ${p.duration}.`,
          )
        : checkDuration(spec, p.duration),
    () =>
      spec.mode === 'video-edit'
        ? optEnum(spec, 'parameters.audio_setting', p.audio_setting, ['auto', 'origin'])
        : null,
  );
}

function slots(spec: ModelSpec, input: Fields): MediaSlot[] {
  if (spec.mode === 'text') {
    return typeof input.audio_url === 'string'
      ? [
          {
            field: 'input.audio_url',
            url: input.audio_url,
            kind: 'audio',
            role: 'audio',
            limits: WAN27.audio,
          },
        ]
      : [];
  }
  const out = mediaArraySlots(input, TYPES_BY_MODE[spec.mode] ?? []);
  if (spec.mode === 'references') {
    const media = Array.isArray(input.media) ? input.media : [];
    media.forEach((m, i) => {
      if (isObject(m) && typeof m.reference_voice === 'string') {
        out.push({
          field: `input.media[${i}].reference_voice`,
          url: m.reference_voice,
          kind: 'audio',
          role: 'reference_voice',
          limits: WAN27.voice,
        });
      }
    });
    if (typeof input.reference_voice === 'string') {
      out.push({
        field: 'input.reference_voice',
        url: input.reference_voice,
        kind: 'audio',
        role: 'reference_voice',
        limits: WAN27.voice,
      });
    }
  }
  return out;
}

function effective(spec: ModelSpec, body: RequestBody) {
  const media = slots(spec, body.input);
  const p = body.parameters;
  const ratio =
    spec.mode === 'first-frame'
      ? null
      : typeof p.ratio === 'string'
        ? p.ratio
        : spec.mode === 'video-edit'
          ? null
          : (spec.ratios[0] ?? null);
  return baseEffective(spec, body, media, { ratio });
}

/** With a first clip, `duration` is the whole length: the clip must leave time to continue it. */
function checkMedia(
  spec: ModelSpec,
  body: RequestBody,
  media: readonly CheckedSlot[],
): RequestProblem | null {
  const clip = slotOf(media, 'first_clip');
  if (!clip) return null;
  const total =
    typeof body.parameters.duration === 'number'
      ? body.parameters.duration
      : spec.durations.default;
  const clipSec = secondsOf(clip.info);
  if (clipSec < total) return null;
  return invalidParameter(
    `Field 'parameters.duration' (${total} s) is the whole length including the first_clip, which lasts ${Math.round(clipSec * 100) / 100} s: it must be longer than the clip.`,
  );
}

function plan(
  spec: ModelSpec,
  body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const first = slotOf(media, 'first_frame');
  const last = slotOf(media, 'last_frame');
  const clip = slotOf(media, 'first_clip');
  const editVideo = slotOf(media, 'video');
  const followed = first ?? clip ?? editVideo;
  const follow = followed ? dimsOf(followed.info) : null;
  let visual: PlanVisual = { kind: 'text' };
  let durationSec = eff.durationSec;
  let inputVideoSec = 0;
  let audio = audioFrom(slotOf(media, 'driving_audio') ?? slotOf(media, 'audio'), true);
  const ratioOut = eff.ratio ?? (follow ? rawRatio(follow.width, follow.height) : '16:9');
  if (spec.mode === 'first-frame') {
    if (clip)
      visual = { kind: 'continuation', clip: clip.slot.field, last: last?.slot.field ?? null };
    else if (first && last)
      visual = { kind: 'transition', first: first.slot.field, last: last.slot.field };
    else if (first) visual = { kind: 'still', image: first.slot.field };
  } else if (spec.mode === 'references') {
    const refs = media.filter(
      (m) => m.slot.role === 'reference_image' || m.slot.role === 'reference_video',
    );
    visual = {
      kind: 'sequence',
      items: [...(first ? [first] : []), ...refs].map((m) => m.slot.field),
    };
    inputVideoSec = Math.round(totalSeconds(media, 'reference_video'));
    audio = audioFrom(allOf(media, 'reference_voice')[0], true);
  } else if (spec.mode === 'video-edit' && editVideo) {
    const inSec = secondsOf(editVideo.info);
    durationSec = eff.durationSec === 0 ? Math.min(inSec, 10) : Math.min(eff.durationSec, inSec);
    inputVideoSec = durationSec;
    visual = { kind: 'edit', video: editVideo.slot.field, look: 'restyle' };
    audio = editAudio(editVideo, body.parameters.audio_setting);
  }
  const size = outputSize(
    eff.tier,
    spec.mode === 'first-frame' || (spec.mode === 'references' && first) ? null : eff.ratio,
    follow,
  );
  return planOf(spec, eff, { visual, size, durationSec, audio, inputVideoSec, ratio: ratioOut });
}

/** Wan 2.7 (families §2): t2v on flat fields; i2v, r2v and videoedit on `input.media[]`. */
export const wan27Family: ModelFamily = {
  id: 'wan2.7',
  label: 'Wan 2.7',
  protocol: 'media',
  answer: { videoUrl: ['output.video_url'], billedSeconds: 'duration' },
  knownInput: ['prompt', 'negative_prompt', 'audio_url', 'media', 'reference_voice'],
  knownParameters: [
    'resolution',
    'ratio',
    'duration',
    'prompt_extend',
    'watermark',
    'seed',
    'audio_setting',
  ],
  modeOf: (spec, input) =>
    spec.mode === 'first-frame' &&
    mediaTypesOf(input).includes('last_frame') &&
    !mediaTypesOf(input).includes('first_clip')
      ? 'first-last-frame'
      : spec.mode,
  check: (spec, input, p) =>
    spec.mode === 'text' ? checkT2v(spec, input, p) : checkMediaModel(spec, input, p),
  effective,
  checkMedia,
  plan,
};
