import type { SimRegion } from '../../sim-options.js';
import type { SimTier } from '../sim-catalogue.js';

/**
 * The simulator's catalogue of the DashScope video families beyond the flat wan2.6/wan2.5
 * protocol, written from dashscope-model-families.md (cited as F§n) and the shared wire rules of
 * dashscope-video-api.md (cited as §n), never from vidgate's model table.
 */

/** One body shape and one answer shape each (F§2–F§8). */
export type SimFamilyKind =
  | 'wan2.7-t2v'
  | 'wan2.7-i2v'
  | 'wan2.7-r2v'
  | 'wan2.7-videoedit'
  | 'wan3.0'
  | 'happyhorse-t2v'
  | 'happyhorse-i2v'
  | 'happyhorse-r2v'
  | 'happyhorse-video-edit'
  | 'kf2v'
  | 'vace'
  | 's2v'
  | 'animate';

/** The middle segment of the create path, `/services/aigc/<group>/video-synthesis` (F§1.1). */
export type SimTaskGroup = 'video-generation' | 'image2video';

/** F§5 usage: `SR` on wan2.2-kf2v-flash, `video_ratio: "standard"` on the 2.1 models. */
export type SimKf2vUsage = 'SR' | 'video_ratio';

export interface SimFamilyModel {
  readonly name: string;
  readonly kind: SimFamilyKind;
  readonly group: SimTaskGroup;
  readonly regions: readonly SimRegion[];
  /** per-model task submissions per sliding second, per account */
  readonly createPerSecond: number;
  /** per-model unfinished tasks, per account */
  readonly concurrentTasks: number;
  /** `parameters.resolution` values; a single fixed tier where the family has no such field */
  readonly tiers: readonly SimTier[];
  readonly defaultTier: SimTier;
  readonly kf2vUsage?: SimKf2vUsage;
}

const ASIA: readonly SimRegion[] = ['beijing', 'singapore'];
const BEIJING: readonly SimRegion[] = ['beijing'];
const SINGAPORE: readonly SimRegion[] = ['singapore'];
const HD: readonly SimTier[] = ['720P', '1080P'];
const ALL_TIERS: readonly SimTier[] = ['480P', '720P', '1080P'];

function wan27(name: string, kind: SimFamilyKind, regions = ASIA): SimFamilyModel {
  // F§2 "Rate limit 5 create RPS / 5 concurrent per model, Beijing and Singapore"; resolution
  // "720P, 1080P", default 1080P (F§2.1–F§2.4)
  return {
    name,
    kind,
    group: 'video-generation',
    regions,
    createPerSecond: 5,
    concurrentTasks: 5,
    tiers: HD,
    defaultTier: '1080P',
  };
}

function happyhorse(name: string, kind: SimFamilyKind, tiers = HD): SimFamilyModel {
  // F§4 regions Beijing + Singapore [AC-HH]; limits unpublished: F§11 #24 "default 2 RPS / 2
  // concurrent"; resolution "720P, 1080P" default 1080P, 480P for 1.1 only (F§11 #19)
  return {
    name,
    kind,
    group: 'video-generation',
    regions: ASIA,
    createPerSecond: 2,
    concurrentTasks: 2,
    tiers,
    defaultTier: '1080P',
  };
}

/** F§1.1 regions; F§11 #27 "register flash for Beijing only". */
function kf2v(
  name: string,
  regions: readonly SimRegion[],
  tiers: readonly SimTier[],
  usage: SimKf2vUsage,
  createPerSecond: number,
): SimFamilyModel {
  // F§5 "resolution: flash 480P/720P/1080P; plus 720P only", default 720P; limits "Beijing 2 RPS
  // / 2 concurrent (both models); Singapore wan2.1-kf2v-plus 1 RPS / 2 concurrent" (also §10)
  return {
    name,
    kind: 'kf2v',
    group: 'image2video',
    regions,
    createPerSecond,
    concurrentTasks: 2,
    tiers,
    defaultTier: '720P',
    kf2vUsage: usage,
  };
}

function vace(name: string, regions: readonly SimRegion[]): SimFamilyModel {
  // F§6 "Path video-generation/video-synthesis"; "silent, 720P"; "Limits: 2 RPS / 2 concurrent"
  return {
    name,
    kind: 'vace',
    group: 'video-generation',
    regions,
    createPerSecond: 2,
    concurrentTasks: 2,
    tiers: ['720P'],
    defaultTier: '720P',
  };
}

function animate(name: string): SimFamilyModel {
  // F§8 path image2video; "5 RPS / 1 concurrent, Beijing and Singapore"; no resolution on the
  // wire, output "capped to 720P area" (F§10)
  return {
    name,
    kind: 'animate',
    group: 'image2video',
    regions: ASIA,
    createPerSecond: 5,
    concurrentTasks: 1,
    tiers: ['720P'],
    defaultTier: '720P',
  };
}

export const SIM_FAMILY_MODELS: readonly SimFamilyModel[] = [
  // F§1.1 Wan 2.7 ids with their dated snapshots; "i2v also Virginia ⚠"
  ...['wan2.7-t2v', 'wan2.7-t2v-2026-04-25', 'wan2.7-t2v-2026-06-12'].map((n) =>
    wan27(n, 'wan2.7-t2v'),
  ),
  ...['wan2.7-i2v', 'wan2.7-i2v-2026-04-25'].map((n) =>
    wan27(n, 'wan2.7-i2v', ['beijing', 'singapore', 'virginia']),
  ),
  ...['wan2.7-r2v', 'wan2.7-r2v-2026-06-12'].map((n) => wan27(n, 'wan2.7-r2v')),
  wan27('wan2.7-videoedit', 'wan2.7-videoedit'),
  // F§3.1 / F§3.4: Singapore, Beijing, Virginia (Hong Kong is not a simulated region); 5 RPS /
  // 5 concurrent; resolution 480P/720P/1080P default 1080P
  ...['wan3.0-video', 'wan3.0-video-prime'].map((name): SimFamilyModel => ({
    name,
    kind: 'wan3.0',
    group: 'video-generation',
    regions: ['beijing', 'singapore', 'virginia'],
    createPerSecond: 5,
    concurrentTasks: 5,
    tiers: ALL_TIERS,
    defaultTier: '1080P',
  })),
  happyhorse('happyhorse-1.0-t2v', 'happyhorse-t2v'),
  happyhorse('happyhorse-1.0-i2v', 'happyhorse-i2v'),
  happyhorse('happyhorse-1.0-r2v', 'happyhorse-r2v'),
  // F§11 #26: video-edit is 1.0 only
  happyhorse('happyhorse-1.0-video-edit', 'happyhorse-video-edit'),
  happyhorse('happyhorse-1.1-t2v', 'happyhorse-t2v', ALL_TIERS),
  happyhorse('happyhorse-1.1-i2v', 'happyhorse-i2v', ALL_TIERS),
  happyhorse('happyhorse-1.1-r2v', 'happyhorse-r2v', ALL_TIERS),
  kf2v('wan2.2-kf2v-flash', BEIJING, ALL_TIERS, 'SR', 2),
  kf2v('wanx2.1-kf2v-plus', BEIJING, ['720P'], 'video_ratio', 2),
  kf2v('wan2.1-kf2v-plus', SINGAPORE, ['720P'], 'video_ratio', 1),
  // F§1.1 "wanx2.1-vace-plus (Beijing) = wan2.1-vace-plus (Singapore)"
  vace('wanx2.1-vace-plus', BEIJING),
  vace('wan2.1-vace-plus', SINGAPORE),
  // F§7 "Beijing only"; resolution 480P/720P, default ⚠ 480P; "5 RPS, 1 concurrent task"
  {
    name: 'wan2.2-s2v',
    kind: 's2v',
    group: 'image2video',
    regions: BEIJING,
    createPerSecond: 5,
    concurrentTasks: 1,
    tiers: ['480P', '720P'],
    defaultTier: '480P',
  },
  animate('wan2.2-animate-move'),
  animate('wan2.2-animate-mix'),
];

/** F§7.1 the synchronous detect step of s2v: its model, region and own limit. */
export const SIM_FACE_DETECT = {
  model: 'wan2.2-s2v-detect',
  regions: BEIJING,
  /** F§7.1 "5 RPS" */
  perSecond: 5,
  /** F§7.1 "width and height 400–7000 px" */
  minSide: 400,
  maxSide: 7000,
  /** F§7.1 "JPG/JPEG/PNG/BMP/WEBP" */
  formats: ['jpg', 'png', 'bmp', 'webp'],
} as const;

/** The family model by its id, if `region` serves it (ids are exact, as in sim-catalogue.ts). */
export function simFamilyModel(name: string, region: SimRegion): SimFamilyModel | undefined {
  return SIM_FAMILY_MODELS.find((m) => m.name === name && m.regions.includes(region));
}

/** The family model a stored task names (accepted in its region, so no region check). */
export function simFamilyModelNamed(name: string): SimFamilyModel | undefined {
  return SIM_FAMILY_MODELS.find((m) => m.name === name);
}
