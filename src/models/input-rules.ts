import type { ImageInputRule, ReferenceInputRule, TimedInputRule } from './model-table.js';

export const MB = 1024 * 1024;

export const SIZES_480P = ['832*480', '480*832', '624*624'] as const;
export const SIZES_720P = ['1280*720', '720*1280', '960*960', '1088*832', '832*1088'] as const;
export const SIZES_1080P = [
  '1920*1080',
  '1080*1920',
  '1440*1440',
  '1632*1248',
  '1248*1632',
] as const;

/** Image inputs: latest official limits for wan2.6/wan2.5 (reference §3, §13.2–3). */
export const IMAGE_INPUT: ImageInputRule = {
  formats: ['JPEG', 'JPG', 'PNG', 'BMP', 'WEBP'],
  minSidePx: 240,
  maxSidePx: 8000,
  maxBytes: 20 * MB,
  allowAlpha: false,
};

export const AUDIO_INPUT: TimedInputRule = {
  formats: ['WAV', 'MP3'],
  minSeconds: 3,
  maxSeconds: 30,
  maxBytes: 15 * MB,
};

export const REFERENCE_VIDEO_INPUT: TimedInputRule = {
  formats: ['MP4', 'MOV'],
  minSeconds: 1,
  maxSeconds: 30,
  maxBytes: 100 * MB,
};

export const REFERENCE_INPUT: ReferenceInputRule = {
  image: IMAGE_INPUT,
  video: REFERENCE_VIDEO_INPUT,
  maxImages: 5,
  maxVideos: 3,
  maxTotal: 5,
};

const IMAGE_FORMATS = ['JPEG', 'JPG', 'PNG', 'BMP', 'WEBP'] as const;
const VIDEO_FORMATS = ['MP4', 'MOV'] as const;
const AUDIO_FORMATS = ['WAV', 'MP3'] as const;
/** "no length limit documented": DashScope decides (families §11 #31, #32) */
const ANY_LENGTH = { minSeconds: 0, maxSeconds: 3600 } as const;

const timed = (
  formats: readonly string[],
  minSeconds: number,
  maxSeconds: number,
  maxMb: number,
): TimedInputRule => ({ formats, minSeconds, maxSeconds, maxBytes: maxMb * MB });

const image = (
  minSidePx: number,
  maxSidePx: number,
  maxMb: number,
  formats: readonly string[] = IMAGE_FORMATS,
  allowAlpha = false,
): ImageInputRule => ({
  formats,
  minSidePx,
  maxSidePx,
  maxBytes: maxMb * MB,
  allowAlpha,
});

/** Wan 2.7 (families §2.1–§2.4). */
export const WAN27 = {
  image: IMAGE_INPUT,
  audio: timed(AUDIO_FORMATS, 2, 30, 15),
  clip: timed(VIDEO_FORMATS, 2, 10, 100),
  referenceVideo: timed(VIDEO_FORMATS, 1, 30, 100),
  voice: timed(AUDIO_FORMATS, 1, 10, 15),
  editVideo: timed(VIDEO_FORMATS, 2, 10, 100),
} as const;

/** Wan 3.0 (families §3.3): each reference 1–15 s, 15 s of each kind together. */
export const WAN30 = {
  image: IMAGE_INPUT,
  referenceVideo: timed(VIDEO_FORMATS, 1, 15, 100),
  referenceAudio: timed(AUDIO_FORMATS, 1, 15, 15),
  totalReferenceSeconds: 15,
} as const;

/** HappyHorse (families §4; the looser of two sources, §11 #21). */
export const HAPPYHORSE = {
  firstFrame: image(300, 8000, 20, ['JPEG', 'JPG', 'PNG', 'WEBP'], true),
  referenceImage: image(400, 8000, 20, ['JPEG', 'JPG', 'PNG', 'WEBP'], true),
  editImage: image(300, 8000, 20, ['JPEG', 'JPG', 'PNG', 'WEBP'], true),
  editVideo: timed(VIDEO_FORMATS, 3, 60, 100),
} as const;

/** kf2v (families §5, §11 #27). */
export const KF2V_IMAGE = image(240, 8000, 10);

/** VACE (families §6): http(s) inputs; MP4 ≤ 50 MB; clips ≤ 3 s. */
export const VACE = {
  image: IMAGE_INPUT,
  video: { formats: ['MP4'], ...ANY_LENGTH, maxBytes: 50 * MB },
  clip: { formats: ['MP4'], minSeconds: 0, maxSeconds: 3, maxBytes: 50 * MB },
} as const satisfies Record<string, ImageInputRule | TimedInputRule>;

/** s2v (families §7): the detect step's image limits; WAV/MP3 ≤ 15 MB (§11 #32). */
export const S2V = {
  image: image(400, 7000, 20),
  audio: { formats: AUDIO_FORMATS, ...ANY_LENGTH, maxBytes: 15 * MB },
} as const satisfies Record<string, ImageInputRule | TimedInputRule>;

/** animate (families §8); AVI, which DashScope also takes, is not read by vidgate's checks. */
export const ANIMATE = {
  image: image(200, 4096, 5),
  video: timed(VIDEO_FORMATS, 2, 30, 200),
} as const;
