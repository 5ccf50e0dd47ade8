import { MODE_LABELS, type ModelSpec, type ReferenceInputRule } from './model-table.js';
import { guessReferenceKind, MEDIA_URL_FORMS, mediaUrlKind } from './media-url.js';
import {
  describeType,
  got,
  invalidParameter,
  invalidUrl,
  showValue,
  type RequestProblem,
} from './request-problem.js';

import { absent } from './families/field-checks.js';

type Fields = Record<string, unknown>;

/**
 * Checks `input.*` against the model. Over-long prompts pass up to the bounds of
 * request-bounds.ts and are truncated, as DashScope truncates them. Fields outside vidgate's
 * knowledge pass untouched.
 */
export function checkInput(model: ModelSpec, input: Fields): RequestProblem | null {
  return (
    checkPrompts(model, input) ??
    checkFirstFrame(model, input) ??
    checkAudio(model, input) ??
    checkTemplate(model, input) ??
    checkReferences(model, input)
  );
}

function checkPrompts(model: ModelSpec, input: Fields): RequestProblem | null {
  for (const key of ['prompt', 'negative_prompt'] as const) {
    const v = input[key];
    if (!absent(v) && typeof v !== 'string') {
      return invalidParameter(`Field 'input.${key}' must be a string, ${got(v)}.`);
    }
  }
  const prompt = input.prompt;
  if (model.promptRequired && (typeof prompt !== 'string' || prompt.trim() === '')) {
    return invalidParameter(
      `Field 'input.prompt' is required for model ${model.name}: a non-empty text of up to ${model.promptMaxChars} characters (longer prompts are truncated).`,
    );
  }
  return null;
}

/** A media URL field: a string in one of the accepted forms, or InvalidURL naming the field. */
function checkMediaUrl(path: string, v: unknown): RequestProblem | null {
  if (typeof v !== 'string')
    return invalidParameter(`Field '${path}' must be a string, ${got(v)}.`);
  if (mediaUrlKind(v) === null) {
    return invalidUrl(`Field '${path}' must be ${MEDIA_URL_FORMS}, got ${showValue(v)}.`);
  }
  return null;
}

function notSupported(model: ModelSpec, path: string): RequestProblem {
  return invalidParameter(
    `Field '${path}' is not supported by model ${model.name} (a ${MODE_LABELS[model.mode]} model).`,
  );
}

function checkFirstFrame(model: ModelSpec, input: Fields): RequestProblem | null {
  const v = input.img_url;
  if (!model.media.firstFrame) return absent(v) ? null : notSupported(model, 'input.img_url');
  if (absent(v) || v === '') {
    return invalidParameter(
      `Field 'input.img_url' is required for model ${model.name}: the first frame as ${MEDIA_URL_FORMS}.`,
    );
  }
  return checkMediaUrl('input.img_url', v);
}

function checkAudio(model: ModelSpec, input: Fields): RequestProblem | null {
  const v = input.audio_url;
  if (absent(v)) return null;
  if (!model.media.audio) return notSupported(model, 'input.audio_url');
  return checkMediaUrl('input.audio_url', v);
}

function checkTemplate(model: ModelSpec, input: Fields): RequestProblem | null {
  const v = input.template;
  if (absent(v)) return null;
  if (!model.template) return notSupported(model, 'input.template');
  if (typeof v !== 'string') {
    return invalidParameter(`Field 'input.template' must be a string, ${got(v)}.`);
  }
  return null;
}

function checkReferences(model: ModelSpec, input: Fields): RequestProblem | null {
  const refs = input.reference_urls;
  const legacy = input.reference_video_urls;
  const rule = model.media.references;
  if (!rule) {
    if (!absent(refs)) return notSupported(model, 'input.reference_urls');
    if (!absent(legacy)) return notSupported(model, 'input.reference_video_urls');
    return null;
  }
  if (!absent(refs) && !absent(legacy)) {
    return invalidParameter(
      `Send either 'input.reference_urls' or the deprecated 'input.reference_video_urls', not both: the order of one list names the characters.`,
    );
  }
  if (!absent(legacy)) return checkUrlList('input.reference_video_urls', legacy, rule, true);
  if (absent(refs)) {
    return invalidParameter(
      `Field 'input.reference_urls' is required for model ${model.name}: 1 to ${rule.maxTotal} image or video URLs (at most ${rule.maxVideos} videos).`,
    );
  }
  return checkUrlList('input.reference_urls', refs, rule, false);
}

function checkUrlList(
  path: string,
  v: unknown,
  rule: ReferenceInputRule,
  videosOnly: boolean,
): RequestProblem | null {
  const max = videosOnly ? rule.maxVideos : rule.maxTotal;
  const what = videosOnly ? 'video URLs' : 'image or video URLs';
  if (!Array.isArray(v)) {
    return invalidParameter(`Field '${path}' must be an array of ${what}, got ${describeType(v)}.`);
  }
  if (v.length < 1 || v.length > max) {
    return invalidParameter(`Field '${path}' must hold 1 to ${max} ${what}, got ${v.length}.`);
  }
  let images = 0;
  let videos = 0;
  for (const [i, url] of v.entries()) {
    if (typeof url !== 'string') {
      return invalidParameter(`Field '${path}[${i}]' must be a string, ${got(url)}.`);
    }
    const problem = checkMediaUrl(`${path}[${i}]`, url);
    if (problem) return problem;
    const kind = guessReferenceKind(url);
    if (kind === 'image' && videosOnly) {
      return invalidParameter(`Field '${path}[${i}]' must be a video (MP4 or MOV), got an image.`);
    }
    if (kind === 'image') images++;
    if (kind === 'video') videos++;
  }
  // kinds told by the URL text only; the rest are counted once fetched
  if (videos > rule.maxVideos) {
    return invalidParameter(
      `Field '${path}' may hold at most ${rule.maxVideos} videos, got ${videos}.`,
    );
  }
  if (images > rule.maxImages) {
    return invalidParameter(
      `Field '${path}' may hold at most ${rule.maxImages} images, got ${images}.`,
    );
  }
  return null;
}
