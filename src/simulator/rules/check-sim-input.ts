import { SIM_LIMITS, type SimModel } from './sim-catalogue.js';
import { simReferenceKind, simUrlForm } from './sim-media-url.js';
import {
  invalidParameter,
  invalidUrl,
  notSent,
  type CreateProblem,
  type Fields,
} from './sim-problem.js';

/**
 * `input.*` as DashScope checks it at the door. Fields outside a model's schema are ignored,
 * not refused (§12.4 "Unknown input/parameters fields must be tolerated"); a field the reference
 * names is type-checked on every model, since its type is the same wherever it appears.
 */
export function checkSimInput(model: SimModel, input: Fields): CreateProblem | null {
  return (
    checkTexts(input) ??
    checkPrompt(model, input) ??
    checkUrlField('input.img_url', input.img_url) ??
    checkUrlField('input.audio_url', input.audio_url) ??
    checkFirstFrame(model, input) ??
    checkReferences(model, input)
  );
}

/** §3: prompt, negative_prompt and template are strings. */
function checkTexts(input: Fields): CreateProblem | null {
  for (const key of ['prompt', 'negative_prompt', 'template']) {
    const v = input[key];
    if (!notSent(v) && typeof v !== 'string')
      return invalidParameter(`Field input.${key} must be a string.`);
  }
  return null;
}

/**
 * §4 and §5.1: prompt "required" for r2v and t2v. Over-long prompts are truncated, not refused
 * (§2.1). The reference does not say whether blanks alone count as a prompt: they are accepted.
 */
function checkPrompt(model: SimModel, input: Fields): CreateProblem | null {
  if (!model.promptRequired) return null;
  return typeof input.prompt === 'string' && input.prompt !== ''
    ? null
    : invalidParameter(`Field required: input.prompt (model ${model.name}).`);
}

function checkUrlField(path: string, v: unknown): CreateProblem | null {
  if (notSent(v)) return null;
  if (typeof v !== 'string') return invalidParameter(`Field ${path} must be a URL string.`);
  if (v === '') return null; // empty = not given; required fields are checked on their own
  return simUrlForm(v) === null ? invalidUrl(`The URL in ${path} is invalid.`) : null;
}

/** §3 `img_url`: "required" for first-frame models. */
function checkFirstFrame(model: SimModel, input: Fields): CreateProblem | null {
  if (model.mode !== 'first-frame') return null;
  return typeof input.img_url === 'string' && input.img_url !== ''
    ? null
    : invalidParameter('Field required: input.img_url');
}

/**
 * §4 `reference_urls`: required, "Images 0–5, videos 0–3, images+videos ≤5". The deprecated
 * `reference_video_urls` ("≤3 videos, MP4/MOV") is read when `reference_urls` is not sent; the
 * reference is silent on bodies with both, so the current field wins and the old one is ignored.
 */
function checkReferences(model: SimModel, input: Fields): CreateProblem | null {
  if (model.mode !== 'references') return null;
  if (!notSent(input.reference_urls))
    return checkUrlList('input.reference_urls', input.reference_urls, false);
  if (!notSent(input.reference_video_urls))
    return checkUrlList('input.reference_video_urls', input.reference_video_urls, true);
  return invalidParameter('Field required: input.reference_urls');
}

function checkUrlList(path: string, v: unknown, videosOnly: boolean): CreateProblem | null {
  if (!Array.isArray(v)) return invalidParameter(`Field ${path} must be an array of URLs.`);
  const max = videosOnly ? SIM_LIMITS.maxReferenceVideos : SIM_LIMITS.maxReferences;
  if (v.length < 1 || v.length > max)
    return invalidParameter(`Field ${path} must hold 1 to ${max} URLs, got ${v.length}.`);
  let images = 0;
  let videos = 0;
  for (const [i, url] of v.entries()) {
    if (typeof url !== 'string' || url === '')
      return invalidParameter(`Field ${path}[${i}] must be a URL string.`);
    if (simUrlForm(url) === null) return invalidUrl(`The URL in ${path}[${i}] is invalid.`);
    const kind = simReferenceKind(url);
    if (kind === 'image') images++;
    if (kind === 'video') videos++;
    if (kind === 'image' && videosOnly)
      return invalidParameter(`Field ${path}[${i}] must be a video (MP4 or MOV).`);
  }
  if (videos > SIM_LIMITS.maxReferenceVideos)
    return invalidParameter(
      `Field ${path} holds ${videos} videos; at most ${SIM_LIMITS.maxReferenceVideos} are allowed.`,
    );
  if (images > SIM_LIMITS.maxReferenceImages)
    return invalidParameter(
      `Field ${path} holds ${images} images; at most ${SIM_LIMITS.maxReferenceImages} are allowed.`,
    );
  return null;
}
