import { VACE } from '../input-rules.js';
import type { MediaRole, MediaSlot } from '../media-slot.js';
import type { ModelSpec } from '../model-table.js';
import { capToTier, parseSize } from '../output-size.js';
import {
  describeType,
  invalidParameter,
  showValue,
  type RequestProblem,
} from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import {
  absent,
  checkSeed,
  firstProblem,
  forbid,
  mediaUrl,
  optBool,
  optEnum,
  optNumberRange,
  requiredMediaUrl,
  requirePrompt,
  type Fields,
} from './field-checks.js';
import { planOf, baseEffective, checkDuration, dimsOf, secondsOf, slotOf } from './media-common.js';
import type {
  CheckedSlot,
  EditLook,
  ModelFamily,
  PlanVisual,
  SandboxPlan,
} from './model-family.js';

export const VACE_FUNCTIONS = [
  'image_reference',
  'video_repainting',
  'video_edit',
  'video_extension',
  'video_outpainting',
] as const;
type VaceFunction = (typeof VACE_FUNCTIONS)[number];

/** Each function's own fields (families §6); a field of another function is refused. */
const INPUT_FIELDS: Record<VaceFunction, readonly string[]> = {
  image_reference: ['ref_images_url'],
  video_repainting: ['ref_images_url', 'video_url'],
  video_edit: ['ref_images_url', 'video_url', 'mask_image_url', 'mask_video_url', 'mask_frame_id'],
  video_extension: [
    'video_url',
    'first_clip_url',
    'last_clip_url',
    'first_frame_url',
    'last_frame_url',
  ],
  video_outpainting: ['video_url'],
};
const PARAMETER_FIELDS: Record<VaceFunction, readonly string[]> = {
  image_reference: ['obj_or_bg', 'size'],
  video_repainting: ['control_condition', 'strength'],
  // families §6: obj_or_bg on video_edit is "not public" (a field, undocumented): passed through
  video_edit: ['size', 'mask_type', 'expand_ratio', 'obj_or_bg'],
  video_extension: [],
  video_outpainting: ['top_scale', 'bottom_scale', 'left_scale', 'right_scale'],
};
const ALL_INPUT = [...new Set(Object.values(INPUT_FIELDS).flat())];
const ALL_PARAMETERS = [...new Set(Object.values(PARAMETER_FIELDS).flat())];
const SCALES = ['top_scale', 'bottom_scale', 'left_scale', 'right_scale'] as const;

function functionOf(input: Fields): VaceFunction | null {
  const f = input.function;
  return VACE_FUNCTIONS.find((v) => v === f) ?? null;
}

function checkRefImages(spec: ModelSpec, input: Fields, fn: VaceFunction): RequestProblem | null {
  const v = input.ref_images_url;
  const [min, max] = fn === 'image_reference' ? [1, 3] : [0, 1];
  if (absent(v)) {
    return min === 0
      ? null
      : invalidParameter(
          `Field 'input.ref_images_url' is required for function image_reference: 1 to 3 image URLs.`,
        );
  }
  if (!Array.isArray(v)) {
    return invalidParameter(
      `Field 'input.ref_images_url' must be an array of image URLs, got ${describeType(v)}.`,
    );
  }
  if (v.length < min || v.length > max) {
    return invalidParameter(
      `Field 'input.ref_images_url' for function ${fn} must hold ${min} to ${max} image URLs, got ${v.length}.`,
    );
  }
  for (const [i, url] of v.entries()) {
    const p = mediaUrl(`input.ref_images_url[${i}]`, url, false);
    if (p) return p;
  }
  return null;
}

function checkObjOrBg(input: Fields, p: Fields): RequestProblem | null {
  const v = p.obj_or_bg;
  if (absent(v)) return null;
  const refs = Array.isArray(input.ref_images_url) ? input.ref_images_url.length : 0;
  if (!Array.isArray(v) || v.some((x) => x !== 'obj' && x !== 'bg')) {
    return invalidParameter(
      `Field 'parameters.obj_or_bg' must be an array of 'obj' or 'bg', got ${showValue(v)}.`,
    );
  }
  if (v.length !== refs) {
    return invalidParameter(
      `ref_images_url and obj_or_bg must be the same length: 'parameters.obj_or_bg' has ${v.length}, 'input.ref_images_url' has ${refs}.`,
    );
  }
  if (v.filter((x) => x === 'bg').length > 1) {
    return invalidParameter(
      `Field 'parameters.obj_or_bg' may name at most one 'bg' (background) image.`,
    );
  }
  return null;
}

function checkFunctionFields(
  spec: ModelSpec,
  fn: VaceFunction,
  input: Fields,
  p: Fields,
): RequestProblem | null {
  const urls = (keys: readonly string[]) => () => {
    for (const k of keys)
      if (!absent(input[k])) {
        const x = mediaUrl(`input.${k}`, input[k], false);
        if (x) return x;
      }
    return null;
  };
  const needsVideo = fn === 'video_repainting' || fn === 'video_edit' || fn === 'video_outpainting';
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        ALL_INPUT.filter((k) => !INPUT_FIELDS[fn].includes(k)),
        `function ${fn} does not read it.`,
      ),
    () =>
      forbid(
        spec,
        p,
        'parameters',
        ALL_PARAMETERS.filter((k) => !PARAMETER_FIELDS[fn].includes(k)),
        `function ${fn} does not read it.`,
      ),
    () => checkRefImages(spec, input, fn),
    () =>
      needsVideo
        ? requiredMediaUrl(
            spec,
            'input.video_url',
            input.video_url,
            `function ${fn} edits a video: an http(s) URL of an MP4`,
            false,
          )
        : null,
    urls([
      'video_url',
      'mask_image_url',
      'mask_video_url',
      'first_clip_url',
      'last_clip_url',
      'first_frame_url',
      'last_frame_url',
    ]),
    () =>
      fn === 'video_edit' && absent(input.mask_image_url) === absent(input.mask_video_url)
        ? invalidParameter(
            `Function video_edit needs exactly one of 'input.mask_image_url' and 'input.mask_video_url' (white = edit, black = keep).`,
          )
        : null,
    () =>
      fn === 'video_edit'
        ? optNumberRange(spec, 'input.mask_frame_id', input.mask_frame_id, 0, 100000, true)
        : null,
    () =>
      fn === 'video_extension' &&
      ['first_clip_url', 'last_clip_url', 'first_frame_url', 'last_frame_url'].every((k) =>
        absent(input[k]),
      )
        ? invalidParameter(
            `Function video_extension needs at least one of 'input.first_clip_url', 'input.last_clip_url', 'input.first_frame_url', 'input.last_frame_url'.`,
          )
        : null,
    () => (fn === 'image_reference' ? checkObjOrBg(input, p) : null),
    () =>
      typeof p.size === 'string' && !parseSize(p.size)
        ? invalidParameter(
            `Field 'parameters.size' must be width*height, e.g. '1280*720', got ${showValue(p.size)}.`,
          )
        : null,
    () =>
      optEnum(spec, 'parameters.control_condition', p.control_condition, [
        'posebodyface',
        'posebody',
        'depth',
        'scribble',
      ]),
    () => optNumberRange(spec, 'parameters.strength', p.strength, 0, 1, false),
    () => optEnum(spec, 'parameters.mask_type', p.mask_type, ['tracking', 'fixed']),
    () => optNumberRange(spec, 'parameters.expand_ratio', p.expand_ratio, 0, 1, false),
    ...SCALES.map((k) => () => optNumberRange(spec, `parameters.${k}`, p[k], 1, 2, false)),
  );
}

function check(spec: ModelSpec, input: Fields, p: Fields): RequestProblem | null {
  const fn = functionOf(input);
  if (!fn) {
    return invalidParameter(
      `Field 'input.function' for model ${spec.name} must be one of ${VACE_FUNCTIONS.join(', ')}, got ${showValue(input.function ?? null)}.`,
    );
  }
  return firstProblem(
    () =>
      forbid(
        spec,
        input,
        'input',
        ['img_url', 'media', 'reference_urls'],
        `it takes 'input.function' and that function's URL fields.`,
      ),
    () => requirePrompt(spec, input),
    () => checkFunctionFields(spec, fn, input, p),
    () => checkDuration(spec, p.duration),
    () => optBool('parameters.prompt_extend', p.prompt_extend),
    () => checkSeed(spec, p.seed),
  );
}

const ROLES: Readonly<Record<string, { role: MediaRole; kind: 'image' | 'video' }>> = {
  video_url: { role: 'video', kind: 'video' },
  mask_image_url: { role: 'mask_image', kind: 'image' },
  mask_video_url: { role: 'mask_video', kind: 'video' },
  first_clip_url: { role: 'first_clip', kind: 'video' },
  last_clip_url: { role: 'last_clip', kind: 'video' },
  first_frame_url: { role: 'first_frame', kind: 'image' },
  last_frame_url: { role: 'last_frame', kind: 'image' },
};

function slots(input: Fields): MediaSlot[] {
  const out: MediaSlot[] = [];
  if (Array.isArray(input.ref_images_url)) {
    input.ref_images_url.forEach((url, i) => {
      if (typeof url === 'string')
        out.push({
          field: `input.ref_images_url[${i}]`,
          url,
          kind: 'image',
          role: 'reference_image',
          limits: VACE.image,
        });
    });
  }
  for (const [key, { role, kind }] of Object.entries(ROLES)) {
    const url = input[key];
    if (typeof url !== 'string') continue;
    const limits =
      kind === 'image'
        ? VACE.image
        : role === 'first_clip' || role === 'last_clip'
          ? VACE.clip
          : VACE.video;
    out.push({ field: `input.${key}`, url, kind, role, limits });
  }
  return out;
}

function effective(spec: ModelSpec, body: RequestBody): EffectiveRequest {
  return baseEffective(spec, body, slots(body.input), {
    withAudio: false,
    durationSec: 5,
    ratio: null,
    watermark: false,
  });
}

const LOOKS: Partial<Record<VaceFunction, EditLook>> = {
  video_repainting: 'repaint',
  video_edit: 'mask',
  video_outpainting: 'outpaint',
};

/** The sandbox's VACE video (families §6): 720P at most, silent, 30 fps, 5 s or the input's. */
function plan(
  spec: ModelSpec,
  body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
): SandboxPlan {
  const fn = functionOf(body.input) ?? 'image_reference';
  const p = body.parameters;
  const video = slotOf(media, 'video');
  const asked = typeof p.size === 'string' ? parseSize(p.size) : null;
  let visual: PlanVisual;
  let dims = video ? dimsOf(video.info) : null;
  let durationSec = 5;
  const look = LOOKS[fn];
  if (look && video) {
    visual = { kind: 'edit', video: video.slot.field, look };
    durationSec = Math.min(secondsOf(video.info), 5);
    if (fn === 'video_outpainting' && dims) {
      const k = (key: string) => {
        const v = p[key];
        return typeof v === 'number' ? v : 1;
      };
      dims = {
        width: Math.round(dims.width * (k('left_scale') + k('right_scale') - 1)),
        height: Math.round(dims.height * (k('top_scale') + k('bottom_scale') - 1)),
      };
    }
    if (fn === 'video_edit') dims = asked ?? dims;
  } else if (fn === 'video_extension') {
    const clip = slotOf(media, 'first_clip') ?? slotOf(media, 'last_clip');
    const first = slotOf(media, 'first_frame');
    const last = slotOf(media, 'last_frame');
    if (clip)
      visual = { kind: 'continuation', clip: clip.slot.field, last: last?.slot.field ?? null };
    else if (first && last)
      visual = { kind: 'transition', first: first.slot.field, last: last.slot.field };
    else visual = { kind: 'still', image: (first ?? last ?? media[0])?.slot.field ?? '' };
    dims = dimsOf(
      (clip ?? first ?? last ?? media[0])?.info ?? {
        kind: 'image',
        format: 'png',
        bytes: 0,
        width: 1280,
        height: 720,
      },
    );
  } else {
    visual = {
      kind: 'sequence',
      items: media.filter((m) => m.slot.role === 'reference_image').map((m) => m.slot.field),
    };
    dims = asked ?? { width: 1280, height: 720 };
  }
  const size = capToTier(dims?.width ?? 1280, dims?.height ?? 720, '720P');
  return planOf(spec, eff, {
    visual,
    size,
    durationSec,
    audio: { kind: 'none' },
    ratio: 'standard',
  });
}

/** VACE general editing (families §6): `input.function` picks one of five tasks. */
export const vaceFamily: ModelFamily = {
  id: 'vace',
  label: 'Wan VACE editing',
  protocol: 'function',
  answer: { videoUrl: ['output.video_url'], billedSeconds: 'video_duration' },
  knownInput: ['prompt', 'function', ...ALL_INPUT],
  knownParameters: ['duration', 'prompt_extend', 'seed', ...ALL_PARAMETERS],
  modeOf: () => 'video-edit',
  check,
  effective,
  checkMedia: () => null,
  plan,
};
