import { seededRandom } from '../../shared/seeded-random.js';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { MediaTools } from '../../media/ffmpeg.js';
import { runTool } from '../../media/ffmpeg.js';
import { mediaCategory } from '../../media/inline-media.js';
import { probeMedia } from '../../media/probe.js';
import { sniffFile } from '../../media/sniff.js';
import { toolInputArgs } from '../../media/tool-input.js';
import { audioTrack } from './render-audio.js';
import { FilterGraph, type Canvas, type SniffedInput } from './render-chains.js';
import { findMarkFont, markFilters, validateMark } from './render-mark.js';
import {
  EDIT_LOOKS,
  visualChain,
  type MeasuredClip,
  type ResolvedVisual,
  type VisualOf,
} from './render-visuals.js';

export type { EditLook, VisualOf } from './render-visuals.js';

export type RenderAudio = { kind: 'none' } | { kind: 'synth' } | { kind: 'file'; path: string };

/** What the video shows; every string is a local file path, sniffed by content. */
export type RenderVisual = VisualOf<string>;

export interface RenderSpec {
  visual: RenderVisual;
  /** Output size in pixels; both sides must be even (yuv420p). */
  width: number;
  height: number;
  /**
   * Seconds, 0.5..60, fractional allowed: the video has round(durationSec × fps) frames and
   * the audio exactly durationSec.
   */
  durationSec: number;
  /** Frames per second; 24 unless given. */
  fps?: 24 | 30;
  /** 0..2147483647; every visual and audible choice derives from it. */
  seed: number;
  /**
   * 'file' uses the first audio stream of that file (an audio file, or a video whose track is
   * kept) as the track, cut or padded with silence to durationSec.
   */
  audio: RenderAudio;
  /** A visible mark in the lower right (1..64 characters), or none. */
  watermark?: string | null;
  outPath: string;
}

// Fixed so x264's frame-threading layout, and therefore its output, never depends on the host.
const ENCODER_THREADS = '2';
const MAX_SEED = 2_147_483_647;
const MAX_SEQUENCE = 10;
const MIN_DURATION_SEC = 0.5;
const MAX_DURATION_SEC = 60;

function validateVisual(visual: RenderVisual): void {
  const paths = visualPaths(visual);
  if (paths.some((p) => typeof p !== 'string' || p === '')) {
    throw new RangeError(`visual ${visual.kind} has an empty input path`);
  }
  if (visual.kind === 'sequence' && (paths.length < 1 || paths.length > MAX_SEQUENCE)) {
    throw new RangeError(`a sequence takes 1..${MAX_SEQUENCE} items, got ${paths.length}`);
  }
  if (visual.kind === 'edit' && !EDIT_LOOKS.includes(visual.look)) {
    throw new RangeError(`unknown edit look ${String(visual.look)}`);
  }
}

function validateSpec(spec: RenderSpec): void {
  const { width, height, durationSec, seed, fps } = spec;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 16 || value > 4096 || value % 2 !== 0) {
      throw new RangeError(`${name} must be an even integer in 16..4096, got ${value}`);
    }
  }
  // The public API enforces each model's limits; this only guards against nonsense.
  if (
    !Number.isFinite(durationSec) ||
    durationSec < MIN_DURATION_SEC ||
    durationSec > MAX_DURATION_SEC
  ) {
    throw new RangeError(
      `durationSec must be in ${MIN_DURATION_SEC}..${MAX_DURATION_SEC}, got ${durationSec}`,
    );
  }
  if (fps !== undefined && fps !== 24 && fps !== 30) {
    throw new RangeError(`fps must be 24 or 30, got ${String(fps)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  }
  if (spec.watermark !== undefined && spec.watermark !== null) validateMark(spec.watermark);
  validateVisual(spec.visual);
}

/** Every input path of a visual, in the order the renderer reads them. */
function visualPaths(visual: RenderVisual): string[] {
  switch (visual.kind) {
    case 'text':
      return [];
    case 'still':
      return [visual.image];
    case 'sequence':
      return visual.items;
    case 'transition':
      return [visual.first, visual.last];
    case 'continuation':
      return visual.last === null ? [visual.clip] : [visual.clip, visual.last];
    case 'edit':
      return [visual.video];
    case 'animate':
      return [visual.image, visual.video];
  }
}

async function sniffInput(path: string): Promise<SniffedInput> {
  const format = await sniffFile(path);
  if (format === null) throw new Error(`Render input is not a supported media file: ${path}`);
  return { path, format, category: mediaCategory(format) };
}

/** Sniffs a visual input and insists on its category ('visual': image or video). */
async function sniffAs(
  path: string,
  want: 'image' | 'video' | 'visual',
  role: string,
): Promise<SniffedInput> {
  const input = await sniffInput(path);
  const ok = want === 'visual' ? input.category !== 'audio' : input.category === want;
  if (!ok) {
    const what =
      want === 'visual' ? 'an image or video' : `a${want === 'image' ? 'n' : ''} ${want}`;
    throw new Error(`${role} input is not ${what}: ${path}`);
  }
  return input;
}

const durationSchema = z.object({
  streams: z.array(z.object({ duration: z.string().optional() })).default([]),
  format: z.object({ duration: z.string().optional() }).optional(),
});

/** Seconds of a video's picture stream (its container's duration if the stream has none). */
async function videoSeconds(tools: MediaTools, input: SniffedInput): Promise<number> {
  // prettier-ignore
  const { stdout } = await runTool(tools.ffprobe, [
    '-v', 'error', ...toolInputArgs(input.format, input.path), '-select_streams', 'v:0',
    '-show_entries', 'stream=duration:format=duration', '-of', 'json',
  ], { timeoutMs: 30_000 });
  const parsed = durationSchema.parse(JSON.parse(stdout));
  const seconds = [parsed.streams[0]?.duration, parsed.format?.duration]
    .map(Number)
    .find((n) => Number.isFinite(n) && n > 0);
  if (seconds === undefined) throw new Error(`Video input has no known duration: ${input.path}`);
  return seconds;
}

async function resolveVisual(tools: MediaTools, visual: RenderVisual): Promise<ResolvedVisual> {
  switch (visual.kind) {
    case 'text':
      return visual;
    case 'still':
      return { kind: 'still', image: await sniffAs(visual.image, 'image', 'Still') };
    case 'sequence':
      return {
        kind: 'sequence',
        items: await Promise.all(visual.items.map((p) => sniffAs(p, 'visual', 'Sequence'))),
      };
    case 'transition':
      return {
        kind: 'transition',
        first: await sniffAs(visual.first, 'image', 'First-frame'),
        last: await sniffAs(visual.last, 'image', 'Last-frame'),
      };
    case 'continuation': {
      const clip = await sniffAs(visual.clip, 'video', 'Continuation clip');
      const last = visual.last === null ? null : await sniffAs(visual.last, 'image', 'Last-frame');
      const measured: MeasuredClip = { ...clip, seconds: await videoSeconds(tools, clip) };
      return { kind: 'continuation', clip: measured, last };
    }
    case 'edit':
      return {
        kind: 'edit',
        video: await sniffAs(visual.video, 'video', 'Edit'),
        look: visual.look,
      };
    case 'animate':
      return {
        kind: 'animate',
        image: await sniffAs(visual.image, 'image', 'Animate image'),
        video: await sniffAs(visual.video, 'video', 'Animate video'),
      };
  }
}

async function audioInput(tools: MediaTools, path: string): Promise<SniffedInput> {
  const input = await sniffInput(path);
  if (input.category === 'image') throw new Error(`Audio input has no audio stream: ${path}`);
  const probe = await probeMedia(tools, input.path, input.format);
  if (!probe.audio) throw new Error(`Audio input has no audio stream: ${input.path}`);
  return input;
}

interface Resolved {
  visual: ResolvedVisual;
  audio: SniffedInput | null;
  font: string | null;
}

function buildArgs(spec: RenderSpec, resolved: Resolved, tmpPath: string): string[] {
  const canvas: Canvas = { width: spec.width, height: spec.height, fps: spec.fps ?? 24 };
  const frames = Math.max(1, Math.round(spec.durationSec * canvas.fps));
  const graph = new FilterGraph();
  const rand = seededRandom(spec.seed);
  let video = visualChain({ graph, canvas, frames, seed: spec.seed, rand }, resolved.visual);
  if (spec.watermark !== undefined && spec.watermark !== null) {
    const marked = graph.label('w');
    graph.push(`${video}${markFilters(canvas, spec.watermark, resolved.font)}${marked}`);
    video = marked;
  }

  // Its own generator, so the tone does not shift when the visual recipe changes.
  const audioRand = seededRandom(spec.seed ^ 0x5bd1e995);
  const audioOut =
    spec.audio.kind === 'none'
      ? []
      : audioTrack(
          graph,
          resolved.audio
            ? { kind: 'file', file: resolved.audio }
            : { kind: 'synth', rand: audioRand },
          spec.durationSec,
        );

  // prettier-ignore
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y',
    ...graph.inputArgs,
    '-filter_complex', graph.chains.join(';'),
    '-map', video,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
    '-r', String(canvas.fps), '-threads', ENCODER_THREADS, '-flags:v', '+bitexact',
    ...audioOut,
    '-movflags', '+faststart', '-fflags', '+bitexact', '-map_metadata', '-1',
    '-map_chapters', '-1', '-f', 'mp4',
    tmpPath,
  ];
}

/**
 * Far above real render times (~1 s of wall clock per output second at 1080P on 2 cores), so
 * it only fires when a corrupt input wedges ffmpeg and would otherwise hold a render slot.
 */
function renderTimeoutMs(spec: RenderSpec): number {
  return 120_000 + Math.ceil(spec.durationSec) * 20_000;
}

/**
 * Renders a deterministic placeholder video (H.264/AAC MP4, 24 or 30 fps) for the sandbox
 * provider. The same spec always yields a byte-identical file with the same ffmpeg build.
 */
export async function renderVideo(
  tools: MediaTools,
  spec: RenderSpec,
  signal?: AbortSignal,
): Promise<void> {
  validateSpec(spec);
  signal?.throwIfAborted();
  // every input is read with the demuxer of the format its own bytes show (toolInputArgs)
  const resolved: Resolved = {
    visual: await resolveVisual(tools, spec.visual),
    audio: spec.audio.kind === 'file' ? await audioInput(tools, spec.audio.path) : null,
    font: spec.watermark ? findMarkFont() : null,
  };
  signal?.throwIfAborted();

  const outDir = dirname(resolve(spec.outPath));
  await mkdir(outDir, { recursive: true });
  // Same directory as the target so the final rename is atomic; readers never see partial files.
  const tmpPath = join(outDir, `.${basename(spec.outPath)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await runTool(tools.ffmpeg, buildArgs(spec, resolved, tmpPath), {
      signal,
      timeoutMs: renderTimeoutMs(spec),
    });
    await rename(tmpPath, spec.outPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
}
