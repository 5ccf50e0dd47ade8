import type { RequestBody } from '../src/models/task-request.js';
import type { DurationsOption, SimDurations } from '../src/simulator/simulator.js';
import { seededRandom } from '../src/shared/seeded-random.js';
import { peakInWindow } from './delay-stats.js';

/**
 * Upstream times before compression. Queue 2–20 s and run 60–300 s is what wan i2v tasks of
 * 5 s at 720P take on a busy account; their mean (191 s) sits next to the model table's
 * typical time for wan2.6-i2v (180 s), the ETA vidgate starts from.
 */
export const QUEUE_MS: readonly [number, number] = [2_000, 20_000];
export const RUN_MS: readonly [number, number] = [60_000, 300_000];

/** The model and parameters every benchmark task asks for. */
export const BENCH_MODEL = 'wan2.6-i2v';
export const BENCH_PARAMETERS = { resolution: '720P', duration: 5 } as const;

/** The task count at which the durations run uncompressed (see timeScaleFor). */
export const FULL_SCALE_TASKS = 2000;

/** One task set: the same for vidgate's run and the baseline replay. */
export interface Workload {
  tasks: number;
  seed: number;
  /** multiplies every queue and run time (the simulator's timeScale) */
  timeScale: number;
  /** unscaled durations by task index */
  durations: readonly SimDurations[];
}

/**
 * Every finished task costs at least one GET (the one that reads video_url), so the completion
 * rate is a floor on the query rate. Uncompressed, 2,000 tasks submitted in 40 s finish at about
 * 7.7/s at the plateau; scaling time by tasks/2000 keeps that density for smaller smoke runs.
 * Compressing 2,000 tasks further would push completions towards the 20 q/s cap itself.
 */
export function timeScaleFor(tasks: number): number {
  return Math.min(1, tasks / FULL_SCALE_TASKS);
}

export function makeWorkload(tasks: number, seed: number, timeScale: number): Workload {
  const random = seededRandom(seed);
  const pick = ([min, max]: readonly [number, number]): number =>
    Math.round(min + random() * (max - min));
  const durations = Array.from({ length: tasks }, () => ({
    queueMs: pick(QUEUE_MS),
    runMs: pick(RUN_MS),
  }));
  return { tasks, seed, timeScale, durations };
}

export const PROMPT_PREFIX = 'polling benchmark task #';

export function benchPrompt(index: number): string {
  return `${PROMPT_PREFIX}${index}`;
}

export function benchBody(index: number, image: string): RequestBody {
  return {
    model: BENCH_MODEL,
    input: { prompt: benchPrompt(index), img_url: image },
    parameters: { ...BENCH_PARAMETERS },
  };
}

/** The task index a body was made for; -1 for a body this benchmark did not make. */
export function taskIndexOf(body: RequestBody): number {
  const prompt = body.input['prompt'];
  if (typeof prompt !== 'string' || !prompt.startsWith(PROMPT_PREFIX)) return -1;
  const n = Number(prompt.slice(PROMPT_PREFIX.length));
  return Number.isInteger(n) ? n : -1;
}

/**
 * Durations keyed by the task index in the prompt, not by creation order: vidgate submits in its
 * own order, and the replay must give each task exactly the times it had in vidgate's run.
 */
export function durationsByIndex(w: Workload): DurationsOption {
  return (body) => {
    const d = w.durations[taskIndexOf(body)];
    if (!d) throw new Error(`no benchmark durations for prompt ${String(body.input['prompt'])}`);
    return d;
  };
}

/** How densely the upstream finished tasks: the floor on the query rate a poller needs. */
export interface CompletionRate {
  /** tasks / (last end − first end), per second */
  meanPerSecond: number;
  /** most ends in any 1 s */
  peakPerSecond: number;
  /** most ends in any 10 s, divided by 10 */
  peak10sPerSecond: number;
}

export function completionRate(endTimes: readonly number[]): CompletionRate {
  const first = Math.min(...endTimes);
  const last = Math.max(...endTimes);
  const span = Math.max(1, last - first) / 1000;
  return {
    meanPerSecond: round2(endTimes.length / span),
    peakPerSecond: peakInWindow(endTimes, 1000),
    peak10sPerSecond: peakInWindow(endTimes, 10_000) / 10,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
