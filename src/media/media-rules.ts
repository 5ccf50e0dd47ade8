import {
  AUDIO_INPUT,
  REFERENCE_INPUT,
  type ImageInputRule,
  type InputMediaRules,
  type TimedInputRule,
} from '../models/model-table.js';
import type { MediaFormat, MediaKind, MediaRules } from './inline-media.js';

const FORMAT_NAMES: Record<string, MediaFormat> = {
  jpeg: 'jpeg',
  jpg: 'jpeg',
  png: 'png',
  bmp: 'bmp',
  webp: 'webp',
  wav: 'wav',
  mp3: 'mp3',
  mp4: 'mp4',
  mov: 'mov',
};

const IMAGE_FORMATS = ['jpeg', 'png', 'bmp', 'webp'] as const;
const AUDIO_FORMATS = ['wav', 'mp3'] as const;
const VIDEO_FORMATS = ['mp4', 'mov'] as const;

function formatsOf<F extends MediaFormat>(names: readonly string[], allowed: readonly F[]): F[] {
  const wanted = new Set(names.map((n) => FORMAT_NAMES[n.toLowerCase()]));
  return allowed.filter((f) => wanted.has(f));
}

function imageRules(r: ImageInputRule): MediaRules['image'] {
  return {
    formats: formatsOf(r.formats, IMAGE_FORMATS),
    minSide: r.minSidePx,
    maxSide: r.maxSidePx,
    maxBytes: r.maxBytes,
    allowAlpha: r.allowAlpha,
  };
}

function timedRules<F extends MediaFormat>(r: TimedInputRule, allowed: readonly F[]) {
  return {
    formats: formatsOf(r.formats, allowed),
    minSec: r.minSeconds,
    maxSec: r.maxSeconds,
    maxBytes: r.maxBytes,
  };
}

/**
 * DashScope's documented limits for every kind of input, read from the model table's shared
 * rows (reference §3–§4): the rules for a field a model does not take, which validation refuses
 * before any media check runs.
 */
export const DASHSCOPE_MEDIA_RULES: MediaRules = {
  image: imageRules(REFERENCE_INPUT.image),
  audio: timedRules(AUDIO_INPUT, AUDIO_FORMATS),
  video: {
    ...timedRules(REFERENCE_INPUT.video, VIDEO_FORMATS),
    maxCount: REFERENCE_INPUT.maxVideos,
  },
};

/**
 * A model's media limits, as its row of the model table states them: the table is the one
 * place media rules are written, and media/ only converts them to what the checks read.
 */
export function mediaRulesFromTable(media: InputMediaRules): MediaRules {
  const d = DASHSCOPE_MEDIA_RULES;
  const img = media.firstFrame ?? media.references?.image;
  const video = media.references?.video;
  return {
    image: img ? imageRules(img) : d.image,
    audio: media.audio ? timedRules(media.audio, AUDIO_FORMATS) : d.audio,
    video: video
      ? {
          ...timedRules(video, VIDEO_FORMATS),
          maxCount: media.references?.maxVideos ?? d.video.maxCount,
        }
      : d.video,
  };
}

/** The limits of one media slot: its field's own (`limits`), else the model's. */
export function slotRules(
  slot: { kind: MediaKind; limits?: ImageInputRule | TimedInputRule },
  base: MediaRules,
): MediaRules {
  const l = slot.limits;
  if (!l) return base;
  if ('minSidePx' in l) return { ...base, image: imageRules(l) };
  if (slot.kind === 'audio') return { ...base, audio: timedRules(l, AUDIO_FORMATS) };
  return { ...base, video: { ...timedRules(l, VIDEO_FORMATS), maxCount: base.video.maxCount } };
}
