import { CREATE_ROUTES, NATIVE_PREFIX } from '../contract/routes.js';
import { familyOf } from './families/registry.js';
import { ANIMATE, HAPPYHORSE, KF2V_IMAGE, S2V, VACE, WAN27, WAN30 } from './input-rules.js';
import {
  createPathOf,
  describeDurations,
  MODE_LABELS,
  type FamilyId,
  type ImageInputRule,
  type ModelMode,
  type ModelPrice,
  type ModelSpec,
  type TimedInputRule,
} from './model-table.js';
import { outputUsage } from './usage.js';

export const code = (v: string | number | boolean): string => `\`${String(v)}\``;
export const codes = (vs: readonly (string | number)[]): string => vs.map(code).join(', ');
const mb = (bytes: number): string => `${bytes / (1024 * 1024)} MB`;

export function imageText(rule: ImageInputRule): string {
  const formats = rule.formats.map((f) =>
    f === 'PNG' && !rule.allowAlpha ? 'PNG (no alpha channel)' : f,
  );
  return `${formats.join(', ')}; width and height each ${rule.minSidePx} to ${rule.maxSidePx} px; at most ${mb(rule.maxBytes)}`;
}

export function timedText(rule: TimedInputRule): string {
  const secs =
    rule.maxSeconds >= 3600 ? 'any length' : `${rule.minSeconds} to ${rule.maxSeconds} s`;
  return `${rule.formats.join(', ')}; ${secs}; at most ${mb(rule.maxBytes)}`;
}

export function routeOf(mode: ModelMode): string {
  const route = CREATE_ROUTES.find((r) => r.mode === mode);
  return route ? `POST ${route.path}` : '(no route)';
}

/** What each family's `input` and `parameters` hold (families §2–§8), beyond the row's values. */
const FIELDS: Readonly<Record<Exclude<FamilyId, 'wan2.6'>, (m: ModelSpec) => string[]>> = {
  'wan2.7': (m) =>
    m.mode === 'text'
      ? [
          `${code('input.audio_url')}: optional soundtrack (a URL, not a data: URI): ${timedText(WAN27.audio)}.`,
        ]
      : m.mode === 'first-frame'
        ? [
            `${code('input.media')}: required; items ${code('{type, url}')}, each type at most once. Accepted combinations only: ${code('first_frame')}; ${code('first_frame')} + ${code('driving_audio')}; ${code('first_frame')} + ${code('last_frame')}; ${code('first_frame')} + ${code('last_frame')} + ${code('driving_audio')}; ${code('first_clip')}; ${code('first_clip')} + ${code('last_frame')}.`,
            `  - ${code('first_frame')}, ${code('last_frame')}: ${imageText(WAN27.image)} (data: URIs accepted).`,
            `  - ${code('driving_audio')}: ${timedText(WAN27.audio)} (URL only).`,
            `  - ${code('first_clip')}: ${timedText(WAN27.clip)} (URL only); ${code('parameters.duration')} is then the whole length including the clip, and must be longer than it.`,
            `A ${code('first_frame')} + ${code('last_frame')} request may go to ${code(routeOf('first-last-frame'))} as well.`,
          ]
        : m.mode === 'references'
          ? [
              `${code('input.media')}: required; 1 to 5 ${code('reference_image')} and ${code('reference_video')} items together, plus at most one ${code('first_frame')} (counted apart; ${code('ratio')} is then ignored).`,
              `  - images: ${imageText(WAN27.image)}; videos: ${timedText(WAN27.referenceVideo)} (URL only); with a reference video ${code('duration')} is 2 to 10.`,
              `  - ${code('reference_voice')}: a voice for a subject (${timedText(WAN27.voice)}), inside a media item or as ${code('input.reference_voice')}; both positions are passed on as sent.`,
              `The prompt names the inputs ${code('Image 1')}, ${code('Video 1')}, ... in order; vidgate never rewrites it.`,
            ]
          : [
              `${code('input.media')}: required; exactly one ${code('video')} (${timedText(WAN27.editVideo)}, URL only) and 0 to 4 ${code('reference_image')}.`,
              `${code('parameters.duration')}: 0 keeps the input's length, 2 to 10 cuts it from the start. ${code('parameters.audio_setting')}: ${code('auto')} (default) or ${code('origin')} (keep the input's sound). ${code('parameters.ratio')} defaults to the input's.`,
            ],
  'wan3.0': () => [
    `${code('input.media')}: optional (absent for text-to-video). Frames: ${code('first_frame')} (at most one) and ${code('last_frame')} (needs a first frame). References: up to 10 ${code('reference_image')}, up to 5 ${code('reference_video')} (${timedText(WAN30.referenceVideo)}, URL only) and up to 5 ${code('reference_audio')} (${timedText(WAN30.referenceAudio)}, URL only); reference videos and reference audio each last at most ${WAN30.totalReferenceSeconds} s together. Frames and references cannot be mixed. ${code('file')} and ${code('link')} items are refused until DashScope's thinking-mode field is published.`,
    `The request's mode follows its media: none is text-to-video, frames are image-to-video, references are reference-to-video; send it to that mode's route.`,
    `${code('parameters.duration')}: 2 to 30, or ${code(-1)} for smart duration (held as 30 s until the upstream reports the length; see the smart-duration decision below). ${code('parameters.audio')}: ${code(false)} makes a silent video (same price). ${code('parameters.seed')} may be ${code(-1)}. No ${code('input.negative_prompt')} (refused). No ratio default is injected: DashScope's is ${code('adaptive')}.`,
  ],
  happyhorse: (m) => [
    m.mode === 'text'
      ? `No media; ${code('input.media')} is refused.`
      : m.mode === 'first-frame'
        ? `${code('input.media')}: exactly one ${code('first_frame')}: ${imageText(HAPPYHORSE.firstFrame)} (data: URIs accepted); the video keeps its aspect (no ${code('ratio')}).`
        : m.mode === 'references'
          ? `${code('input.media')}: 1 to 9 ${code('reference_image')}: ${imageText(HAPPYHORSE.referenceImage)}.`
          : `${code('input.media')}: exactly one ${code('video')} (${timedText(HAPPYHORSE.editVideo)}, URL only; the output is at most 15 s) and 0 to 5 ${code('reference_image')}. No ${code('duration')} or ${code('ratio')}; ${code('parameters.audio_setting')} ${code('auto')} or ${code('origin')}.`,
    `${code('parameters.watermark')} defaults to ${code(true)} ("Happy Horse", lower right). No ${code('negative_prompt')} (refused); ${code('prompt_extend')} is passed on if sent, never added.`,
  ],
  kf2v: () => [
    `${code('input.first_frame_url')}: required; ${code('input.last_frame_url')}: optional; each ${imageText(KF2V_IMAGE)} (http(s), oss:// or data: URI). The video keeps the first frame's aspect.`,
    `${code('input.template')}: optional effect name, passed on (DashScope's lists are per model and region). Silent, always 5 s; ${code('actual_prompt')} is returned when ${code('prompt_extend')} is on.`,
  ],
  vace: () => [
    `${code('input.function')}: required, one of ${codes(['image_reference', 'video_repainting', 'video_edit', 'video_extension', 'video_outpainting'])}; each function reads its own fields and a field of another function is refused. URLs only (no data: URIs).`,
    `  - ${code('image_reference')}: ${code('input.ref_images_url')} 1 to 3 images; ${code('parameters.obj_or_bg')} (same length, ${code('obj')}/${code('bg')}, at most one ${code('bg')}); ${code('parameters.size')} ${code('W*H')}.`,
    `  - ${code('video_repainting')}: ${code('input.video_url')} (MP4, at most ${mb(VACE.video.maxBytes)}), optional one ${code('ref_images_url')}; ${code('parameters.control_condition')} (${codes(['posebodyface', 'posebody', 'depth', 'scribble'])}), ${code('parameters.strength')} 0–1.`,
    `  - ${code('video_edit')}: ${code('input.video_url')}, exactly one of ${code('input.mask_image_url')} / ${code('input.mask_video_url')}, optional ${code('mask_frame_id')}; ${code('parameters.mask_type')} (${codes(['tracking', 'fixed'])}), ${code('parameters.expand_ratio')} 0–1, ${code('parameters.size')}.`,
    `  - ${code('video_extension')}: at least one of ${code('input.first_clip_url')}, ${code('input.last_clip_url')} (MP4 at most 3 s), ${code('input.first_frame_url')}, ${code('input.last_frame_url')}.`,
    `  - ${code('video_outpainting')}: ${code('input.video_url')}; ${code('parameters.top_scale')} / ${code('bottom_scale')} / ${code('left_scale')} / ${code('right_scale')} 1–2.`,
    `Output: silent, at most 720P, 30 fps, 5 s (or the input's length when shorter).`,
  ],
  s2v: () => [
    `${code('input.image_url')}: required portrait (${imageText(S2V.image)}), URL only; ${code('input.audio_url')}: required speech or song (${timedText(S2V.audio)}), URL only. The video lasts as long as the audio; no ${code('duration')}.`,
    `${code('parameters.style')} / ${code('parameters.scenario')}: passed on as sent. Check the portrait first with the face check (below).`,
  ],
  animate: (m) => [
    `${code('input.image_url')}: required (${imageText(ANIMATE.image)}), ${code('input.video_url')}: required (${timedText(ANIMATE.video)}; DashScope also takes AVI, which vidgate's checks do not read); URLs only. ${code('input.watermark')} sits under ${code('input')}, not ${code('parameters')}.`,
    `${code('parameters.mode')}: required, ${codes(['wan-std', 'wan-pro'])}. No ${code('resolution')} or ${code('duration')}: the video follows the input video (its length, at most 720P; ${m.name.endsWith('-move') ? "the image's aspect" : "the video's aspect"}).`,
  ],
};

function priceText(p: ModelPrice): string {
  const whole = Math.floor(p.perSecondMicros / 1_000_000);
  const frac = String(p.perSecondMicros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  const amount = frac === '' ? `${whole}` : `${whole}.${frac}`;
  const tier = p.tier === 'any' ? 'any tier' : p.tier;
  return `${p.region} ${tier} ${amount} ${p.currency}/s${p.unverified ? ' (unverified)' : ''}`;
}

/** A family model's section of docs/models.md. */
export function familySection(m: ModelSpec): string[] {
  const fam = familyOf(m);
  const fields = m.family === 'wan2.6' ? [] : FIELDS[m.family](m);
  const routes = [...new Set(m.modes.map(routeOf))].map(code).join(', ');
  const regions = Object.entries(m.regions)
    .map(([r, id]) => (id === m.name ? r : `${r} (as ${code(id)})`))
    .join(', ');
  const out = m.output;
  const tiers = out.kind === 'tier' ? `${codes(out.tiers)}, default ${code(out.default)}` : '';
  const usage = outputUsage(m, {
    tier: out.kind === 'tier' ? out.default : '1080P',
    outputSec: m.durations.default || 5,
    inputVideoSec: 0,
    // adaptive reports the input's own ratio; a 16:9 one stands for it
    ratio: m.ratios[0] === 'adaptive' ? '16:9' : (m.ratios[0] ?? 'standard'),
  });
  const lines = [
    `### ${m.name}`,
    '',
    `${fam.label}: ${m.modes.map((x) => MODE_LABELS[x]).join(', ')}. Served on ${routes} and on DashScope's path ${code(`${NATIVE_PREFIX}${createPathOf(m)}`)}; ${fam.protocol === 'media' ? `media in ${code('input.media[]')}` : fam.protocol === 'function' ? `the task chosen by ${code('input.function')}` : 'flat URL fields'}.`,
    '',
    `- Regions: ${regions}.`,
    `- ${code('input.prompt')}: ${m.promptRequired ? 'required' : 'optional'}; up to ${m.promptMaxChars} characters (longer ones are truncated).`,
    ...fields.map((f) => (f.startsWith('  - ') ? f : `- ${f}`)),
    `- ${code('parameters.duration')}: ${describeDurations(m.durations)}${m.durations.kind === 'follows' ? '' : ` seconds; default ${m.durations.default}`}.`,
    ...(tiers ? [`- ${code('parameters.resolution')}: ${tiers}.`] : []),
    ...(m.ratios.length > 0
      ? [`- ${code('parameters.ratio')}: ${codes(m.ratios)}; default ${code(m.ratios[0] ?? '')}.`]
      : []),
    `- Output: ${m.fps} fps; ${code('watermark')} default ${code(m.watermarkDefault)}. The video URL is read from ${fam.answer.videoUrl.map(code).join(' or ')}; billed seconds from ${code(`usage.${fam.answer.billedSeconds}`)}, e.g. ${code(JSON.stringify(usage))}.`,
    ...(m.upstreamLimits
      ? [
          `- Upstream limits of its own, per account: ${m.upstreamLimits.submitPerSecond} creates per second, ${m.upstreamLimits.maxRunning} running; vidgate holds every channel to them beside the channel's own.`,
        ]
      : []),
    `- Prices: ${m.prices.length > 0 ? m.prices.map(priceText).join('; ') : 'not published; set by the operator'}.`,
  ];
  if (m.unverified.length > 0) {
    lines.push(
      `- Unverified (⚠ in the families reference; vidgate passes these through or chooses as said above): ${m.unverified.join('; ')}.`,
    );
  }
  lines.push('');
  return lines;
}
