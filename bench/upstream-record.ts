import type {
  SimAccountConfig,
  SimAccountStats,
  SimTask,
  SimTaskRequest,
} from '../src/simulator/simulator.js';
import { peakInWindow } from './delay-stats.js';
import { taskIndexOf } from './polling-workload.js';

/** The raised-quota account under test: only the query cap is DashScope's default. */
export const BENCH_LIMITS = { createPerSecond: 50, concurrentTasks: 2500, queriesPerSecond: 20 };
export const BENCH_ACCOUNT = 'bench-account';
export const BENCH_KEY = 'sk-bench-0123456789abcdef';

export function benchAccount(): SimAccountConfig {
  return { id: BENCH_ACCOUNT, region: 'beijing', keys: [BENCH_KEY], limits: { ...BENCH_LIMITS } };
}

/** What the benchmark keeps of a simulated task (the body, with its image, is dropped). */
export interface UpstreamTask {
  taskId: string;
  /** benchmark task index, from the prompt */
  index: number;
  clientRequestId: string | null;
  submitAt: number;
  endAt: number;
  requests: SimTaskRequest[];
}

export function toUpstreamTask(t: SimTask): UpstreamTask {
  return {
    taskId: t.taskId,
    index: taskIndexOf(t.body),
    clientRequestId: t.clientRequestId,
    submitAt: t.submitAt,
    endAt: t.endAt,
    requests: t.requests,
  };
}

/** One task as a poller saw it; times are ms on the clock of the simulator that served it. */
export interface TaskTiming {
  index: number;
  submitAt: number;
  endAt: number;
  /** the first query answered after the upstream end: when the poller could know */
  detectedAt: number | null;
  /** when the poller reported SUCCEEDED (vidgate: the row's last update; new-api: detection) */
  reportedAt: number | null;
  /** the ETA vidgate fixed at submit (null for the baseline) */
  etaAt: number | null;
  /** per-task queries the upstream answered */
  queries: number;
  /** of those, made before the upstream end */
  earlyQueries: number;
}

/** Splits a task's request log at its end: what a poller could have learned, and when. */
export function timingOf(task: UpstreamTask): Omit<TaskTiming, 'reportedAt' | 'etaAt'> {
  const queries = task.requests.filter((r) => r.kind === 'query' && r.status === 200);
  const after = queries.filter((r) => r.at >= task.endAt);
  return {
    index: task.index,
    submitAt: task.submitAt,
    endAt: task.endAt,
    detectedAt: after.length > 0 ? Math.min(...after.map((r) => r.at)) : null,
    queries: queries.length,
    earlyQueries: queries.length - after.length,
  };
}

export interface UpstreamUse {
  stats: SimAccountStats;
  /** list requests (account queries minus per-task queries and cancels) */
  listCalls: number;
  /** most answered per-task queries in any 1 s: the share of the peak that is not lists */
  peakTaskQueriesPerSecond: number;
}

export function upstreamUse(stats: SimAccountStats, tasks: readonly UpstreamTask[]): UpstreamUse {
  const times: number[] = [];
  for (const t of tasks) for (const r of t.requests) if (r.kind !== 'create') times.push(r.at);
  // 429s are not in the per-task logs, so they are taken out of the account total too
  const listCalls = stats.queryRequests - times.length - stats.throttled.queryRate;
  return {
    stats,
    listCalls: Math.max(0, listCalls),
    peakTaskQueriesPerSecond: peakInWindow(times, 1000),
  };
}
