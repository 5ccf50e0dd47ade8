import type { MediaFormat } from '../../media/inline-media.js';
import { toolInputArgs } from '../../media/tool-input.js';

/** An input file with the format its bytes show; ffmpeg reads it with that demuxer only. */
export interface SniffedInput {
  path: string;
  format: MediaFormat;
  category: 'image' | 'video' | 'audio';
}

/** What every chain needs to know about the output. */
export interface Canvas {
  width: number;
  height: number;
  fps: number;
}

// Zoompan crops whole source pixels; oversampling the source hides the resulting jitter.
const ZOOM_OVERSAMPLE = 2;

/**
 * One ffmpeg filter graph under construction: the input files (each with its own `-i` and the
 * options in front of it) and the chains, joined with ';' at the end.
 */
export class FilterGraph {
  readonly inputArgs: string[] = [];
  readonly chains: string[] = [];
  private inputs = 0;
  private labels = 0;

  /** Adds a file read with its sniffed demuxer; `before` are options for this input only. */
  input(file: SniffedInput, before: string[] = []): number {
    this.inputArgs.push(...before, ...toolInputArgs(file.format, file.path));
    this.inputs += 1;
    return this.inputs - 1;
  }

  /** A fresh pad label such as `[t3]`. */
  label(prefix = 't'): string {
    this.labels += 1;
    return `[${prefix}${this.labels}]`;
  }

  push(chain: string): void {
    this.chains.push(chain);
  }
}

/** Fixed-precision numbers keep filter strings identical across runs and readable in logs. */
export function num(value: number, digits = 4): string {
  return value.toFixed(digits);
}

export function hexColor(rand: () => number, min: number, max: number): string {
  const channel = () =>
    Math.floor(min + rand() * (max - min))
      .toString(16)
      .padStart(2, '0');
  return `0x${channel()}${channel()}${channel()}`;
}

/** Splits totalFrames into `parts` integer slices whose sum is exact. */
export function frameSlices(totalFrames: number, parts: number): number[] {
  const base = Math.floor(totalFrames / parts);
  const extra = totalFrames % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Ends a video chain with exactly `frames` frames at the canvas rate and clean timestamps. */
export function exactFrames(canvas: Canvas, frames: number): string {
  return `trim=end_frame=${frames},setpts=N/(${canvas.fps}*TB)`;
}

/** Scales to w×h: 'cover' crops the overflow, 'contain' letterboxes with black. */
export function fit(w: number, h: number, mode: 'cover' | 'contain'): string {
  return mode === 'cover'
    ? `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h}`
    : `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black`;
}

/**
 * Slow zoom with a seed-chosen drift over `frames` output frames of one still picture. 'in'
 * starts at zoom 1 (frame 0 is the whole picture); 'out' ends there (the last frame is).
 */
export function zoomPan(
  canvas: Canvas,
  frames: number,
  rand: () => number,
  direction: 'in' | 'out' = 'in',
): string {
  const zoomEnd = 0.06 + rand() * 0.1;
  const driftX = (rand() - 0.5) * 1.2;
  const driftY = (rand() - 0.5) * 1.2;
  const last = Math.max(1, frames - 1);
  const progress = direction === 'in' ? `(on/${last})` : `(1-on/${last})`;
  const z = `1+${num(zoomEnd)}*${progress}`;
  const x = `(iw-iw/zoom)*(0.5+${num(driftX)}*(${progress}-0.5))`;
  const y = `(ih-ih/zoom)*(0.5+${num(driftY)}*(${progress}-0.5))`;
  return `zoompan=z=${z}:x=${x}:y=${y}:d=${frames}:s=${canvas.width}x${canvas.height}:fps=${canvas.fps}`;
}

/** The filters that turn one picture (the first frame of a stream) into `frames` moving frames. */
export function stillMotion(
  canvas: Canvas,
  frames: number,
  fitMode: 'cover' | 'contain',
  rand: () => number,
  direction: 'in' | 'out' = 'in',
): string {
  return [
    'trim=end_frame=1',
    'setpts=PTS-STARTPTS',
    fit(canvas.width * ZOOM_OVERSAMPLE, canvas.height * ZOOM_OVERSAMPLE, fitMode),
    'setsar=1',
    zoomPan(canvas, frames, rand, direction),
    'setsar=1',
    'format=yuv420p',
    exactFrames(canvas, frames),
  ].join(',');
}

/** An image input as `frames` frames of slow zoom; the chain's output pad is `out`. */
export function imageChain(
  graph: FilterGraph,
  canvas: Canvas,
  image: SniffedInput,
  frames: number,
  fitMode: 'cover' | 'contain',
  rand: () => number,
  direction: 'in' | 'out' = 'in',
): string {
  const out = graph.label('i');
  const index = graph.input(image);
  graph.push(`[${index}:v]${stillMotion(canvas, frames, fitMode, rand, direction)}${out}`);
  return out;
}

/** A video stream resampled to the canvas rate and fitted to it (no frame count fixed yet). */
export function videoFrames(canvas: Canvas, fitMode: 'cover' | 'contain'): string {
  return [
    'setpts=PTS-STARTPTS',
    `fps=${canvas.fps}`,
    fit(canvas.width, canvas.height, fitMode),
    'setsar=1',
    'format=yuv420p',
  ].join(',');
}

/** Read options that stop a long video being decoded far past what the render uses. */
export function boundedRead(canvas: Canvas, frames: number, loop: boolean): string[] {
  const seconds = String(Math.ceil(frames / canvas.fps) + 1);
  return loop ? ['-stream_loop', '-1', '-t', seconds] : ['-t', seconds];
}

/**
 * A video input as exactly `frames` frames. Short clips loop ('loop') or hold their last frame
 * ('hold'); longer ones are cut.
 */
export function videoChain(
  graph: FilterGraph,
  canvas: Canvas,
  video: SniffedInput,
  frames: number,
  fitMode: 'cover' | 'contain',
  short: 'loop' | 'hold',
): string {
  const out = graph.label('c');
  const index = graph.input(video, boundedRead(canvas, frames, short === 'loop'));
  const hold = short === 'hold' ? `,tpad=stop_mode=clone:stop=${frames}` : '';
  graph.push(
    `[${index}:v]${videoFrames(canvas, fitMode)}${hold},${exactFrames(canvas, frames)}${out}`,
  );
  return out;
}

/**
 * Cross-dissolves `from` into `to` over `frames` frames (both exactly that long): frame 0 is
 * all `from`, the last frame all `to`. Overlay with a fading alpha: the 2018 build has no xfade.
 */
export function dissolve(
  graph: FilterGraph,
  canvas: Canvas,
  from: string,
  to: string,
  frames: number,
): string {
  const faded = graph.label('f');
  const out = graph.label('d');
  const fadeFrames = Math.max(1, frames - 1);
  graph.push(`${to}format=yuva420p,fade=t=in:s=0:n=${fadeFrames}:alpha=1${faded}`);
  graph.push(
    `${from}${faded}overlay=format=yuv420:shortest=1,format=yuv420p,${exactFrames(canvas, frames)}${out}`,
  );
  return out;
}

export function textChain(
  graph: FilterGraph,
  canvas: Canvas,
  frames: number,
  seed: number,
  rand: () => number,
): string {
  // Coarse cells upscaled smoothly read as organic blobs rather than pixel noise.
  const cell = 8;
  const cols = Math.ceil(canvas.width / cell);
  const rows = Math.ceil(canvas.height / cell);
  const ratio = 0.25 + rand() * 0.3;
  const mold = 6 + Math.floor(rand() * 30);
  const life = hexColor(rand, 150, 256);
  const death = hexColor(rand, 0, 40);
  const moldColor = hexColor(rand, 40, 160);
  const hueStart = Math.floor(rand() * 360);
  const hueSpeed = 10 + rand() * 40;
  const out = graph.label('x');
  graph.push(
    [
      `life=s=${cols}x${rows}:rate=${canvas.fps}:seed=${seed}:ratio=${num(ratio)}:mold=${mold}` +
        `:life_color=${life}:death_color=${death}:mold_color=${moldColor}:stitch=1`,
      `scale=${canvas.width}:${canvas.height}:flags=bicubic`,
      'setsar=1',
      'format=yuv420p',
      `hue=h=${hueStart}+t*${num(hueSpeed, 2)}`,
      exactFrames(canvas, frames),
    ].join(',') + out,
  );
  return out;
}
