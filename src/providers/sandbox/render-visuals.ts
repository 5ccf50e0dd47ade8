import type { Canvas, FilterGraph, SniffedInput } from './render-chains.js';
import {
  boundedRead,
  dissolve,
  exactFrames,
  fit,
  frameSlices,
  imageChain,
  num,
  stillMotion,
  textChain,
  videoChain,
  videoFrames,
} from './render-chains.js';

export type EditLook = 'restyle' | 'repaint' | 'outpaint' | 'extend' | 'mask';

export const EDIT_LOOKS: readonly EditLook[] = ['restyle', 'repaint', 'outpaint', 'extend', 'mask'];

/**
 * What a video shows, over the type of its files (`F`) and of a continuation's clip (`C`): paths
 * for callers (RenderVisual), sniffed inputs once resolved.
 */
export type VisualOf<F, C = F> =
  /** Seeded organic motion, no input. */
  | { kind: 'text' }
  /** The image, cover-fitted, slowly zooming; frame 0 is the whole fitted image. */
  | { kind: 'still'; image: F }
  /** 1..10 images and/or videos one after another, letterboxed, sharing the duration. */
  | { kind: 'sequence'; items: F[] }
  /** Frame 0 is the whole first image; it dissolves into the last, which the last frame shows. */
  | { kind: 'transition'; first: F; last: F }
  /**
   * The clip as it is for its own length (cut at the output length), then its last frame held
   * with a slow zoom for the rest, or dissolving towards `last` when given.
   */
  | { kind: 'continuation'; clip: C; last: F | null }
  /** The input video (held on its last frame if shorter) with a visible transform per look. */
  | { kind: 'edit'; video: F; look: EditLook }
  /** The image, fitted and drifting, with the video's luma blended into it. */
  | { kind: 'animate'; image: F; video: F };

/** A continuation's clip, measured. */
export type MeasuredClip = SniffedInput & { seconds: number };

/** A visual whose paths have been sniffed (and a continuation's clip measured). */
export type ResolvedVisual = VisualOf<SniffedInput, MeasuredClip>;

export interface VisualContext {
  graph: FilterGraph;
  canvas: Canvas;
  /** Output frames in total. */
  frames: number;
  seed: number;
  rand: () => number;
}

/** Even and at least 2, as yuv420p needs for crops and overlays. */
const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);

function sequence(ctx: VisualContext, items: SniffedInput[]): string {
  const { graph, canvas, rand } = ctx;
  const slices = frameSlices(ctx.frames, items.length);
  const labels = items.map((item, i) => {
    const frames = slices[i] ?? 0;
    // References are subjects to preserve, so letterbox rather than crop them away.
    return item.category === 'video'
      ? videoChain(graph, canvas, item, frames, 'contain', 'loop')
      : imageChain(graph, canvas, item, frames, 'contain', rand);
  });
  const out = graph.label('s');
  graph.push(
    `${labels.join('')}concat=n=${labels.length}:v=1:a=0,${exactFrames(canvas, ctx.frames)}${out}`,
  );
  return out;
}

/** Frame 0 is the whole first image; the view then drifts and dissolves into the last one. */
function transition(ctx: VisualContext, first: SniffedInput, last: SniffedInput): string {
  const { graph, canvas, rand, frames } = ctx;
  const from = imageChain(graph, canvas, first, frames, 'cover', rand, 'in');
  // Zooming out, so the final frame shows the whole last image.
  const to = imageChain(graph, canvas, last, frames, 'cover', rand, 'out');
  return dissolve(graph, canvas, from, to, frames);
}

/**
 * The clip untouched for its own length (cut at the output length), then its last frame held
 * with a slow zoom, or dissolving into `last`, for the rest.
 */
function continuation(ctx: VisualContext, clip: MeasuredClip, last: SniffedInput | null): string {
  const { graph, canvas, rand, frames } = ctx;
  const clipFrames = Math.min(frames, Math.max(1, Math.round(clip.seconds * canvas.fps)));
  const rest = frames - clipFrames;
  const index = graph.input(clip, boundedRead(canvas, frames, false));
  // Cloning the last frame makes every trim below exist even if clipSec overstates the clip.
  const source = `[${index}:v]${videoFrames(canvas, 'contain')},tpad=stop_mode=clone:stop=${frames}`;
  const out = graph.label('n');
  if (rest === 0) {
    graph.push(`${source},${exactFrames(canvas, frames)}${out}`);
    return out;
  }
  const [a, b, head] = [graph.label('n'), graph.label('n'), graph.label('n')];
  graph.push(`${source},split${a}${b}`);
  graph.push(`${a}${exactFrames(canvas, clipFrames)}${head}`);
  let tail = graph.label('n');
  graph.push(
    `${b}trim=start_frame=${clipFrames - 1}:end_frame=${clipFrames},` +
      `${stillMotion(canvas, rest, 'contain', rand)}${tail}`,
  );
  if (last !== null) {
    const towards = imageChain(graph, canvas, last, rest, 'cover', rand, 'out');
    tail = dissolve(graph, canvas, tail, towards, rest);
  }
  graph.push(`${head}${tail}concat=n=2:v=1:a=0,${exactFrames(canvas, frames)}${out}`);
  return out;
}

/** A seed-chosen box of at least a quarter of each side, inside the canvas, on even pixels. */
function maskBox(canvas: Canvas, rand: () => number) {
  const w = even(canvas.width * (0.3 + rand() * 0.2));
  const h = even(canvas.height * (0.3 + rand() * 0.2));
  const x = Math.min(canvas.width - w, even(rand() * (canvas.width - w)));
  const y = Math.min(canvas.height - h, even(rand() * (canvas.height - h)));
  return { w, h, x, y };
}

/** The input video with a transform per look that nobody would mistake for the input. */
function edit(ctx: VisualContext, video: SniffedInput, look: EditLook): string {
  const { graph, canvas, rand, frames } = ctx;
  const { width: w, height: h, fps } = canvas;
  const index = graph.input(video, boundedRead(canvas, frames, false));
  // An input shorter than the output holds its last frame; a longer one is cut.
  const source =
    `[${index}:v]setpts=PTS-STARTPTS,fps=${fps},tpad=stop_mode=clone:stop=${frames},` +
    `${exactFrames(canvas, frames)},setsar=1,format=yuv420p`;
  const fitted = `${source},${fit(w, h, 'contain')},setsar=1`;
  const hue = Math.floor(90 + rand() * 180);
  const paper = { u: 108 + Math.floor(rand() * 40), v: 108 + Math.floor(rand() * 40) };
  const out = graph.label('e');
  switch (look) {
    case 'restyle':
      // Hue turned, colours pushed and the light posterized: a new "style" over the same motion.
      graph.push(`${fitted},hue=h=${hue}:s=1.7,lutyuv=y=floor(val/48)*48+24${out}`);
      break;
    case 'repaint':
      // Dark outlines on tinted paper: the structure a scribble-conditioned repaint keeps.
      graph.push(
        `${fitted},edgedetect=low=0.06:high=0.2,negate,format=yuv420p,` +
          `lutyuv=u=${paper.u}:v=${paper.v}${out}`,
      );
      break;
    case 'outpaint': {
      // The input shrunk into the middle of a canvas filled by a blurred mirror of itself.
      const [bg, fg, inner] = [graph.label('e'), graph.label('e'), graph.label('e')];
      const blurred = graph.label('e');
      const radius = Math.max(2, Math.floor(Math.min(w, h) / 24));
      graph.push(`${source},split${bg}${fg}`);
      graph.push(
        `${bg}${fit(w, h, 'cover')},hflip,boxblur=${radius}:2,eq=brightness=-0.08,setsar=1${blurred}`,
      );
      graph.push(`${fg}${fit(even(w * 0.72), even(h * 0.72), 'contain')},setsar=1${inner}`);
      graph.push(`${blurred}${inner}overlay=(W-w)/2:(H-h)/2,format=yuv420p${out}`);
      break;
    }
    case 'extend': {
      // A slow push-in with a warm grade (in YUV: a vignette after an RGB filter is 7× slower)
      // and a vignette, as if the shot carried on.
      const last = Math.max(1, frames - 1);
      graph.push(
        `${fitted},scale=${w * 2}:${h * 2},` +
          `zoompan=z=1+0.15*on/${last}:x=(iw-iw/zoom)/2:y=(ih-ih/zoom)/2:d=1:s=${w}x${h}:fps=${fps},` +
          `setsar=1,lutyuv=u=val-14:v=val+16,vignette,format=yuv420p${out}`,
      );
      break;
    }
    case 'mask': {
      // A seed-placed box (the "white" of a mask) edited, outlined, the rest kept.
      const box = maskBox(canvas, rand);
      const [whole, part, edited] = [graph.label('e'), graph.label('e'), graph.label('e')];
      graph.push(`${fitted},split${whole}${part}`);
      graph.push(
        `${part}crop=${box.w}:${box.h}:${box.x}:${box.y},negate,hue=h=${hue}:s=1.5${edited}`,
      );
      graph.push(
        `${whole}${edited}overlay=${box.x}:${box.y},` +
          `drawbox=x=${box.x}:y=${box.y}:w=${box.w}:h=${box.h}:color=white@0.9:t=3,format=yuv420p${out}`,
      );
      break;
    }
  }
  return out;
}

/**
 * The image, fitted and drifting, carrying the video's light: the video's luma is hard-light
 * blended into the image's luma, the image keeps its colours, so both are visible.
 */
function animate(ctx: VisualContext, image: SniffedInput, video: SniffedInput): string {
  const { graph, canvas, rand, frames } = ctx;
  const picture = imageChain(graph, canvas, image, frames, 'cover', rand);
  const driving = videoChain(graph, canvas, video, frames, 'cover', 'hold');
  const luma = graph.label('a');
  const out = graph.label('a');
  graph.push(`${driving}format=gray,format=yuv420p${luma}`);
  graph.push(
    `${picture}${luma}blend=c0_mode=hardlight:c0_opacity=${num(0.8, 2)}:c1_mode=normal:c2_mode=normal:shortest=1,` +
      `format=yuv420p,${exactFrames(canvas, frames)}${out}`,
  );
  return out;
}

/** Adds the chains of a visual to the graph; returns the pad with exactly ctx.frames frames. */
export function visualChain(ctx: VisualContext, visual: ResolvedVisual): string {
  const { graph, canvas, rand, frames } = ctx;
  switch (visual.kind) {
    case 'text':
      return textChain(graph, canvas, frames, ctx.seed, rand);
    case 'still':
      return imageChain(graph, canvas, visual.image, frames, 'cover', rand);
    case 'sequence':
      return sequence(ctx, visual.items);
    case 'transition':
      return transition(ctx, visual.first, visual.last);
    case 'continuation':
      return continuation(ctx, visual.clip, visual.last);
    case 'edit':
      return edit(ctx, visual.video, visual.look);
    case 'animate':
      return animate(ctx, visual.image, visual.video);
  }
}
