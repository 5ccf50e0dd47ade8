/**
 * GET latency under a create burst (docs/benchmarks.md, "API: task queries during a create
 * burst"): one production-shaped vidgate (`vidgate serve`, workers on, SQLite by default) relaying
 * to the DashScope simulator. Each run measures GET /task/{id} alone, then the same GET load
 * while a burst of creates (the README's image-to-video body, a data: URI first frame) arrives.
 *
 *   npx tsx bench/get-under-creates.ts [--runs 3] [--creates 2000] [--create-concurrency 16]
 *       [--get-clients 8] [--get-rate 200] [--get-seconds 15] [--seed-tasks 200]
 *       [--time-scale 0.1] [--postgres] [--cpu-prof DIR] [--sql-timing]
 *
 * The server reports its own event-loop delay over IPC (bench/probed-server.ts); --cpu-prof
 * writes the server's CPU profile to DIR and --sql-timing prints its heaviest SQL statements.
 *
 * Progress and a Markdown table go to stderr; the JSON summary is the last thing on stdout.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { makeTempDir, removeDir } from '../test/e2e/helpers.js';
import { withTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { distribution, median, type Distribution } from './delay-stats.js';
import { startCreateThread } from './create-thread.js';
import { Client } from './http-client.js';
import { startProbedServer, type LoopDelay } from './probed-server.js';
import { makeWorkload, PROMPT_PREFIX } from './polling-workload.js';
import { startSimThread } from './sim-thread.js';
import { BENCH_KEY } from './upstream-record.js';

const argsSchema = z.object({
  runs: z.coerce.number().int().positive().default(3),
  creates: z.coerce.number().int().positive().default(2000),
  createConcurrency: z.coerce.number().int().positive().default(16),
  /** pollers: each sends a GET every getClients / getRate seconds (sooner if it fell behind) */
  getClients: z.coerce.number().int().positive().default(8),
  getRate: z.coerce.number().positive().default(200),
  getSeconds: z.coerce.number().positive().default(15),
  /** tasks created before measuring, so the first GETs have something to read */
  seedTasks: z.coerce.number().int().positive().default(200),
  /** the simulator's time scale: tasks queue 0.2–2 s and run 6–30 s at 0.1 */
  timeScale: z.coerce.number().positive().max(1).default(0.1),
  postgres: z.boolean().default(false),
  cpuProf: z.string().min(1).optional(),
  /** diagnosis: time every SQL statement in the server (bench/sql-probe.ts) */
  sqlTiming: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

interface PhaseResult {
  seconds: number;
  get: Distribution;
  getErrors: number;
  /** the server's event-loop delay over the phase (bench/loop-probe.ts) */
  loopDelayMs: LoopDelay;
  /** the same in the thread that sends and times the GETs */
  clientLoopDelayMs: LoopDelay;
}

interface RunResult {
  run: number;
  getOnly: PhaseResult;
  burst: PhaseResult & { create: Distribution; createErrors: number; createsPerSecond: number };
  /** burst GET p99 / GET-only GET p99 */
  ratioP99: number;
  loadAverage1m: { before: number; after: number };
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const LOOP_RESOLUTION_MS = 10;
/** How late a timer fired: the histogram holds whole intervals, the resolution included. */
const loopOf = (h: IntervalHistogram): LoopDelay => {
  const late = (ns: number): number => Math.max(0, round(ns / 1e6 - LOOP_RESOLUTION_MS));
  return {
    p50: late(h.percentile(50)),
    p99: late(h.percentile(99)),
    max: late(h.max),
    mean: late(h.mean),
  };
};
const roundDist = (d: Distribution): Distribution => ({
  count: d.count,
  median: round(d.median),
  p90: round(d.p90),
  p99: round(d.p99),
  max: round(d.max),
});

function log(message: string): void {
  process.stderr.write(
    `[get-under-creates ${new Date().toISOString().slice(11, 19)}] ${message}\n`,
  );
}

const queriedSchema = z.object({ output: z.object({ task_status: z.string() }) });
/**
 * `clients` pollers, each sending its next GET one interval after the previous one was sent
 * (at once if it is already late), until `until()` says stop. Latency is per request, from send.
 */
async function getLoad(
  client: Client,
  ids: readonly string[],
  args: Args,
  until: () => boolean,
): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let cursor = 0;
  const intervalMs = (args.getClients / args.getRate) * 1000;
  const poller = async (k: number): Promise<void> => {
    let next = performance.now() + (k * intervalMs) / args.getClients;
    while (!until()) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + intervalMs, performance.now());
      // a stride through every id so far: recent tasks (the burst's) as well as old ones
      const id = ids[(cursor += 7919) % ids.length] ?? '';
      const t = performance.now();
      try {
        const res = await client.send('GET', `/task/${id}`);
        if (res.status !== 200) throw new Error(String(res.status));
        queriedSchema.parse(JSON.parse(res.body));
        latencies.push(performance.now() - t);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: args.getClients }, (_, k) => poller(k)));
  return { latencies, errors };
}

async function runOnce(run: number, args: Args, postgres: TestPostgres | null): Promise<RunResult> {
  const loadBefore = round(loadavg()[0] ?? Number.NaN);
  const total = args.seedTasks + args.creates;
  const sim = await startSimThread(makeWorkload(total, run, args.timeScale));
  const dataDir = makeTempDir('bench-get-under-creates');
  const token = randomBytes(30).toString('base64url');
  const env: Record<string, string> = {
    VIDGATE_DATA_DIR: dataDir,
    VIDGATE_LOG_LEVEL: 'warn',
    VIDGATE_BOOTSTRAP_TOKEN: token,
    // one DashScope account with the default limits (5 submits/s, 5 running, 20 queries/s)
    DASHSCOPE_API_KEY: BENCH_KEY,
    DASHSCOPE_HTTP_BASE_URL: sim.url,
  };
  if (postgres) env['DATABASE_URL'] = await postgres.createDatabase();
  const server = await startProbedServer(env, args).catch(async (err: unknown) => {
    await sim.close();
    removeDir(dataDir);
    throw err;
  });
  const client = new Client(server.url, token, args.getClients);
  // the README's example body, written by vidgate's first start; the prompt carries the index
  // the simulator keys its durations by
  const template = readFileSync(join(dataDir, 'examples', 'image2video.json'), 'utf8');
  const creator = startCreateThread({
    url: server.url,
    token,
    template,
    promptPrefix: PROMPT_PREFIX,
  });
  // how late this thread's own timers ran: GET latency includes any queueing on the client side
  const clientLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  try {
    const ids: string[] = [];
    const seeded = await creator.run(
      { from: 0, count: args.seedTasks, concurrency: args.createConcurrency },
      (id) => ids.push(id),
    );
    if (seeded.errors > 0) throw new Error(`${seeded.errors} seed creates were refused`);

    const phase = async <T>(
      work: () => Promise<T>,
    ): Promise<{ value: T; seconds: number; server: LoopDelay; client: LoopDelay }> => {
      await server.loopReset();
      clientLoop.reset();
      clientLoop.enable();
      const t0 = performance.now();
      const value = await work();
      const seconds = round((performance.now() - t0) / 1000);
      clientLoop.disable();
      return { value, seconds, server: await server.loopReport(), client: loopOf(clientLoop) };
    };

    const alone = await phase(() => {
      const end = performance.now() + args.getSeconds * 1000;
      return getLoad(client, ids, args, () => performance.now() >= end);
    });
    const getOnly: PhaseResult = {
      seconds: alone.seconds,
      get: roundDist(distribution(alone.value.latencies)),
      getErrors: alone.value.errors,
      loopDelayMs: alone.server,
      clientLoopDelayMs: alone.client,
    };

    const both = await phase(async () => {
      let bursting = true;
      const during = getLoad(client, ids, args, () => !bursting);
      const made = await creator
        .run(
          { from: args.seedTasks, count: args.creates, concurrency: args.createConcurrency },
          (id) => ids.push(id),
        )
        .finally(() => (bursting = false));
      return { made, loaded: await during };
    });
    const { made, loaded } = both.value;
    const burst = {
      seconds: both.seconds,
      get: roundDist(distribution(loaded.latencies)),
      getErrors: loaded.errors,
      loopDelayMs: both.server,
      clientLoopDelayMs: both.client,
      create: roundDist(distribution(made.latencies)),
      createErrors: made.errors,
      createsPerSecond: round(made.latencies.length / both.seconds, 1),
    };
    const result: RunResult = {
      run,
      getOnly,
      burst,
      ratioP99: round(burst.get.p99 / getOnly.get.p99),
      loadAverage1m: { before: loadBefore, after: round(loadavg()[0] ?? Number.NaN) },
    };
    log(
      `run ${run}: GET alone p50 ${getOnly.get.median} p99 ${getOnly.get.p99} max ${getOnly.get.max} ms; ` +
        `under creates p50 ${burst.get.median} p99 ${burst.get.p99} max ${burst.get.max} ms ` +
        `(×${result.ratioP99}); creates ${burst.createsPerSecond}/s p50 ${burst.create.median} ` +
        `p99 ${burst.create.p99} ms; loop delay p99 ${getOnly.loopDelayMs.p99} → ${burst.loopDelayMs.p99} ms, ` +
        `max ${burst.loopDelayMs.max} ms; client loop p99 ${getOnly.clientLoopDelayMs.p99} → ` +
        `${burst.clientLoopDelayMs.p99} ms`,
    );
    return result;
  } finally {
    client.close();
    await creator.close();
    await server.stop();
    const sqlReport = server.output().indexOf('[sql-probe]');
    if (sqlReport >= 0) process.stderr.write(server.output().slice(sqlReport));
    await sim.close();
    removeDir(dataDir);
  }
}

function markdown(results: readonly RunResult[], med: RunResult): string {
  const row = (label: string, r: RunResult): string =>
    `| ${label} | ${r.loadAverage1m.before} | ${r.getOnly.get.median} | ${r.getOnly.get.p99} | ` +
    `${r.getOnly.get.max} | ${r.burst.get.median} | ${r.burst.get.p99} | ${r.burst.get.max} | ` +
    `${r.ratioP99}× | ${r.burst.create.median} | ${r.burst.create.p99} | ${r.burst.createsPerSecond} | ` +
    `${r.getOnly.loopDelayMs.p99} / ${r.burst.loopDelayMs.p99} / ${r.burst.loopDelayMs.max} | ` +
    `${r.getOnly.getErrors + r.burst.getErrors + r.burst.createErrors} |`;
  return [
    '| run | load avg | GET alone p50 | p99 | max | GET in burst p50 | p99 | max | p99 ratio | create p50 | p99 | creates/s | loop delay p99 alone / burst, max burst | errors |',
    '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    row('**median**', med),
    ...results.map((r) => row(String(r.run), r)),
  ].join('\n');
}

/** Each figure's median over the runs, on its own. */
function medianRun(results: readonly RunResult[]): RunResult {
  const m = (f: (r: RunResult) => number): number => round(median(results.map(f)));
  const dist = (f: (r: RunResult) => Distribution): Distribution => ({
    count: m((r) => f(r).count),
    median: m((r) => f(r).median),
    p90: m((r) => f(r).p90),
    p99: m((r) => f(r).p99),
    max: m((r) => f(r).max),
  });
  const loop = (f: (r: RunResult) => LoopDelay): LoopDelay => ({
    p50: m((r) => f(r).p50),
    p99: m((r) => f(r).p99),
    max: m((r) => f(r).max),
    mean: m((r) => f(r).mean),
  });
  return {
    run: 0,
    getOnly: {
      seconds: m((r) => r.getOnly.seconds),
      get: dist((r) => r.getOnly.get),
      getErrors: m((r) => r.getOnly.getErrors),
      loopDelayMs: loop((r) => r.getOnly.loopDelayMs),
      clientLoopDelayMs: loop((r) => r.getOnly.clientLoopDelayMs),
    },
    burst: {
      seconds: m((r) => r.burst.seconds),
      get: dist((r) => r.burst.get),
      getErrors: m((r) => r.burst.getErrors),
      loopDelayMs: loop((r) => r.burst.loopDelayMs),
      clientLoopDelayMs: loop((r) => r.burst.clientLoopDelayMs),
      create: dist((r) => r.burst.create),
      createErrors: m((r) => r.burst.createErrors),
      createsPerSecond: m((r) => r.burst.createsPerSecond),
    },
    ratioP99: m((r) => r.ratioP99),
    loadAverage1m: {
      before: m((r) => r.loadAverage1m.before),
      after: m((r) => r.loadAverage1m.after),
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      creates: { type: 'string' },
      'create-concurrency': { type: 'string' },
      'get-clients': { type: 'string' },
      'get-rate': { type: 'string' },
      'get-seconds': { type: 'string' },
      'seed-tasks': { type: 'string' },
      'time-scale': { type: 'string' },
      postgres: { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      'sql-timing': { type: 'boolean' },
    },
  });
  const args = argsSchema.parse({
    runs: values.runs,
    creates: values.creates,
    createConcurrency: values['create-concurrency'],
    getClients: values['get-clients'],
    getRate: values['get-rate'],
    getSeconds: values['get-seconds'],
    seedTasks: values['seed-tasks'],
    timeScale: values['time-scale'],
    postgres: values.postgres,
    cpuProf: values['cpu-prof'],
    sqlTiming: values['sql-timing'],
  });
  const postgres = args.postgres ? await withTestPostgres() : null;
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= args.runs; run++) results.push(await runOnce(run, args, postgres));
  } finally {
    await postgres?.stop();
  }
  const medians = medianRun(results);
  const summary = {
    command: `npx tsx bench/get-under-creates.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    settings: { ...args, store: args.postgres ? 'postgres' : 'sqlite' },
    medians,
    runs: results,
  };
  process.stderr.write(`${markdown(results, medians)}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

await main();
