import { z } from 'zod';
import type { MediaTools } from '../media/ffmpeg.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { SimFaults } from './sim-faults.js';
import type { SimCreateBody } from './sim-task.js';

/** The DashScope regions the simulator can play; one instance serves one of them. */
export const SIM_REGIONS = ['beijing', 'singapore', 'virginia'] as const;
export type SimRegion = (typeof SIM_REGIONS)[number];

/** The region id DashScope prints in task lists (`region` field). */
export const REGION_IDS: { readonly [R in SimRegion]: string } = {
  beijing: 'cn-beijing',
  singapore: 'ap-southeast-1',
  virginia: 'us-east-1',
};

/** Per main-account limits, shared by all its keys (reference §10). */
export interface SimLimits {
  /** task submissions per sliding second */
  createPerSecond: number;
  /** unfinished (PENDING + RUNNING) tasks at any moment */
  concurrentTasks: number;
  /** task queries + lists + cancels per sliding second */
  queriesPerSecond: number;
  /** s2v face-detect calls per sliding second (F§7.1 "5 RPS") */
  detectPerSecond: number;
}

export const DEFAULT_LIMITS: SimLimits = {
  createPerSecond: 5,
  concurrentTasks: 5,
  queriesPerSecond: 20,
  detectPerSecond: 5,
};

const limitsSchema = z
  .object({
    createPerSecond: z.number().int().positive(),
    concurrentTasks: z.number().int().positive(),
    queriesPerSecond: z.number().int().positive(),
    detectPerSecond: z.number().int().positive(),
  })
  .partial()
  .strict();

/** A family model's own limits (rules/families/family-catalogue.ts), overridden per account. */
const modelLimitsSchema = z
  .object({
    createPerSecond: z.number().int().positive(),
    concurrentTasks: z.number().int().positive(),
  })
  .partial()
  .strict();
export type SimModelLimits = z.output<typeof modelLimitsSchema>;

/** One Alibaba Cloud main account: its region, keys, limits and billing state. */
export const simAccountSchema = z
  .object({
    id: z.string().min(1),
    region: z.enum(SIM_REGIONS),
    keys: z.array(z.string().min(1)).min(1),
    limits: limitsSchema.optional(),
    /** per family model id: its create rate and concurrency instead of the catalogue's */
    modelLimits: z.record(z.string(), modelLimitsSchema).optional(),
    /** create answers 429 Throttling.AllocationQuota (free/allocated quota used up) */
    allocationQuotaExhausted: z.boolean().optional(),
    /** create answers 400 Arrearage (account overdue) */
    arrearage: z.boolean().optional(),
  })
  .strict();
export type SimAccountConfig = z.input<typeof simAccountSchema>;

export type MsRange = number | readonly [number, number];

/** Queue and run time of a task, in unscaled ms (timeScale applies on top). */
export interface SimDurations {
  queueMs: number;
  runMs: number;
}

export type DurationsOption =
  | { queueMs: MsRange; runMs: MsRange }
  | ((body: SimCreateBody, random: () => number) => SimDurations);

/** A task-level failure (HTTP 200, task_status FAILED). */
export interface SimTaskFailure {
  code: string;
  message: string;
}

export interface SimOptions {
  /** the region this instance plays; keys of accounts elsewhere get 401 (default beijing) */
  region?: SimRegion;
  /** default: one account `sim-account` in `region` with key `sk-sim` */
  accounts?: SimAccountConfig[];
  host?: string;
  /** 0 (default) picks a free port */
  port?: number;
  clock?: Clock;
  /** multiplies queue/run times, retention and result-link lifetime (default 1) */
  timeScale?: number;
  /** default: queue 1–5 s, run 30–120 s (before timeScale) */
  durations?: DurationsOption;
  /** task ids answer UNKNOWN this long after submission (default 24 h, scaled) */
  retentionMs?: number;
  /** signed video_url validity after the task ends (default 24 h, scaled) */
  resultTtlMs?: number;
  /** largest page_size honoured by the list endpoint; larger ones are cut silently (default 100) */
  listPageSizeCap?: number;
  /** the list reflects tasks and status changes only after this many clock ms (default 0) */
  listLagMs?: number;
  /**
   * real ms a create is held before it is handled (its task made) and answered, uniform and
   * seeded for a range; DashScope takes about 1–1.5 s (default 0)
   */
  createLatencyMs?: MsRange;
  /** seeds the task-duration randomness (faults have their own seed, default the same) */
  seed?: number;
  faults?: SimFaults;
  /** decides a task-level failure from the body; default: prompt containing FAIL_CONTENT */
  taskFailure?: (body: SimCreateBody) => SimTaskFailure | null;
  /** seconds billed per reference video in r2v usage (the simulator never downloads inputs) */
  referenceVideoSeconds?: number;
  /**
   * seconds of every input video or audio of a family task (the simulator never downloads
   * inputs); a URL ending in `#sim-seconds=N` says its own (default 5)
   */
  inputMediaSeconds?: number;
  /**
   * decides the s2v face-detect verdict for an image URL whose file passed the size check;
   * default: a URL containing NO_FACE fails (the admin endpoint can force a verdict too)
   */
  faceDetect?: (imageUrl: string) => SimTaskFailure | null;
  /** render each task's video at its size, duration and audio instead of serving one tiny clip */
  render?: boolean;
  /** ffmpeg/ffprobe; default: the binaries of the bundled npm installer packages */
  mediaTools?: MediaTools;
}

const DAY_MS = 24 * 3600 * 1000;

/** The options with every default filled in; durations already scaled by timeScale. */
export interface ResolvedSimOptions {
  region: SimRegion;
  accounts: SimAccountConfig[];
  host: string;
  port: number;
  clock: Clock;
  timeScale: number;
  durations: (body: SimCreateBody, random: () => number) => SimDurations;
  retentionMs: number;
  resultTtlMs: number;
  listPageSizeCap: number;
  listLagMs: number;
  createLatencyMs: MsRange;
  seed: number;
  faults: SimFaults;
  taskFailure: (body: SimCreateBody) => SimTaskFailure | null;
  referenceVideoSeconds: number;
  inputMediaSeconds: number;
  faceDetect: (imageUrl: string) => SimTaskFailure | null;
  render: boolean;
  mediaTools: MediaTools | undefined;
}

export function pick(range: MsRange, random: () => number): number {
  if (typeof range === 'number') return range;
  const [min, max] = range;
  return Math.round(min + random() * (max - min));
}

export function contentFailure(body: SimCreateBody): SimTaskFailure | null {
  const prompt = body.input.prompt;
  if (typeof prompt === 'string' && prompt.includes('FAIL_CONTENT')) {
    return {
      code: 'DataInspectionFailed',
      message: 'Output data may contain inappropriate content.',
    };
  }
  return null;
}

/** The default face-detect verdict: a URL naming NO_FACE has no face (docs/simulator.md). */
export function noFaceFailure(imageUrl: string): SimTaskFailure | null {
  return imageUrl.includes('NO_FACE')
    ? { code: 'InvalidParameter', message: 'No human face was detected in the image.' }
    : null;
}

export function resolveSimOptions(opts: SimOptions): ResolvedSimOptions {
  const region = opts.region ?? 'beijing';
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be > 0');
  const accounts = (opts.accounts ?? [{ id: 'sim-account', region, keys: ['sk-sim'] }]).map((a) =>
    simAccountSchema.parse(a),
  );
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const a of accounts) {
    if (ids.has(a.id)) throw new Error(`duplicate account id ${a.id}`);
    ids.add(a.id);
    for (const k of a.keys) {
      if (keys.has(k)) throw new Error(`API key used by two accounts: ${k.slice(0, 6)}…`);
      keys.add(k);
    }
  }
  const durations = opts.durations ?? { queueMs: [1000, 5000], runMs: [30_000, 120_000] };
  const raw =
    typeof durations === 'function'
      ? durations
      : (_body: SimCreateBody, random: () => number): SimDurations => ({
          queueMs: pick(durations.queueMs, random),
          runMs: pick(durations.runMs, random),
        });
  return {
    region,
    accounts,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    clock: opts.clock ?? systemClock,
    timeScale,
    durations: (body, random) => {
      const d = raw(body, random);
      return {
        queueMs: Math.max(0, Math.round(d.queueMs * timeScale)),
        runMs: Math.max(0, Math.round(d.runMs * timeScale)),
      };
    },
    retentionMs: Math.round((opts.retentionMs ?? DAY_MS) * timeScale),
    resultTtlMs: Math.round((opts.resultTtlMs ?? DAY_MS) * timeScale),
    listPageSizeCap: opts.listPageSizeCap ?? 100,
    listLagMs: opts.listLagMs ?? 0,
    createLatencyMs: opts.createLatencyMs ?? 0,
    seed: opts.seed ?? 1,
    faults: opts.faults ?? {},
    taskFailure: opts.taskFailure ?? contentFailure,
    referenceVideoSeconds: opts.referenceVideoSeconds ?? 5,
    inputMediaSeconds: opts.inputMediaSeconds ?? 5,
    faceDetect: opts.faceDetect ?? noFaceFailure,
    render: opts.render ?? false,
    mediaTools: opts.mediaTools,
  };
}
