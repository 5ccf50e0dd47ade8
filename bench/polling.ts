/**
 * Polling benchmark (docs/benchmarks.md, "Polling"): how late vidgate reports a finished
 * DashScope task when 2,000 tasks share one account's 20 queries/s, next to new-api's
 * fixed-interval poller replayed on the same tasks.
 *
 *   npx tsx bench/polling.ts [--tasks 2000] [--runs 1] [--seed 1] [--time-scale X]
 *                            [--worker-concurrency 64] [--baseline-query-limit 1000] [--out FILE]
 *
 * Progress goes to stderr; the JSON summary is the last thing on stdout.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { locateMediaTools, runTool } from '../src/media/ffmpeg.js';
import { seededRandom } from '../src/shared/seeded-random.js';
import { distribution, median, type Distribution } from './delay-stats.js';
import { NEW_API_DEFAULTS, replayNewApi, type BaselineRun } from './new-api-replay.js';
import {
  BENCH_MODEL,
  BENCH_PARAMETERS,
  completionRate,
  makeWorkload,
  QUEUE_MS,
  RUN_MS,
  timeScaleFor,
  type CompletionRate,
} from './polling-workload.js';
import { BENCH_LIMITS, type TaskTiming, type UpstreamUse } from './upstream-record.js';
import type { SimSample } from './sim-thread.js';
import { runVidgate } from './vidgate-run.js';

/** The target for vidgate. */
const TARGET = { medianDelayMs: 3_000, p99DelayMs: 15_000, total429: 0 };

const argsSchema = z.object({
  tasks: z.coerce.number().int().positive().default(2000),
  runs: z.coerce.number().int().positive().default(1),
  seed: z.coerce.number().int().nonnegative().default(1),
  timeScale: z.coerce.number().positive().max(1).optional(),
  workerConcurrency: z.coerce.number().int().positive().default(64),
  baselineQueryLimit: z.coerce.number().int().positive().default(NEW_API_DEFAULTS.queryLimit),
  out: z.string().min(1).optional(),
});

interface SideSummary {
  /** reported SUCCEEDED − upstream end */
  delayMs: Distribution;
  /** first query answered after the upstream end − upstream end */
  detectionDelayMs: Distribution;
  polls: {
    taskQueries: number;
    listCalls: number;
    /** (task queries + list calls) / tasks */
    perTask: number;
    /** task queries made before the task had ended, per task */
    earlyPerTask: number;
  };
  total429: number;
  maxQueriesPerSecond: number;
  peakTaskQueriesPerSecond: number;
  unreported: number;
  /** how the tasks reached the upstream: the first to the last create, and the most at once */
  upstreamSubmits: { spanMs: number; maxPerSecond: number; maxInFlight: number };
}

function summarize(timings: readonly TaskTiming[], upstream: UpstreamUse): SideSummary {
  const reported = timings.filter((t) => t.reportedAt !== null);
  const detected = timings.filter((t) => t.detectedAt !== null);
  const taskQueries = timings.reduce((n, t) => n + t.queries, 0);
  const early = timings.reduce((n, t) => n + t.earlyQueries, 0);
  const count = Math.max(1, timings.length);
  return {
    delayMs: distribution(reported.map((t) => (t.reportedAt ?? 0) - t.endAt)),
    detectionDelayMs: distribution(detected.map((t) => (t.detectedAt ?? 0) - t.endAt)),
    polls: {
      taskQueries,
      listCalls: upstream.listCalls,
      perTask: round2((taskQueries + upstream.listCalls) / count),
      earlyPerTask: round2(early / count),
    },
    total429: upstream.stats.total429,
    maxQueriesPerSecond: upstream.stats.maxQueriesPerSecond,
    peakTaskQueriesPerSecond: upstream.peakTaskQueriesPerSecond,
    unreported: timings.length - reported.length,
    upstreamSubmits: {
      spanMs:
        Math.max(...timings.map((t) => t.submitAt)) - Math.min(...timings.map((t) => t.submitAt)),
      maxPerSecond: upstream.stats.maxCreatesPerSecond,
      maxInFlight: upstream.stats.maxConcurrentTasks,
    },
  };
}

/** vidgate's delays split by whether the upstream finished before the ETA it fixed at submit. */
function byEta(timings: readonly TaskTiming[]) {
  const done = timings.filter((t) => t.reportedAt !== null && t.etaAt !== null);
  const delays = (ts: TaskTiming[]) => distribution(ts.map((t) => (t.reportedAt ?? 0) - t.endAt));
  return {
    endedBeforeEta: delays(done.filter((t) => t.endAt < (t.etaAt ?? 0))),
    endedAfterEta: delays(done.filter((t) => t.endAt >= (t.etaAt ?? 0))),
  };
}

/** Upstream traffic and completions per 10 s after the first submit. */
interface TimelineBin {
  /** seconds after the first submit, start of the bin */
  t: number;
  queries: number;
  rejected429: number;
  upstreamEnds: number;
  reported: number;
}

const BIN_MS = 10_000;

function timeline(timings: readonly TaskTiming[], samples: readonly SimSample[]): TimelineBin[] {
  const t0 = Math.min(...timings.map((t) => t.submitAt));
  const bins: TimelineBin[] = [];
  const bin = (at: number): TimelineBin => {
    const i = Math.max(0, Math.floor((at - t0) / BIN_MS));
    for (let k = bins.length; k <= i; k++) {
      bins.push({
        t: (k * BIN_MS) / 1000,
        queries: 0,
        rejected429: 0,
        upstreamEnds: 0,
        reported: 0,
      });
    }
    const b = bins[i];
    if (!b) throw new Error('timeline bin missing');
    return b;
  };
  for (const t of timings) {
    bin(t.endAt).upstreamEnds++;
    if (t.reportedAt !== null) bin(t.reportedAt).reported++;
  }
  let prev: SimSample | undefined;
  for (const s of samples) {
    if (prev && s[0] >= t0) {
      const b = bin(s[0]);
      b.queries += s[1] - prev[1];
      b.rejected429 += s[2] - prev[2];
    }
    prev = s;
  }
  return bins;
}

/**
 * Which code was measured. The working tree is shared and changes while a set runs, so this is
 * read at start: vidgate's modules are loaded then (the simulator thread loads its own at each
 * run's start).
 */
function measuredSource() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const digest = (path: string) =>
    createHash('sha256')
      .update(readFileSync(join(root, path)))
      .digest('hex')
      .slice(0, 12);
  let head = 'unknown';
  try {
    head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    // not a git checkout: the digests still identify the files
  }
  return { head, sha256: Object.fromEntries(MEASURED_FILES.map((f) => [f, digest(f)])) };
}

const MEASURED_FILES = [
  'src/main.ts',
  'src/upstream/task-worker.ts',
  'src/upstream/status-sweeper.ts',
  'src/ratelimit/memory-rate-limiter.ts',
  'src/providers/dashscope/dashscope-client.ts',
  'src/store/task-store.ts',
  'src/simulator/sim-list.ts',
];

interface RunSummary {
  run: number;
  seed: number;
  completionRate: CompletionRate;
  vidgate: SideSummary & {
    /** FETCHING: reported − detected (copying the result video into vidgate's storage) */
    copyMs: Distribution;
    byEta: ReturnType<typeof byEta>;
    failed: number;
    wallMs: number;
    eventLoopDelayMs: { p99: number; max: number };
    loadAverage: { mean: number; max: number };
    timeline: TimelineBin[];
  };
  baseline: SideSummary & {
    phaseMs: number;
    passes: number;
    virtualSpanMs: number;
    wallMs: number;
  };
  /** baseline / vidgate, reported delay: how many times sooner vidgate reports a finish */
  speedup: { median: number; p90: number; p99: number };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

async function makeImage(pathEnv: string): Promise<string> {
  const tools = locateMediaTools({ pathEnv });
  const dir = mkdtempSync(join(tmpdir(), 'vidgate-bench-image-'));
  try {
    const path = join(dir, 'frame.jpg');
    // prettier-ignore
    await runTool(tools.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', path,
    ]);
    return `data:image/jpeg;base64,${readFileSync(path).toString('base64')}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function log(line: string): void {
  process.stderr.write(`[polling-bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function oneRun(
  run: number,
  args: z.infer<typeof argsSchema>,
  timeScale: number,
  image: string,
  pathEnv: string,
): Promise<RunSummary> {
  const seed = args.seed + run;
  const w = makeWorkload(args.tasks, seed, timeScale);
  log(`run ${run + 1}/${args.runs}: seed ${seed}, time scale ${timeScale}`);
  const vg = await runVidgate(w, {
    image,
    workerConcurrency: args.workerConcurrency,
    pathEnv,
    log,
  });
  // the loop's phase against the first submit is arbitrary; seeded so a run replays exactly
  const phaseMs = Math.round(seededRandom(seed * 7919 + 13)() * NEW_API_DEFAULTS.intervalMs);
  log(`run ${run + 1}: vidgate done in ${Math.round(vg.wallMs / 1000)} s; replaying new-api`);
  const base: BaselineRun = await replayNewApi(
    w,
    vg.timings.map((t) => ({ index: t.index, submitAt: t.submitAt })),
    { ...NEW_API_DEFAULTS, queryLimit: args.baselineQueryLimit, phaseMs },
    image,
  );
  const v = summarize(vg.timings, vg.upstream);
  const b = summarize(base.timings, base.upstream);
  const copy = vg.timings
    .filter((t) => t.reportedAt !== null && t.detectedAt !== null)
    .map((t) => (t.reportedAt ?? 0) - (t.detectedAt ?? 0));
  return {
    run,
    seed,
    completionRate: completionRate(vg.timings.map((t) => t.endAt)),
    vidgate: {
      ...v,
      copyMs: distribution(copy),
      byEta: byEta(vg.timings),
      failed: vg.failed,
      wallMs: vg.wallMs,
      eventLoopDelayMs: vg.eventLoopDelayMs,
      loadAverage: vg.loadAverage,
      timeline: timeline(vg.timings, vg.samples),
    },
    baseline: {
      ...b,
      phaseMs,
      passes: base.passes,
      virtualSpanMs: base.virtualSpanMs,
      wallMs: base.wallMs,
    },
    speedup: {
      median: round1(b.delayMs.median / Math.max(1, v.delayMs.median)),
      p90: round1(b.delayMs.p90 / Math.max(1, v.delayMs.p90)),
      p99: round1(b.delayMs.p99 / Math.max(1, v.delayMs.p99)),
    },
  };
}

function meetsTarget(s: RunSummary['vidgate']) {
  return {
    medianUnder3s: s.delayMs.median < TARGET.medianDelayMs,
    p99Under15s: s.delayMs.p99 < TARGET.p99DelayMs,
    zero429: s.total429 === TARGET.total429,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'time-scale': { type: 'string' },
      'worker-concurrency': { type: 'string' },
      'baseline-query-limit': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const args = argsSchema.parse({
    tasks: values.tasks,
    runs: values.runs,
    seed: values.seed,
    timeScale: values['time-scale'],
    workerConcurrency: values['worker-concurrency'],
    baselineQueryLimit: values['baseline-query-limit'],
    out: values.out,
  });
  const timeScale = args.timeScale ?? timeScaleFor(args.tasks);
  const startedAt = Date.now();
  const source = measuredSource();
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1mAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
  // the benchmark is an entry point like src/bin.ts: ffmpeg is looked up on the caller's PATH
  const pathEnv = process.env['PATH'] ?? '';
  const image = await makeImage(pathEnv);

  const runs: RunSummary[] = [];
  for (let run = 0; run < args.runs; run++) {
    runs.push(await oneRun(run, args, timeScale, image, pathEnv));
    const r = runs[runs.length - 1]?.vidgate;
    log(`run ${run + 1}: delay ${JSON.stringify(r?.delayMs)}`);
    log(`run ${run + 1}: detection ${JSON.stringify(r?.detectionDelayMs)}`);
    log(`run ${run + 1}: copy ${JSON.stringify(r?.copyMs)} polls ${JSON.stringify(r?.polls)}`);
  }
  const pick = (f: (r: RunSummary) => number) => median(runs.map(f));
  const medians = {
    vidgate: {
      delayMedianMs: pick((r) => r.vidgate.delayMs.median),
      delayP90Ms: pick((r) => r.vidgate.delayMs.p90),
      delayP99Ms: pick((r) => r.vidgate.delayMs.p99),
      delayMaxMs: pick((r) => r.vidgate.delayMs.max),
      detectionMedianMs: pick((r) => r.vidgate.detectionDelayMs.median),
      detectionP99Ms: pick((r) => r.vidgate.detectionDelayMs.p99),
      pollsPerTask: pick((r) => r.vidgate.polls.perTask),
      total429: pick((r) => r.vidgate.total429),
      maxQueriesPerSecond: pick((r) => r.vidgate.maxQueriesPerSecond),
      submitSpanMs: pick((r) => r.vidgate.upstreamSubmits.spanMs),
      maxInFlight: pick((r) => r.vidgate.upstreamSubmits.maxInFlight),
    },
    baseline: {
      delayMedianMs: pick((r) => r.baseline.delayMs.median),
      delayP90Ms: pick((r) => r.baseline.delayMs.p90),
      delayP99Ms: pick((r) => r.baseline.delayMs.p99),
      delayMaxMs: pick((r) => r.baseline.delayMs.max),
      pollsPerTask: pick((r) => r.baseline.polls.perTask),
      total429: pick((r) => r.baseline.total429),
      maxQueriesPerSecond: pick((r) => r.baseline.maxQueriesPerSecond),
    },
    speedup: { median: pick((r) => r.speedup.median), p99: pick((r) => r.speedup.p99) },
  };
  const perRun = runs.map((r) => meetsTarget(r.vidgate));
  const summary = {
    benchmark: 'polling',
    config: {
      tasks: args.tasks,
      runs: args.runs,
      seed: args.seed,
      timeScale,
      queueMs: QUEUE_MS,
      runMs: RUN_MS,
      model: BENCH_MODEL,
      parameters: BENCH_PARAMETERS,
      accountLimits: BENCH_LIMITS,
      workerConcurrency: args.workerConcurrency,
      baseline: { ...NEW_API_DEFAULTS, queryLimit: args.baselineQueryLimit },
      measuredSource: source,
      machine,
      startedAt: new Date(startedAt).toISOString(),
    },
    medians,
    target: {
      ...TARGET,
      perRun,
      met: perRun.every((t) => t.medianUnder3s && t.p99Under15s && t.zero429),
    },
    runs,
  };
  const json = JSON.stringify(summary, null, 2);
  if (args.out) writeFileSync(args.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
