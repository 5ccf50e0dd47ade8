import type { SimCreateBody } from '../../sim-task.js';
import { SIM_LIMITS, srOf, type SimTier } from '../sim-catalogue.js';
import { isFields, type Fields } from '../sim-problem.js';
import type { SimFamilyModel } from './family-catalogue.js';
import { tierOf } from './family-fields.js';
import { vaceFunctionOf } from './check-vace.js';

/**
 * What a family task produces and how DashScope reports it, following the sandbox rules of
 * F§10. The simulator never downloads inputs (as for wan2.6), so:
 * - an input video's or audio's length is the stand-in `inputSeconds` (option
 *   `inputMediaSeconds`, default 5), unless its URL ends in a fragment `#sim-seconds=N`
 *   (fragments are never sent over HTTP, so a real file behind the URL is unaffected);
 * - an output that "follows the input" (image, clip or video aspect) renders at 16:9 of its
 *   tier, as wan2.6 i2v does in sim-output.ts.
 */

export interface FamilyOutputSpec {
  /** seconds of generated video */
  outputSec: number;
  /** seconds of input video billed (F§2.5, F§3.4, F§4.4) */
  inputVideoSec: number;
  tier: SimTier;
  /** the ratio reported in `usage.ratio` */
  ratio: string;
  width: number;
  height: number;
  withAudio: boolean;
  seed: number | null;
}

/** Where the video URL sits in the task answer (F§1.1; one location per family, docs). */
export type VideoUrlLocation = 'output.video_url' | 'output.results.video_url';

/** F§1.3 "Output size table for tier × ratio (documented)", plus the 480P cells. */
const SIZE_TABLE: Readonly<Record<SimTier, Readonly<Record<string, readonly [number, number]>>>> = {
  '480P': { '16:9': [832, 480], '9:16': [480, 832], '1:1': [624, 624] },
  '720P': {
    '16:9': [1280, 720],
    '9:16': [720, 1280],
    '1:1': [960, 960],
    '4:3': [1104, 832],
    '3:4': [832, 1104],
  },
  '1080P': {
    '16:9': [1920, 1080],
    '9:16': [1080, 1920],
    '1:1': [1440, 1440],
    '4:3': [1648, 1248],
    '3:4': [1248, 1648],
  },
};

/** F§0 conventions "Tier area". */
const TIER_AREA: Readonly<Record<SimTier, number>> = {
  '480P': 832 * 480,
  '720P': 1280 * 720,
  '1080P': 1920 * 1080,
};

/**
 * F§1.3: the table where it has the cell, else "keep the target aspect ratio, aim at the tier
 * area, round each side to an even number".
 */
export function familySize(tier: SimTier, ratio: string): [number, number] {
  const cell = SIZE_TABLE[tier][ratio];
  if (cell) return [cell[0], cell[1]];
  const [a = 16, b = 9] = ratio.split(':').map(Number);
  const even = (x: number): number => Math.max(2, 2 * Math.round(x / 2));
  const w = Math.sqrt((TIER_AREA[tier] * a) / b);
  return [even(w), even((w * b) / a)];
}

/** An input's length: the `#sim-seconds=N` fragment of its URL, else the stand-in. */
export function mediaSeconds(url: unknown, standIn: number): number {
  if (typeof url !== 'string') return standIn;
  const m = /#(?:.*&)?sim-seconds=(\d+(?:\.\d+)?)(?:&|$)/.exec(url);
  return m?.[1] === undefined ? standIn : Number(m[1]);
}

function mediaUrls(input: Fields, type: string): string[] {
  const media = Array.isArray(input.media) ? input.media : [];
  return media
    .filter(isFields)
    .flatMap((m) => (m.type === type && typeof m.url === 'string' ? [m.url] : []));
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export function familyOutputOf(
  model: SimFamilyModel,
  body: SimCreateBody,
  inputSeconds: number,
): FamilyOutputSpec {
  const { input, parameters: p } = body;
  const secs = (url: unknown): number => mediaSeconds(url, inputSeconds);
  const asked = typeof p.duration === 'number' ? p.duration : SIM_LIMITS.defaultDuration;
  const ratioParam = typeof p.ratio === 'string' ? p.ratio : null;
  const tier = tierOf(model, p);
  let outputSec = asked;
  let inputVideoSec = 0;
  // "follows the input" → 16:9 stand-in (header comment)
  let ratio = '16:9';
  let withAudio = true;
  let size: [number, number] | null = null;
  switch (model.kind) {
    case 'wan2.7-t2v':
    case 'happyhorse-t2v':
    case 'happyhorse-r2v':
      ratio = ratioParam ?? '16:9';
      break;
    case 'wan2.7-i2v': {
      // F§2.2 duration "total length incl. the clip"; the clip's seconds billed (F§11 #6, guess)
      const clip = mediaUrls(input, 'first_clip')[0];
      if (clip !== undefined) inputVideoSec = secs(clip);
      break;
    }
    case 'wan2.7-r2v':
      inputVideoSec = sum(mediaUrls(input, 'reference_video').map(secs));
      // F§2.3 "ignored with first_frame": the image's aspect, a 16:9 stand-in
      if (mediaUrls(input, 'first_frame').length === 0) ratio = ratioParam ?? '16:9';
      break;
    case 'wan2.7-videoedit': {
      // F§10 "0 → input; N → min(N, input)"; F§2.4 "ratio … default input video's ratio"
      inputVideoSec = secs(mediaUrls(input, 'video')[0]);
      const d = typeof p.duration === 'number' ? p.duration : 0;
      outputSec = d === 0 ? inputVideoSec : Math.min(d, inputVideoSec);
      ratio = ratioParam ?? '16:9';
      break;
    }
    case 'wan3.0': {
      // F§3.4 sandbox: explicit ratio, else adaptive (a 16:9 stand-in); −1 → total
      // reference_audio length clamped to 2–30, else 5; audio=false → silent
      inputVideoSec = sum(mediaUrls(input, 'reference_video').map(secs));
      const audio = sum(mediaUrls(input, 'reference_audio').map(secs));
      if (asked === -1) outputSec = audio > 0 ? clamp(audio, 2, 30) : 5;
      if (ratioParam !== null && ratioParam !== 'adaptive') ratio = ratioParam;
      withAudio = p.audio !== false;
      break;
    }
    case 'happyhorse-i2v':
      break;
    case 'happyhorse-video-edit':
      // F§4.4 "edit = min(input, 15)", billed input + output
      inputVideoSec = secs(mediaUrls(input, 'video')[0]);
      outputSec = Math.min(inputVideoSec, 15);
      break;
    case 'kf2v':
      // F§5 "Silent output, fixed 5 s"
      outputSec = 5;
      withAudio = false;
      break;
    case 'vace': {
      // F§6 sandbox: "5 s for image_reference and extension; min(input, 5) for the rest";
      // silent; image_reference/video_edit at `size` (default 1280×720 ⚠), others capped 720P
      const fn = vaceFunctionOf(input);
      outputSec =
        fn === 'image_reference' || fn === 'video_extension'
          ? 5
          : Math.min(secs(input.video_url), 5);
      withAudio = false;
      const [w = 0, h = 0] = typeof p.size === 'string' ? p.size.split('*').map(Number) : [];
      if ((fn === 'image_reference' || fn === 'video_edit') && w > 0 && h > 0) size = [w, h];
      break;
    }
    case 's2v':
      // F§7.2 sandbox: "duration = audio length (cap 20 s ⚠)"
      outputSec = Math.min(secs(input.audio_url), 20);
      break;
    case 'animate':
      // F§8 sandbox: "duration = reference video length"; ≤720P
      outputSec = secs(input.video_url);
      break;
  }
  const [width, height] = size ?? familySize(tier, ratio);
  return {
    outputSec,
    inputVideoSec,
    tier,
    ratio,
    width,
    height,
    withAudio,
    seed: typeof p.seed === 'number' && p.seed >= 0 ? p.seed : null,
  };
}

export function videoUrlLocation(model: SimFamilyModel): VideoUrlLocation {
  // F§7.2 / F§8: "upstream imitation puts the URL at output.results.video_url"
  return model.kind === 's2v' || model.kind === 'animate'
    ? 'output.results.video_url'
    : 'output.video_url';
}

/** F§5 "actual_prompt (when prompt_extend is on)": kf2v only among the families. */
export function familyReturnsActualPrompt(model: SimFamilyModel, body: SimCreateBody): boolean {
  return model.kind === 'kf2v' && body.parameters.prompt_extend !== false;
}

/** DashScope's `usage` of a SUCCEEDED family task, in the family's shape (F§2.5–F§8, F§10). */
export function familyUsage(
  model: SimFamilyModel,
  body: SimCreateBody,
  inputSeconds: number,
): Record<string, unknown> {
  const out = familyOutputOf(model, body, inputSeconds);
  switch (model.kind) {
    case 'wan2.7-t2v':
    case 'wan2.7-i2v':
    case 'wan2.7-r2v':
    case 'wan2.7-videoedit':
    case 'wan3.0':
    case 'happyhorse-t2v':
    case 'happyhorse-i2v':
    case 'happyhorse-r2v':
    case 'happyhorse-video-edit':
      // F§4.4 official HappyHorse schema; F§2.5 / F§3.4 "expect the HappyHorse shape"
      return {
        duration: out.inputVideoSec + out.outputSec,
        input_video_duration: out.inputVideoSec,
        output_video_duration: out.outputSec,
        video_count: 1,
        SR: srOf(out.tier),
        ratio: out.ratio,
      };
    case 'kf2v':
      // F§5 "video_duration (int, 5), video_count (1), SR (int; 2.2 only), video_ratio
      // ("standard"; 2.1 only)"
      return model.kf2vUsage === 'SR'
        ? { video_duration: 5, video_count: 1, SR: srOf(out.tier) }
        : { video_duration: 5, video_count: 1, video_ratio: 'standard' };
    case 'vace':
    case 's2v':
    case 'animate':
      // F§6 ⚠, F§7.2 "{video_duration: <seconds, float>, video_count: 1}", F§8 ⚠
      return { video_duration: out.outputSec, video_count: 1 };
  }
}
