import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../src/simulator/simulator.js';
import { benchBody, durationsByIndex, type Workload } from './polling-workload.js';
import {
  BENCH_ACCOUNT,
  benchAccount,
  BENCH_KEY,
  timingOf,
  toUpstreamTask,
  upstreamUse,
  type TaskTiming,
  type UpstreamUse,
} from './upstream-record.js';

/**
 * new-api's task poller (service/task_polling.go, TaskPollingLoop): sleep 15 s, then one pass
 * that loads at most TASK_QUERY_LIMIT unfinished tasks in id order and queries them one by one
 * on the channel, sleeping 1 s between two tasks; the next sleep starts when the pass ends.
 */
export interface NewApiPoller {
  intervalMs: number;
  sleepBetweenTasksMs: number;
  /** TASK_QUERY_LIMIT, default 1000 */
  queryLimit: number;
  /** when the first pass after the first submit starts, after that submit (the loop's phase) */
  phaseMs: number;
}

export const NEW_API_DEFAULTS: Omit<NewApiPoller, 'phaseMs'> = {
  intervalMs: 15_000,
  sleepBetweenTasksMs: 1_000,
  queryLimit: 1000,
};

export interface BaselineRun {
  timings: TaskTiming[];
  upstream: UpstreamUse;
  passes: number;
  /** simulated time from the first submit to the last detection */
  virtualSpanMs: number;
  wallMs: number;
}

const createAnswer = z.object({ output: z.object({ task_id: z.string().min(1) }) });
const queryAnswer = z.object({ output: z.object({ task_status: z.string() }) });
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);
const MAX_PASSES = 10_000;

interface Replayed {
  index: number;
  taskId: string;
  submitAt: number;
}

async function create(sim: DashScopeSimulator, index: number, image: string): Promise<string> {
  const res = await fetch(`${sim.url}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${BENCH_KEY}`,
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
    },
    body: JSON.stringify(benchBody(index, image)),
  });
  const json: unknown = await res.json();
  if (res.status !== 200)
    throw new Error(`replay create answered ${res.status}: ${JSON.stringify(json)}`);
  return createAnswer.parse(json).output.task_id;
}

/** The task's status, or null for an answer that is not a task (a 429 keeps the task as it was). */
async function query(sim: DashScopeSimulator, taskId: string): Promise<string | null> {
  const res = await fetch(`${sim.url}/tasks/${encodeURIComponent(taskId)}`, {
    headers: { authorization: `Bearer ${BENCH_KEY}` },
  });
  const json: unknown = await res.json();
  if (res.status !== 200) return null;
  return queryAnswer.parse(json).output.task_status;
}

/**
 * Replays new-api's poller against the very task set of a vidgate run, in simulated time: a
 * second simulator runs on a clock this function sets before every request, so each query is
 * answered with what DashScope would have said at that moment, and a pass of 2,000 s takes a
 * few seconds. Request latency counts as zero, which favours the baseline slightly.
 */
export async function replayNewApi(
  w: Workload,
  submits: readonly { index: number; submitAt: number }[],
  poller: NewApiPoller,
  image: string,
): Promise<BaselineRun> {
  const started = Date.now();
  let now = 0;
  const sim = await startDashScopeSimulator({
    clock: { now: () => now },
    accounts: [benchAccount()],
    durations: durationsByIndex(w),
    timeScale: w.timeScale,
    seed: w.seed,
  });
  try {
    const order = [...submits].sort((a, b) => a.submitAt - b.submitAt || a.index - b.index);
    const first = order[0];
    if (!first) throw new Error('nothing to replay');
    // new-api's task ids grow with insertion, so submit order is the order its poller loads
    const tasks: Replayed[] = [];
    for (const s of order) {
      now = s.submitAt;
      tasks.push({ index: s.index, taskId: await create(sim, s.index, image), submitAt: now });
    }

    const detected = new Map<string, number>();
    let passStart = first.submitAt + poller.phaseMs;
    let passes = 0;
    while (detected.size < tasks.length) {
      if (++passes > MAX_PASSES) throw new Error('the replay did not converge');
      now = passStart;
      const batch = tasks
        .filter((t) => !detected.has(t.taskId) && t.submitAt <= passStart)
        .slice(0, poller.queryLimit);
      for (const [i, t] of batch.entries()) {
        if (i > 0) now += poller.sleepBetweenTasksMs;
        const status = await query(sim, t.taskId);
        if (status !== null && FINAL.has(status)) detected.set(t.taskId, now);
      }
      passStart = now + poller.intervalMs;
    }

    const byId = new Map(sim.tasks().map((t) => [t.taskId, toUpstreamTask(t)]));
    const timings: TaskTiming[] = tasks.map((t) => {
      const upstream = byId.get(t.taskId);
      if (!upstream) throw new Error(`replayed task ${t.taskId} vanished`);
      // new-api reports SUCCESS as soon as its query sees it: there is no copy step
      return {
        ...timingOf(upstream),
        reportedAt: detected.get(t.taskId) ?? null,
        etaAt: null,
      };
    });
    const stats = sim.stats().accounts[BENCH_ACCOUNT];
    if (!stats) throw new Error('the simulator lost the benchmark account');
    return {
      timings,
      upstream: upstreamUse(stats, [...byId.values()]),
      passes,
      virtualSpanMs: Math.max(...detected.values()) - first.submitAt,
      wallMs: Date.now() - started,
    };
  } finally {
    await sim.close();
  }
}
