import type { Fields } from '../sim-problem.js';
import {
  checkHappyHorseI2v,
  checkHappyHorseR2v,
  checkHappyHorseT2v,
  checkHappyHorseVideoEdit,
} from './check-happyhorse.js';
import { checkAnimate, checkKf2v, checkS2v } from './check-image2video.js';
import { checkVace } from './check-vace.js';
import {
  checkWan27I2v,
  checkWan27R2v,
  checkWan27T2v,
  checkWan27VideoEdit,
  checkWan30,
} from './check-wan.js';
import type { SimFamilyKind, SimFamilyModel } from './family-catalogue.js';
import type { Check } from './family-fields.js';

type FamilyCheck = (model: SimFamilyModel, input: Fields, parameters: Fields) => Check;

const CHECKS: Readonly<Record<SimFamilyKind, FamilyCheck>> = {
  'wan2.7-t2v': checkWan27T2v,
  'wan2.7-i2v': checkWan27I2v,
  'wan2.7-r2v': checkWan27R2v,
  'wan2.7-videoedit': checkWan27VideoEdit,
  'wan3.0': checkWan30,
  'happyhorse-t2v': checkHappyHorseT2v,
  'happyhorse-i2v': checkHappyHorseI2v,
  'happyhorse-r2v': checkHappyHorseR2v,
  'happyhorse-video-edit': checkHappyHorseVideoEdit,
  kf2v: checkKf2v,
  vace: checkVace,
  s2v: checkS2v,
  animate: checkAnimate,
};

/** `input` and `parameters` of a family model's create, as DashScope checks them at the door. */
export function checkFamilyBody(model: SimFamilyModel, input: Fields, parameters: Fields): Check {
  return CHECKS[model.kind](model, input, parameters);
}
