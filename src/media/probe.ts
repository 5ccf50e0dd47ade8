import { stat } from 'node:fs/promises';
import { z } from 'zod';
import type { MediaTools } from './ffmpeg.js';
import { runTool, ToolExitError } from './ffmpeg.js';
import type { MediaFormat } from './inline-media.js';
import { sniffFile } from './sniff.js';
import { toolInputArgs } from './tool-input.js';

export interface MediaProbe {
  format: string;
  durationSec: number | null;
  sizeBytes: number;
  video: { codec: string; width: number; height: number; fps: number | null } | null;
  audio: { codec: string; sampleRate: number | null } | null;
}

// ffprobe prints most numbers as strings ("3.000000", "48000", "N/A"); older builds differ
// in which fields are present, so everything beyond the basics is optional.
const numberish = z.union([z.string(), z.number()]).optional();

const streamSchema = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  sample_rate: numberish,
  disposition: z.object({ attached_pic: z.number().optional() }).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  side_data_list: z.array(z.object({ rotation: numberish })).optional(),
});

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.object({
    format_name: z.string(),
    duration: numberish,
    size: numberish,
  }),
});

type ProbeStream = z.infer<typeof streamSchema>;

function toNumber(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value.trim());
  return Number.isFinite(n) ? n : null;
}

function parseRate(rate: string | undefined): number | null {
  if (rate === undefined) return null;
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(rate.trim());
  if (!match) return null;
  const num = Number(match[1]);
  const den = match[2] === undefined ? 1 : Number(match[2]);
  if (!Number.isFinite(num) || !Number.isFinite(den) || num <= 0 || den <= 0) return null;
  return num / den;
}

/** Image demuxers: ffprobe invents a 25 fps rate and sometimes a one-frame duration for them. */
function isStillImageFormat(formatName: string): boolean {
  return formatName === 'image2' || formatName.endsWith('_pipe');
}

/** True when the probed file is a single still picture rather than a video clip. */
export function isStillImage(probe: MediaProbe): boolean {
  return probe.video !== null && isStillImageFormat(probe.format);
}

function rotationDegrees(stream: ProbeStream): number {
  // Newer ffprobe reports display-matrix rotation as side data; builds before ~5.0 used a tag.
  const fromSideData = stream.side_data_list
    ?.map((entry) => toNumber(entry.rotation))
    .find((r) => r !== null);
  const tag = stream.tags?.['rotate'];
  const fromTag = typeof tag === 'string' || typeof tag === 'number' ? toNumber(tag) : null;
  const raw = fromSideData ?? fromTag ?? 0;
  return ((Math.round(raw) % 360) + 360) % 360;
}

function pickVideo(streams: ProbeStream[], still: boolean): MediaProbe['video'] {
  // Cover art in audio files shows up as an attached-picture video stream; it is not video.
  const stream = streams.find(
    (s) => s.codec_type === 'video' && (s.disposition?.attached_pic ?? 0) === 0,
  );
  if (!stream || stream.width === undefined || stream.height === undefined) return null;
  // ffmpeg auto-rotates on decode, so report the size frames will actually have.
  const quarterTurn = rotationDegrees(stream) % 180 === 90;
  const fps = still ? null : (parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate));
  return {
    codec: stream.codec_name ?? 'unknown',
    width: quarterTurn ? stream.height : stream.width,
    height: quarterTurn ? stream.width : stream.height,
    fps,
  };
}

function pickAudio(streams: ProbeStream[]): MediaProbe['audio'] {
  const stream = streams.find((s) => s.codec_type === 'audio');
  if (!stream) return null;
  const sampleRate = toNumber(stream.sample_rate);
  return {
    codec: stream.codec_name ?? 'unknown',
    sampleRate: sampleRate !== null && sampleRate > 0 ? sampleRate : null,
  };
}

/**
 * The file is not decodable as the format its bytes claim (or claims none vidgate reads). The
 * message names the file and quotes ffprobe for the log; callers tell clients something fixed.
 */
export class UndecodableMediaError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'UndecodableMediaError';
  }
}

/**
 * Describes a local media file (video, audio or still image) using ffprobe, read with the
 * demuxer of `sniffed` only (see toolInputArgs); without it the file's bytes choose one.
 */
export async function probeMedia(
  tools: MediaTools,
  path: string,
  sniffed?: MediaFormat,
): Promise<MediaProbe> {
  const demux = sniffed ?? (await sniffFile(path));
  if (demux === null) throw new UndecodableMediaError(`${path} is not a supported media format`);
  let stdout: string;
  try {
    ({ stdout } = await runTool(
      tools.ffprobe,
      [
        '-v',
        'error',
        ...toolInputArgs(demux, path),
        '-show_format',
        '-show_streams',
        '-of',
        'json',
      ],
      { timeoutMs: 30_000 },
    ));
  } catch (err) {
    if (!(err instanceof ToolExitError)) throw err;
    throw new UndecodableMediaError(`ffprobe could not read ${path}: ${err.message}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new Error(`ffprobe returned invalid JSON for ${path}`);
  }
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Unexpected ffprobe output for ${path}: ${parsed.error.message}`);
  }
  const { format, streams } = parsed.data;
  const still = isStillImageFormat(format.format_name);
  const duration = toNumber(format.duration);
  const reportedSize = toNumber(format.size);
  const sizeBytes =
    reportedSize !== null && reportedSize >= 0 ? reportedSize : (await stat(path)).size;
  return {
    format: format.format_name,
    durationSec: !still && duration !== null && duration >= 0 ? duration : null,
    sizeBytes,
    video: pickVideo(streams, still),
    audio: pickAudio(streams),
  };
}
