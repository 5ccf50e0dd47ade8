import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageSize } from 'image-size';
import { parseDataUri } from './data-uri.js';
import type { MediaTools } from './ffmpeg.js';
import { formatBytes } from './media-fetcher.js';
import { imageIsComplete } from './image-integrity.js';
import { probeMedia, UndecodableMediaError, type MediaProbe } from './probe.js';
import { sniffMediaFormat } from './sniff.js';

export { sniffMediaFormat } from './sniff.js';

export type ImageFormat = 'jpeg' | 'png' | 'bmp' | 'webp';
export type AudioFormat = 'wav' | 'mp3';
export type VideoFormat = 'mp4' | 'mov';
export type MediaFormat = ImageFormat | AudioFormat | VideoFormat;

/** What a request field may hold: img_url an image, audio_url audio, a reference either. */
export type MediaKind = 'image' | 'audio' | 'video' | 'image-or-video';

/** Upstream limits on input media; DASHSCOPE_MEDIA_RULES (media-checker.ts) has DashScope's. */
export interface MediaRules {
  image: {
    formats: readonly ImageFormat[];
    minSide: number;
    maxSide: number;
    maxBytes: number;
    /** DashScope lists "PNG (no alpha channel)"; false refuses RGBA / gray+alpha PNGs */
    allowAlpha: boolean;
  };
  audio: { formats: readonly AudioFormat[]; minSec: number; maxSec: number; maxBytes: number };
  video: {
    formats: readonly VideoFormat[];
    minSec: number;
    maxSec: number;
    maxBytes: number;
    /** most videos allowed among input.reference_urls */
    maxCount: number;
  };
}

export type MediaInfo =
  | { kind: 'image'; format: ImageFormat; bytes: number; width: number; height: number }
  /** durationSec is null only for MP3 checked without ffprobe */
  | { kind: 'audio'; format: AudioFormat; bytes: number; durationSec: number | null }
  | {
      kind: 'video';
      format: VideoFormat;
      bytes: number;
      width: number;
      height: number;
      durationSec: number;
      /** the file has a sound track (an edit may keep it, families §2.4) */
      hasAudio: boolean;
    };

export type MediaProblemCode = 'InvalidParameter' | 'InvalidURL';

export type MediaCheckResult =
  { ok: true; info: MediaInfo } | { ok: false; code: MediaProblemCode; message: string };

/** One file to check: its size, its first bytes, the rest on demand, and a path if on disk. */
export interface MediaSource {
  size: number;
  /** at least the first 64 bytes (or the whole file if shorter) */
  head: Buffer;
  readAll(): Promise<Buffer>;
  /** a local copy for ffprobe; null makes the check write a temp file when it needs one */
  path: string | null;
}

const LABEL: Record<MediaFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  bmp: 'BMP',
  webp: 'WEBP',
  wav: 'WAV',
  mp3: 'MP3',
  mp4: 'MP4',
  mov: 'MOV',
};
const CATEGORY: Record<MediaFormat, 'image' | 'audio' | 'video'> = {
  jpeg: 'image',
  png: 'image',
  bmp: 'image',
  webp: 'image',
  wav: 'audio',
  mp3: 'audio',
  mp4: 'video',
  mov: 'video',
};
/** Whether a format is a still image, audio or video. */
export function mediaCategory(format: MediaFormat): 'image' | 'audio' | 'video' {
  return CATEGORY[format];
}

const isImageFormat = (f: MediaFormat): f is ImageFormat => CATEGORY[f] === 'image';
const isVideoFormat = (f: MediaFormat): f is VideoFormat => CATEGORY[f] === 'video';

const ascii = (b: Uint8Array, from: number, to: number) =>
  Buffer.from(b.subarray(from, to)).toString('latin1');

/** Playing time of a WAV file from its header (data bytes / byte rate); null if unreadable. */
export function wavDurationSec(bytes: Buffer): number | null {
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 12) !== 'WAVE') {
    return null;
  }
  let offset = 12;
  let byteRate: number | null = null;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= bytes.length) {
      byteRate = bytes.readUInt32LE(body + 8);
    }
    if (id === 'data') {
      if (!byteRate) return null;
      const available = bytes.length - body;
      // Streamed WAVs leave the size 0 or 0xFFFFFFFF; truncated files claim more than they hold.
      const dataBytes = size === 0 || size === 0xffffffff || size > available ? available : size;
      return dataBytes / byteRate;
    }
    offset = body + size + (size & 1);
  }
  return null;
}

function expectedText(kind: MediaKind, rules: MediaRules): string {
  const list = (formats: readonly MediaFormat[]) => {
    const labels = formats.map((f) => LABEL[f]);
    return labels.length > 1
      ? `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1] ?? ''}`
      : (labels[0] ?? 'none');
  };
  if (kind === 'image') return `image (${list(rules.image.formats)})`;
  if (kind === 'audio') return `audio file (${list(rules.audio.formats)})`;
  if (kind === 'video') return `video (${list(rules.video.formats)})`;
  return `image or video (${list([...rules.image.formats, ...rules.video.formats])})`;
}

const seconds = (s: number) => `${s.toFixed(1)} s`;

type Problem = { ok: false; code: MediaProblemCode; message: string };
const problem = (message: string, code: MediaProblemCode = 'InvalidParameter'): Problem => ({
  ok: false,
  code,
  message,
});

async function probeSource(
  tools: MediaTools,
  source: MediaSource,
  format: MediaFormat,
): Promise<{ probe: MediaProbe } | { undecodable: true }> {
  let dir: string | null = null;
  try {
    let path = source.path;
    if (path === null) {
      dir = await mkdtemp(join(tmpdir(), 'vidgate-inline-'));
      path = join(dir, 'media');
      await writeFile(path, await source.readAll());
    }
    return { probe: await probeMedia(tools, path, format) };
  } catch (err) {
    // ffprobe exiting non-zero means the bytes are not valid media; anything else (missing
    // binary, timeout) is the gateway's fault and must not be blamed on the request.
    if (err instanceof UndecodableMediaError) return { undecodable: true };
    throw err;
  } finally {
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }
}

function checkImage(field: string, format: ImageFormat, bytes: Buffer, rules: MediaRules) {
  let width: number;
  let height: number;
  try {
    ({ width, height } = imageSize(bytes));
  } catch {
    return problem(`${field}: the ${LABEL[format]} image could not be read.`);
  }
  if (!imageIsComplete(format, bytes)) {
    return problem(`${field}: the ${LABEL[format]} image is incomplete (cut off or damaged).`);
  }
  const { minSide, maxSide } = rules.image;
  if (Math.min(width, height) < minSide || Math.max(width, height) > maxSide) {
    return problem(
      `${field}: image is ${width}×${height} px; each side must be ${minSide} to ${maxSide} px.`,
    );
  }
  // IHDR colour type 4 (grey + alpha) or 6 (RGBA); palette transparency (tRNS) is not a channel.
  const colourType = bytes.length > 25 && ascii(bytes, 12, 16) === 'IHDR' ? bytes[25] : undefined;
  if (format === 'png' && !rules.image.allowAlpha && (colourType === 4 || colourType === 6)) {
    return problem(
      `${field}: the PNG has an alpha channel; only PNG without alpha is accepted (flatten it or send a JPEG).`,
    );
  }
  const info: MediaInfo = { kind: 'image', format, bytes: bytes.length, width, height };
  return { ok: true as const, info };
}

/** Checks one media file against the rules for the field it was sent in. */
export async function checkMediaSource(
  field: string,
  source: MediaSource,
  kind: MediaKind,
  rules: MediaRules,
  tools?: MediaTools,
): Promise<MediaCheckResult> {
  const format = sniffMediaFormat(source.head);
  if (format === null) {
    return problem(`${field}: the file is not a supported ${expectedText(kind, rules)}.`);
  }
  const category = CATEGORY[format];
  const fits =
    kind === 'image-or-video' ? category === 'image' || category === 'video' : category === kind;
  const formats: readonly MediaFormat[] = rules[category].formats;
  if (!fits || !formats.includes(format)) {
    return problem(
      `${field}: got ${LABEL[format]} ${category}; expected ${expectedText(kind, rules)}.`,
    );
  }
  const limit = rules[category].maxBytes;
  if (source.size > limit) {
    return problem(
      `${field}: ${category} is ${formatBytes(source.size)}; the limit is ${formatBytes(limit)}.`,
    );
  }
  if (isImageFormat(format)) return checkImage(field, format, await source.readAll(), rules);
  const range = category === 'audio' ? rules.audio : rules.video;
  const outOfRange = (d: number) =>
    d < range.minSec || d > range.maxSec
      ? problem(
          `${field}: ${category} is ${seconds(d)} long; it must be ${range.minSec} to ${range.maxSec} s.`,
        )
      : null;
  if (format === 'wav') {
    const durationSec = wavDurationSec(await source.readAll());
    if (durationSec === null) return problem(`${field}: the WAV file could not be read.`);
    const info: MediaInfo = { kind: 'audio', format, bytes: source.size, durationSec };
    return outOfRange(durationSec) ?? { ok: true, info };
  }
  if (!tools) {
    // Without ffprobe only an MP3's format and size can be vouched for; videos need the probe.
    if (format === 'mp3') {
      return { ok: true, info: { kind: 'audio', format, bytes: source.size, durationSec: null } };
    }
    throw new Error('checkMediaSource needs ffprobe (MediaTools) to check videos');
  }
  const probed = await probeSource(tools, source, format);
  const probe = 'probe' in probed ? probed.probe : null;
  if (format === 'mp3') {
    if (!probe?.audio || !/mp3/.test(probe.format) || probe.durationSec === null) {
      return problem(`${field}: the MP3 file could not be decoded.`);
    }
    const info: MediaInfo = {
      kind: 'audio',
      format,
      bytes: source.size,
      durationSec: probe.durationSec,
    };
    return outOfRange(probe.durationSec) ?? { ok: true, info };
  }
  if (!isVideoFormat(format) || !probe?.video || probe.durationSec === null) {
    return problem(`${field}: the ${LABEL[format]} file holds no playable video.`);
  }
  const info: MediaInfo = {
    kind: 'video',
    format,
    bytes: source.size,
    width: probe.video.width,
    height: probe.video.height,
    durationSec: probe.durationSec,
    hasAudio: probe.audio !== null,
  };
  return outOfRange(probe.durationSec) ?? { ok: true, info };
}

/**
 * Checks a `data:` URI sent in a request field: it must be base64, and its decoded content
 * (sniffed, whatever MIME type it declares) must meet the rules. Decided before the task exists.
 */
export async function checkInlineMedia(
  field: string,
  dataUri: string,
  kind: MediaKind,
  rules: MediaRules,
  tools?: MediaTools,
): Promise<MediaCheckResult> {
  const comma = dataUri.indexOf(',');
  // DashScope documents only data:{MIME};base64,{data}; other encodings would fail upstream.
  if (comma < 0 || !/;base64$/i.test(dataUri.slice(0, comma))) {
    return problem(
      `${field}: a data: URI must be base64-encoded, as data:<mime type>;base64,<data>.`,
      'InvalidURL',
    );
  }
  const parsed = parseDataUri(dataUri);
  if (!parsed) return problem(`${field}: the data: URI is malformed.`, 'InvalidURL');
  const bytes = parsed.bytes;
  const source: MediaSource = {
    size: bytes.length,
    head: bytes,
    readAll: () => Promise.resolve(bytes),
    path: null,
  };
  return checkMediaSource(field, source, kind, rules, tools);
}
