import { seededRandom } from '../../shared/seeded-random.js';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { MediaTools } from '../../media/ffmpeg.js';
import { runTool } from '../../media/ffmpeg.js';
import { mediaCategory, type MediaFormat } from '../../media/inline-media.js';
import { probeMedia } from '../../media/probe.js';
import { sniffFile } from '../../media/sniff.js';
import { toolInputArgs } from '../../media/tool-input.js';

export type RenderAudio = { kind: 'none' } | { kind: 'synth' } | { kind: 'file'; path: string };

export interface RenderSpec {
  mode: 'first-frame' | 'references' | 'text';
  /** Output size in pixels; both sides must be even (yuv420p). */
  width: number;
  height: number;
  /** Integer seconds. */
  durationSec: number;
  /** 0..2147483647; every visual and audible choice derives from it. */
  seed: number;
  /** 'file' uses that audio as the track, cut or padded with silence to durationSec. */
  audio: RenderAudio;
  /**
   * Local file paths: [firstFrameImage] for first-frame; 1..5 images and/or videos for
   * references; [] for text.
   */
  inputs: string[];
  outPath: string;
}

const FPS = 24;
const SAMPLE_RATE = 48_000;
// Fixed so x264's frame-threading layout, and therefore its output, never depends on the host.
const ENCODER_THREADS = '2';
const MAX_SEED = 2_147_483_647;
const MAX_REFERENCES = 5;
// Zoompan crops whole source pixels; oversampling the source hides the resulting jitter.
const ZOOM_OVERSAMPLE = 2;

type InputKind = 'image' | 'video';

/** An input file with the format its bytes show; ffmpeg reads it with that demuxer only. */
interface SniffedInput {
  path: string;
  format: MediaFormat;
}

/** Fixed-precision numbers keep filter strings identical across runs and readable in logs. */
function num(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function hexColor(rand: () => number, min: number, max: number): string {
  const channel = () =>
    Math.floor(min + rand() * (max - min))
      .toString(16)
      .padStart(2, '0');
  return `0x${channel()}${channel()}${channel()}`;
}

function validateSpec(spec: RenderSpec): void {
  const { width, height, durationSec, seed, inputs, mode } = spec;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 16 || value > 4096 || value % 2 !== 0) {
      throw new RangeError(`${name} must be an even integer in 16..4096, got ${value}`);
    }
  }
  // The public API enforces the product's 2..15 s; this only guards against nonsense.
  if (!Number.isInteger(durationSec) || durationSec < 1 || durationSec > 60) {
    throw new RangeError(`durationSec must be an integer in 1..60, got ${durationSec}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  }
  const expected =
    mode === 'first-frame'
      ? inputs.length === 1
      : mode === 'text'
        ? inputs.length === 0
        : inputs.length >= 1 && inputs.length <= MAX_REFERENCES;
  if (!expected) {
    throw new RangeError(`mode ${mode} does not accept ${inputs.length} input(s)`);
  }
}

/** Splits totalFrames into `parts` integer slices whose sum is exact. */
function frameSlices(totalFrames: number, parts: number): number[] {
  const base = Math.floor(totalFrames / parts);
  const extra = totalFrames % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Ends a video chain with exactly `frames` frames at FPS and clean timestamps. */
function exactFrames(frames: number): string {
  return `trim=end_frame=${frames},setpts=N/(${FPS}*TB)`;
}

/**
 * Slow zoom towards a seed-chosen drift direction. At frame 0 zoom is 1 so the first output
 * frame shows the whole (fitted) image, which is what first-frame mode promises.
 */
function zoomPan(spec: RenderSpec, frames: number, rand: () => number): string {
  const zoomEnd = 0.06 + rand() * 0.1;
  const driftX = (rand() - 0.5) * 1.2;
  const driftY = (rand() - 0.5) * 1.2;
  const progress = `(on/${frames})`;
  const z = `1+${num(zoomEnd)}*${progress}`;
  const x = `(iw-iw/zoom)*(0.5+${num(driftX)}*(${progress}-0.5))`;
  const y = `(ih-ih/zoom)*(0.5+${num(driftY)}*(${progress}-0.5))`;
  return `zoompan=z=${z}:x=${x}:y=${y}:d=${frames}:s=${spec.width}x${spec.height}:fps=${FPS}`;
}

function imageChain(
  spec: RenderSpec,
  input: number,
  frames: number,
  fit: 'cover' | 'contain',
  rand: () => number,
): string {
  const w = spec.width * ZOOM_OVERSAMPLE;
  const h = spec.height * ZOOM_OVERSAMPLE;
  const fitted =
    fit === 'cover'
      ? `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h}`
      : `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black`;
  return [
    `[${input}:v]trim=end_frame=1`,
    fitted,
    'setsar=1',
    zoomPan(spec, frames, rand),
    'setsar=1',
    'format=yuv420p',
    exactFrames(frames),
  ].join(',');
}

function videoChain(spec: RenderSpec, input: number, frames: number): string {
  const { width: w, height: h } = spec;
  return [
    `[${input}:v]fps=${FPS}`,
    `scale=${w}:${h}:force_original_aspect_ratio=decrease`,
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black`,
    'setsar=1',
    'format=yuv420p',
    exactFrames(frames),
  ].join(',');
}

function textChain(spec: RenderSpec, frames: number, rand: () => number): string {
  // Coarse cells upscaled smoothly read as organic blobs rather than pixel noise.
  const cell = 8;
  const cols = Math.ceil(spec.width / cell);
  const rows = Math.ceil(spec.height / cell);
  const ratio = 0.25 + rand() * 0.3;
  const mold = 6 + Math.floor(rand() * 30);
  const life = hexColor(rand, 150, 256);
  const death = hexColor(rand, 0, 40);
  const moldColor = hexColor(rand, 40, 160);
  const hueStart = Math.floor(rand() * 360);
  const hueSpeed = 10 + rand() * 40;
  return [
    `life=s=${cols}x${rows}:rate=${FPS}:seed=${spec.seed}:ratio=${num(ratio)}:mold=${mold}` +
      `:life_color=${life}:death_color=${death}:mold_color=${moldColor}:stitch=1`,
    `scale=${spec.width}:${spec.height}:flags=bicubic`,
    'setsar=1',
    'format=yuv420p',
    `hue=h=${hueStart}+t*${num(hueSpeed, 2)}`,
    exactFrames(frames),
  ].join(',');
}

function synthChain(spec: RenderSpec, rand: () => number): string {
  // A major triad rooted somewhere between A2 and G#4, with a slow tremolo and soft edges.
  const root = 110 * 2 ** (Math.floor(rand() * 24) / 12);
  const lfo = 0.2 + rand() * 0.6;
  const d = spec.durationSec;
  const partials = [1, 1.25, 1.5]
    .map((ratio, i) => `${num(0.22 - i * 0.04, 2)}*sin(2*PI*${num(root * ratio, 3)}*t)`)
    .join('+');
  const envelope = `(0.7+0.3*sin(2*PI*${num(lfo)}*t))*(1-exp(-t*8))*(1-exp(-(${d}-t)*8))`;
  const expr = `(${partials})*${envelope}`;
  return `aevalsrc=exprs=${expr}|${expr}:c=stereo:s=${SAMPLE_RATE}:d=${d}`;
}

function exactSamples(spec: RenderSpec): string {
  return `atrim=end_sample=${spec.durationSec * SAMPLE_RATE},asetpts=N/SR/TB`;
}

async function sniffInput(path: string): Promise<SniffedInput> {
  const format = await sniffFile(path);
  if (format === null) throw new Error(`Render input is not a supported media file: ${path}`);
  return { path, format };
}

function classifyInputs(inputs: SniffedInput[]): InputKind[] {
  return inputs.map(({ path, format }) => {
    const category = mediaCategory(format);
    if (category === 'audio') throw new Error(`Reference input has no video or image: ${path}`);
    return category;
  });
}

async function assertHasAudio(tools: MediaTools, input: SniffedInput): Promise<void> {
  const probe = await probeMedia(tools, input.path, input.format);
  if (!probe.audio) throw new Error(`Audio input has no audio stream: ${input.path}`);
}

/** Sniffed inputs of a spec: [visual inputs…], then the audio file if there is one. */
interface Sniffed {
  visuals: SniffedInput[];
  audio: SniffedInput | null;
}

function buildArgs(spec: RenderSpec, sniffed: Sniffed, tmpPath: string): string[] {
  const kinds = spec.mode === 'references' ? classifyInputs(sniffed.visuals) : [];
  const rand = seededRandom(spec.seed);
  const totalFrames = spec.durationSec * FPS;
  const inputArgs: string[] = [];
  const graph: string[] = [];

  if (spec.mode === 'text') {
    graph.push(`${textChain(spec, totalFrames, rand)}[v]`);
  } else if (spec.mode === 'first-frame') {
    const image = sniffed.visuals[0];
    if (image === undefined) throw new RangeError('first-frame mode needs an image');
    if (mediaCategory(image.format) !== 'image') {
      throw new Error(`First-frame input is not an image: ${image.path}`);
    }
    inputArgs.push(...toolInputArgs(image.format, image.path));
    graph.push(`${imageChain(spec, 0, totalFrames, 'cover', rand)}[v]`);
  } else {
    const slices = frameSlices(totalFrames, spec.inputs.length);
    const labels: string[] = [];
    sniffed.visuals.forEach((input, i) => {
      const frames = slices[i] ?? 0;
      const kind = kinds[i];
      if (kind === 'video') {
        // Loop short clips, but bound the read so a long clip is not decoded to the end.
        const readSec = Math.ceil(frames / FPS) + 1;
        inputArgs.push(
          '-stream_loop',
          '-1',
          '-t',
          String(readSec),
          ...toolInputArgs(input.format, input.path),
        );
        graph.push(`${videoChain(spec, i, frames)}[r${i}]`);
      } else {
        inputArgs.push(...toolInputArgs(input.format, input.path));
        // References are subjects to preserve, so letterbox rather than crop them away.
        graph.push(`${imageChain(spec, i, frames, 'contain', rand)}[r${i}]`);
      }
      labels.push(`[r${i}]`);
    });
    graph.push(
      `${labels.join('')}concat=n=${labels.length}:v=1:a=0,${exactFrames(totalFrames)}[v]`,
    );
  }

  // Drawn after the visuals so the tone does not shift when the visual recipe changes.
  const audioRand = seededRandom(spec.seed ^ 0x5bd1e995);
  const audioOut: string[] = [];
  if (spec.audio.kind !== 'none') {
    if (spec.audio.kind === 'synth') {
      graph.push(`${synthChain(spec, audioRand)},${exactSamples(spec)}[a]`);
    } else {
      const index = inputArgs.filter((arg) => arg === '-i').length;
      if (!sniffed.audio) throw new RangeError('file audio needs an audio input');
      inputArgs.push(...toolInputArgs(sniffed.audio.format, sniffed.audio.path));
      graph.push(
        `[${index}:a:0]aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo,` +
          `apad,${exactSamples(spec)}[a]`,
      );
    }
    audioOut.push(
      '-map',
      '[a]',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ar',
      String(SAMPLE_RATE),
      '-ac',
      '2',
      '-flags:a',
      '+bitexact',
    );
  }

  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'error',
    '-y',
    ...inputArgs,
    '-filter_complex',
    graph.join(';'),
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '23',
    '-pix_fmt',
    'yuv420p',
    '-r',
    String(FPS),
    '-threads',
    ENCODER_THREADS,
    '-flags:v',
    '+bitexact',
    ...audioOut,
    '-movflags',
    '+faststart',
    '-fflags',
    '+bitexact',
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-f',
    'mp4',
    tmpPath,
  ];
}

/**
 * Far above real render times (~1 s of wall clock per output second at 1080P on 2 cores), so
 * it only fires when a corrupt input wedges ffmpeg and would otherwise hold a render slot.
 */
function renderTimeoutMs(spec: RenderSpec): number {
  return 120_000 + spec.durationSec * 20_000;
}

/**
 * Renders a deterministic placeholder video (H.264/AAC MP4, 24 fps) for the sandbox provider.
 * The same spec always yields a byte-identical file with the same ffmpeg build.
 */
export async function renderVideo(
  tools: MediaTools,
  spec: RenderSpec,
  signal?: AbortSignal,
): Promise<void> {
  validateSpec(spec);
  signal?.throwIfAborted();
  // every input is read with the demuxer of the format its own bytes show (toolInputArgs)
  const sniffed: Sniffed = {
    visuals: await Promise.all(spec.inputs.map(sniffInput)),
    audio: spec.audio.kind === 'file' ? await sniffInput(spec.audio.path) : null,
  };
  if (sniffed.audio) await assertHasAudio(tools, sniffed.audio);
  signal?.throwIfAborted();

  const outDir = dirname(resolve(spec.outPath));
  await mkdir(outDir, { recursive: true });
  // Same directory as the target so the final rename is atomic; readers never see partial files.
  const tmpPath = join(outDir, `.${basename(spec.outPath)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await runTool(tools.ffmpeg, buildArgs(spec, sniffed, tmpPath), {
      signal,
      timeoutMs: renderTimeoutMs(spec),
    });
    await rename(tmpPath, spec.outPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
}
