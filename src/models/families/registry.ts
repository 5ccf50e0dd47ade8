import type { FamilyId, ModelSpec } from '../model-table.js';
import { animateFamily } from './animate.js';
import { happyhorseFamily } from './happyhorse.js';
import { kf2vFamily } from './kf2v.js';
import type { ModelFamily } from './model-family.js';
import { s2vFamily } from './s2v.js';
import { vaceFamily } from './vace.js';
import { wan26Family } from './wan26.js';
import { wan27Family } from './wan27.js';
import { wan30Family } from './wan30.js';

/** Every family vidgate knows; a model row names one of them. */
export const FAMILIES: Readonly<Record<FamilyId, ModelFamily>> = {
  'wan2.6': wan26Family,
  'wan2.7': wan27Family,
  'wan3.0': wan30Family,
  happyhorse: happyhorseFamily,
  kf2v: kf2vFamily,
  vace: vaceFamily,
  s2v: s2vFamily,
  animate: animateFamily,
};

export function familyOf(spec: ModelSpec): ModelFamily {
  return FAMILIES[spec.family];
}
