/**
 * API benchmark (docs/benchmarks.md, "API: submit throughput and task-query latency, SQLite vs
 * PostgreSQL"): one vidgate process with VIDGATE_ROLE=api (no workers, so tasks stay queued and
 * only the HTTP layer and the store are measured), loaded over keep-alive HTTP by N concurrent
 * loops: first POST /task/bailian/image2video, then GET /task/{id} over the created ids.
 *
 *   npx tsx bench/api-throughput.ts [--seconds 10] [--runs 3] [--concurrency 32]
 *
 * Every run starts a fresh store for each backend (a new SQLite data dir; a new database on one
 * throwaway PostgreSQL cluster). Progress goes to stderr; the JSON summary is the last thing on
 * stdout, and a Markdown table of it goes to stderr.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { withTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { startVidgateProcess, type VidgateProcess } from '../test/support/vidgate-process.js';
import { makeTempDir, removeDir } from '../test/e2e/helpers.js';
import { Client } from './http-client.js';

const argsSchema = z.object({
  seconds: z.coerce.number().positive().default(10),
  runs: z.coerce.number().int().positive().default(3),
  concurrency: z.coerce.number().int().positive().default(32),
});
type Args = z.infer<typeof argsSchema>;

type Backend = 'sqlite' | 'postgres';

/**
 * An oss:// first frame keeps the body tiny; vidgate accepts it without fetching anything
 * (checked before every run), so no media check is part of the measurement.
 */
const CREATE_BODY = JSON.stringify({
  model: 'wan2.6-i2v-flash',
  input: { prompt: 'a calm sea at dawn', img_url: 'oss://bench-bucket/first-frame.png' },
  parameters: { resolution: '720P', duration: 5 },
});
/** requests of each kind sent before measuring: JIT, connection and pool warm-up */
const WARMUP_REQUESTS = 300;

interface Phase {
  requests: number;
  errors: number;
  /** successful requests per second over the phase */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

interface RunResult {
  run: number;
  backend: Backend;
  submit: Phase;
  query: Phase;
  /** tasks in the store when the query phase ran */
  tasksStored: number;
}

function log(message: string): void {
  process.stderr.write(`[api-throughput] ${message}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

const createdSchema = z.object({ output: z.object({ task_id: z.string().min(1) }) });
const queriedSchema = z.object({ output: z.object({ task_status: z.string() }) });

/**
 * Runs `concurrency` loops of `one` for `seconds`; each loop sends its next request as soon as
 * the previous one is answered (closed loop), so throughput and latency are two sides of it.
 */
async function load(
  seconds: number,
  concurrency: number,
  one: () => Promise<boolean>,
): Promise<Phase> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      let ok = false;
      try {
        ok = await one();
      } catch {
        ok = false;
      }
      if (ok) latencies.push(performance.now() - t);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length + errors,
    errors,
    rps: round(latencies.length / elapsedS, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? Number.NaN),
    },
  };
}

async function measure(vg: VidgateProcess, token: string, args: Args) {
  const client = new Client(vg.url, token, args.concurrency);
  try {
    const probe = await client.send('POST', '/task/bailian/image2video', CREATE_BODY);
    if (probe.status !== 200) {
      throw new Error(`the benchmark body is refused: ${probe.status} ${probe.body}`);
    }
    const ids: string[] = [];
    const create = async (): Promise<boolean> => {
      const res = await client.send('POST', '/task/bailian/image2video', CREATE_BODY);
      if (res.status !== 200) return false;
      ids.push(createdSchema.parse(JSON.parse(res.body)).output.task_id);
      return true;
    };
    let cursor = 0;
    const query = async (): Promise<boolean> => {
      // a stride through the ids touches the whole table, not a hot few rows
      const id = ids[(cursor += 7919) % ids.length] ?? '';
      const res = await client.send('GET', `/task/${id}`);
      return (
        res.status === 200 &&
        queriedSchema.parse(JSON.parse(res.body)).output.task_status === 'PENDING'
      );
    };
    const warmUp = async (one: () => Promise<boolean>): Promise<void> => {
      let left = WARMUP_REQUESTS;
      const loop = async (): Promise<void> => {
        while (left-- > 0) await one();
      };
      await Promise.all(Array.from({ length: args.concurrency }, loop));
    };
    await warmUp(create);
    await warmUp(query);
    const submit = await load(args.seconds, args.concurrency, create);
    const queried = await load(args.seconds, args.concurrency, query);
    return { submit, query: queried, tasksStored: ids.length + 1 };
  } finally {
    client.close();
  }
}

async function runOnce(
  run: number,
  backend: Backend,
  postgres: TestPostgres,
  args: Args,
): Promise<RunResult> {
  const dataDir = makeTempDir(`bench-api-${backend}`);
  const token = randomBytes(30).toString('base64url');
  const env: Record<string, string> = {
    VIDGATE_DATA_DIR: dataDir,
    VIDGATE_ROLE: 'api',
    VIDGATE_LOG_LEVEL: 'warn',
    VIDGATE_BOOTSTRAP_TOKEN: token,
  };
  if (backend === 'postgres') env['DATABASE_URL'] = await postgres.createDatabase();
  let vg: VidgateProcess | undefined;
  try {
    vg = await startVidgateProcess({ env });
    const result = await measure(vg, token, args);
    log(
      `run ${run} ${backend}: submit ${result.submit.rps} req/s (p50 ${result.submit.latencyMs.p50} ms, ` +
        `p99 ${result.submit.latencyMs.p99} ms), query ${result.query.rps} req/s ` +
        `(p50 ${result.query.latencyMs.p50} ms, p99 ${result.query.latencyMs.p99} ms)`,
    );
    return { run, backend, ...result };
  } finally {
    await vg?.kill('SIGTERM');
    removeDir(dataDir);
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function medianPhase(phases: readonly Phase[]): Phase {
  const m = (f: (p: Phase) => number) => round(median(phases.map(f)));
  return {
    requests: m((p) => p.requests),
    errors: m((p) => p.errors),
    rps: m((p) => p.rps),
    latencyMs: {
      p50: m((p) => p.latencyMs.p50),
      p90: m((p) => p.latencyMs.p90),
      p99: m((p) => p.latencyMs.p99),
      max: m((p) => p.latencyMs.max),
    },
  };
}

function markdown(results: readonly RunResult[], medians: Record<Backend, RunResult>): string {
  const row = (label: string, r: RunResult) =>
    `| ${label} | ${r.backend} | ${r.submit.rps} | ${r.submit.latencyMs.p50} | ` +
    `${r.submit.latencyMs.p99} | ${r.query.rps} | ${r.query.latencyMs.p50} | ` +
    `${r.query.latencyMs.p99} | ${r.submit.errors + r.query.errors} |`;
  return [
    '| Run | Store | POST req/s | POST p50 ms | POST p99 ms | GET req/s | GET p50 ms | GET p99 ms | errors |',
    '| --- | --- | --: | --: | --: | --: | --: | --: | --: |',
    row('**median**', medians.sqlite),
    row('**median**', medians.postgres),
    ...results.map((r) => row(String(r.run), r)),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      runs: { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const args = argsSchema.parse(values);
  // the machine may be shared: a busy one explains slow figures, so the load goes on record
  const loadBefore = loadavg().map((l) => round(l));
  const postgres = await withTestPostgres();
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= args.runs; run++) {
      // alternate the order so neither backend always runs on a warmer machine
      const order: Backend[] = run % 2 === 1 ? ['sqlite', 'postgres'] : ['postgres', 'sqlite'];
      for (const backend of order) results.push(await runOnce(run, backend, postgres, args));
    }
  } finally {
    await postgres.stop();
  }
  const medianOf = (backend: Backend): RunResult => {
    const mine = results.filter((r) => r.backend === backend);
    return {
      run: 0,
      backend,
      submit: medianPhase(mine.map((r) => r.submit)),
      query: medianPhase(mine.map((r) => r.query)),
      tasksStored: median(mine.map((r) => r.tasksStored)),
    };
  };
  const medians = { sqlite: medianOf('sqlite'), postgres: medianOf('postgres') };
  const summary = {
    command: `npx tsx bench/api-throughput.ts --seconds ${args.seconds} --runs ${args.runs} --concurrency ${args.concurrency}`,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverage1m: { before: loadBefore[0], after: round(loadavg()[0] ?? Number.NaN) },
    },
    settings: {
      ...args,
      warmupRequests: WARMUP_REQUESTS,
      body: JSON.parse(CREATE_BODY) as unknown,
    },
    medians,
    runs: results,
  };
  process.stderr.write(`${markdown(results, medians)}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

await main();
