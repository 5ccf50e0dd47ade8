import { ANIMATE, HAPPYHORSE, KF2V_IMAGE, S2V, VACE, WAN27, WAN30 } from './input-rules.js';
import type { FamilyId, ImageInputRule, ModelSpec, TimedInputRule } from './model-table.js';

type Rule = ImageInputRule | TimedInputRule;

/** Every limit a family's media fields carry (families/ read them per field). */
const FAMILY_LIMITS: Readonly<Record<Exclude<FamilyId, 'wan2.6'>, readonly Rule[]>> = {
  'wan2.7': Object.values(WAN27),
  'wan3.0': [WAN30.image, WAN30.referenceVideo, WAN30.referenceAudio],
  happyhorse: Object.values(HAPPYHORSE),
  kf2v: [KF2V_IMAGE],
  vace: Object.values(VACE),
  s2v: Object.values(S2V),
  animate: Object.values(ANIMATE),
};

/** The largest file any media field of the model takes; 0 when it takes no media. */
export function maxMediaBytes(spec: ModelSpec): number {
  if (spec.family !== 'wan2.6') {
    return Math.max(0, ...FAMILY_LIMITS[spec.family].map((r) => r.maxBytes));
  }
  const { firstFrame, audio, references } = spec.media;
  const limits = [
    firstFrame?.maxBytes,
    audio?.maxBytes,
    references?.image.maxBytes,
    references?.video.maxBytes,
  ].filter((n): n is number => n !== undefined);
  return Math.max(0, ...limits);
}
