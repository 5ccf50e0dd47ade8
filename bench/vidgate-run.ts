import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { startVidgate, type Vidgate } from '../src/main.js';
import { benchBody, type Workload } from './polling-workload.js';
import { startSimThread, type SimSample } from './sim-thread.js';
import {
  BENCH_KEY,
  BENCH_LIMITS,
  timingOf,
  upstreamUse,
  type TaskTiming,
  type UpstreamUse,
} from './upstream-record.js';

/** the channel pool re-reads channels every 5 s; a margin covers a refresh that is under way */
const POOL_REFRESH_WAIT_MS = 6_000;
const SUBMIT_CONCURRENCY = 16;
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELED'] as const;

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export interface VidgateRun {
  timings: TaskTiming[];
  upstream: UpstreamUse;
  /** tasks vidgate did not finish before the deadline */
  unfinished: number;
  failed: number;
  wallMs: number;
  /** how late timers fired in vidgate's thread (its HTTP server, workers and SQLite) */
  eventLoopDelayMs: { p99: number; max: number };
  /** the simulator's query counters, sampled every 100 ms */
  samples: SimSample[];
  /** the machine's 1-minute load average while vidgate worked (2 cores: above 2 is contention) */
  loadAverage: { mean: number; max: number };
}

const createAnswer = z.object({ output: z.object({ task_id: z.string().min(1) }) });

async function submitAll(vg: Vidgate, token: string, w: Workload, image: string) {
  const ids = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < w.tasks; i = next++) {
      const res = await fetch(`${vg.url}/task/bailian/image2video`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(benchBody(i, image)),
      });
      const json: unknown = await res.json();
      if (res.status !== 200)
        throw new Error(`create ${i} answered ${res.status}: ${JSON.stringify(json)}`);
      ids.set(createAnswer.parse(json).output.task_id, i);
    }
  };
  await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, worker));
  return ids;
}

async function countTerminal(vg: Vidgate): Promise<number> {
  const row = await vg.db.kysely
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', [...TERMINAL])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface VidgateRunOptions {
  image: string;
  workerConcurrency: number;
  pathEnv: string;
  log: (line: string) => void;
}

/** vidgate in-process, relaying to a simulated DashScope account over loopback HTTP. */
export async function runVidgate(w: Workload, o: VidgateRunOptions): Promise<VidgateRun> {
  const started = Date.now();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const sim = await startSimThread(w);
  const dataDir = mkdtempSync(join(tmpdir(), 'vidgate-bench-'));
  const token = randomBytes(24).toString('base64url');
  let vg: Vidgate | undefined;
  try {
    vg = await startVidgate(
      loadConfig({
        PATH: o.pathEnv,
        PORT: '0',
        HOST: '127.0.0.1',
        VIDGATE_DATA_DIR: dataDir,
        VIDGATE_LOG_LEVEL: 'silent',
        VIDGATE_BOOTSTRAP_TOKEN: token,
        VIDGATE_WORKER_CONCURRENCY: String(o.workerConcurrency),
      }),
    );
    await vg.channels.setEnabled('sandbox', false);
    await vg.channels.create({
      name: 'bench-dashscope',
      provider: 'dashscope',
      settings: { baseUrl: sim.url, apiKeys: [BENCH_KEY] },
      limits: {
        submitPerSecond: BENCH_LIMITS.createPerSecond,
        maxRunning: BENCH_LIMITS.concurrentTasks,
        queriesPerSecond: BENCH_LIMITS.queriesPerSecond,
      },
    });
    await sleep(POOL_REFRESH_WAIT_MS);

    o.log(`vidgate: submitting ${w.tasks} tasks`);
    loop.enable();
    const ids = await submitAll(vg, token, w, o.image);
    const longestMs = Math.max(...w.durations.map((d) => d.queueMs + d.runMs)) * w.timeScale;
    const deadline =
      Date.now() + (w.tasks / BENCH_LIMITS.createPerSecond) * 1000 + longestMs + 600_000;
    let done = 0;
    let lastLog = 0;
    const loads: number[] = [];
    while (done < w.tasks && Date.now() < deadline) {
      await sleep(1000);
      loads.push(loadavg()[0] ?? 0);
      done = await countTerminal(vg);
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        o.log(
          `vidgate: ${done}/${w.tasks} finished after ${Math.round((Date.now() - started) / 1000)} s`,
        );
      }
    }

    loop.disable();
    const rows = await vg.db.kysely
      .selectFrom('tasks')
      .select(['id', 'state', 'upstreamTaskId', 'updatedAt', 'etaAt'])
      .execute();
    const { stats, tasks: simTasks, samples } = await sim.collect();
    const byUpstream = new Map(simTasks.map((t) => [t.taskId, t]));
    const timings: TaskTiming[] = [];
    let unfinished = 0;
    let failed = 0;
    for (const row of rows) {
      const index = ids.get(row.id);
      if (index === undefined) continue;
      if (row.upstreamTaskId === null && row.state !== 'SUCCEEDED') {
        // never admitted upstream before the deadline: nothing to time
        unfinished++;
        continue;
      }
      const upstream = byUpstream.get(row.upstreamTaskId ?? '');
      if (!upstream || upstream.index !== index) {
        // a task the simulator never saw went to another channel (the sandbox): the run is void
        throw new Error(`task ${row.id} (${row.state}) was not relayed to the simulated account`);
      }
      if (row.state === 'FAILED' || row.state === 'CANCELED') failed++;
      else if (row.state !== 'SUCCEEDED') unfinished++;
      timings.push({
        ...timingOf(upstream),
        reportedAt: row.state === 'SUCCEEDED' ? Number(row.updatedAt) : null,
        etaAt: row.etaAt === null ? null : Number(row.etaAt),
      });
    }
    if (simTasks.length !== w.tasks) {
      throw new Error(`the simulator holds ${simTasks.length} tasks for ${w.tasks} submitted`);
    }
    return {
      timings,
      upstream: upstreamUse(stats, simTasks),
      unfinished,
      failed,
      wallMs: Date.now() - started,
      eventLoopDelayMs: {
        p99: Math.round(loop.percentile(99) / 1e6),
        max: Math.round(loop.max / 1e6),
      },
      samples,
      loadAverage: {
        mean: round2(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)),
        max: round2(Math.max(0, ...loads)),
      },
    };
  } finally {
    await vg?.stop();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
