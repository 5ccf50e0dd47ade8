import type { MediaSlot } from '../media-slot.js';
import { checkInput } from '../check-input.js';
import { checkParameters } from '../check-parameters.js';
import { firstFrameOutputSize, parseSize } from '../output-size.js';
import { truncateChars } from '../prompt-text.js';
import { tierOfSize, type ModelSpec, type ResolutionTier } from '../model-table.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';
import { buildUsage } from '../usage.js';
import { str } from './field-checks.js';
import type { CheckedSlot, ModelFamily, PlanAudio, PlanVisual } from './model-family.js';

function urlList(v: unknown): string[] | null {
  return Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string') : null;
}

/** The flat fields' media, in request order: first frame, soundtrack, references. */
function flatSlots(model: ModelSpec, input: Record<string, unknown>): MediaSlot[] {
  const out: MediaSlot[] = [];
  if (model.media.firstFrame && typeof input.img_url === 'string') {
    out.push({ field: 'input.img_url', url: input.img_url, kind: 'image', role: 'first_frame' });
  }
  if (model.media.audio && typeof input.audio_url === 'string') {
    out.push({ field: 'input.audio_url', url: input.audio_url, kind: 'audio', role: 'audio' });
  }
  if (model.media.references) {
    // reference_video_urls is the deprecated spelling some SDK samples still send
    const key = Array.isArray(input.reference_urls) ? 'reference_urls' : 'reference_video_urls';
    (urlList(input[key]) ?? []).forEach((url, i) => {
      out.push({ field: `input.${key}[${i}]`, url, kind: 'image-or-video', role: 'reference' });
    });
  }
  return out;
}

function effective(model: ModelSpec, body: RequestBody): EffectiveRequest {
  const { input, parameters: p } = body;
  const duration = typeof p.duration === 'number' ? p.duration : model.durations.default;
  let tier: ResolutionTier;
  let size: string | null = null;
  if (model.output.kind === 'tier') {
    const r = str(p.resolution)?.toUpperCase();
    tier = model.output.tiers.find((t) => t === r) ?? model.output.default;
  } else {
    size = str(p.size) ?? model.output.default;
    tier = tierOfSize(size) ?? '1080P';
  }
  // audio=false silences only models with the switch, and wins over audio_url (DashScope)
  const withAudio = model.audioSwitch ? p.audio !== false : true;
  const promptExtend = model.promptExtend && p.prompt_extend !== false;
  const shotActive = model.shotType && (!model.shotTypeNeedsPromptExtend || promptExtend);
  const prompt = str(input.prompt);
  const negative = str(input.negative_prompt);
  return {
    prompt: prompt === null ? null : truncateChars(prompt, model.promptMaxChars),
    negativePrompt:
      negative === null ? null : truncateChars(negative, model.negativePromptMaxChars),
    durationSec: duration,
    tier,
    size,
    withAudio,
    promptExtend,
    shotType: shotActive && p.shot_type === 'multi' ? 'multi' : 'single',
    watermark: model.watermark && p.watermark === true,
    seed: typeof p.seed === 'number' ? p.seed : null,
    imgUrl: model.media.firstFrame ? str(input.img_url) : null,
    audioUrl: model.media.audio ? str(input.audio_url) : null,
    referenceUrls: model.media.references
      ? (urlList(input.reference_urls) ?? urlList(input.reference_video_urls) ?? [])
      : [],
    media: flatSlots(model, input),
    ratio: null,
  };
}

function plan(
  model: ModelSpec,
  _body: RequestBody,
  eff: EffectiveRequest,
  media: readonly CheckedSlot[],
) {
  const audioIn = media.find((m) => m.slot.role === 'audio');
  const audio: PlanAudio = !eff.withAudio
    ? { kind: 'none' }
    : audioIn
      ? { kind: 'file', field: audioIn.slot.field }
      : { kind: 'synth' };
  let visual: PlanVisual;
  let size = parseSize(eff.size ?? '') ?? { width: 1920, height: 1080 };
  let inputVideoSeconds = 0;
  if (model.mode === 'first-frame') {
    const img = media.find((m) => m.slot.role === 'first_frame');
    if (!img || img.info.kind !== 'image') throw new Error('a first-frame plan needs its image');
    size = firstFrameOutputSize(img.info.width, img.info.height, eff.tier);
    visual = { kind: 'still', image: img.slot.field };
  } else if (model.mode === 'text') {
    visual = { kind: 'text' };
  } else {
    const refs = media.filter((m) => m.slot.role === 'reference');
    for (const r of refs) {
      if (r.info.kind === 'video') inputVideoSeconds += Math.round(r.info.durationSec);
    }
    visual = { kind: 'sequence', items: refs.map((r) => r.slot.field) };
  }
  return {
    visual,
    ...size,
    durationSec: eff.durationSec,
    fps: model.fps,
    audio,
    watermark: eff.watermark ? model.watermarkText : null,
    usage: buildUsage(model, eff, inputVideoSeconds),
  };
}

/**
 * wan2.6 and wan2.5 (reference §2–§5): flat `img_url` / `audio_url` / `reference_urls` fields,
 * a single mode per model, checked by check-input.ts and check-parameters.ts.
 */
export const wan26Family: ModelFamily = {
  id: 'wan2.6',
  label: 'Wan 2.6 / 2.5 (flat fields)',
  protocol: 'flat',
  answer: { videoUrl: ['output.video_url'], billedSeconds: 'duration' },
  knownInput: [
    'prompt',
    'negative_prompt',
    'img_url',
    'audio_url',
    'template',
    'reference_urls',
    'reference_video_urls',
  ],
  knownParameters: [
    'resolution',
    'size',
    'duration',
    'prompt_extend',
    'shot_type',
    'audio',
    'watermark',
    'seed',
  ],
  modeOf: (spec) => spec.mode,
  check: (spec, input, parameters) => checkInput(spec, input) ?? checkParameters(spec, parameters),
  effective,
  checkMedia: () => null,
  plan,
};
