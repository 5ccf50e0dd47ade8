/**
 * Lost-submits drill (docs/benchmarks.md, "Lost submits: kill and fault drill"): vidgate as real
 * child processes in front of a simulated DashScope account on the default limits, creates
 * answered after 1–1.5 s, with phases
 *
 *   clean   no faults, no kills: the time N tasks take
 *   faults  30% injected faults of every kind on creates and on queries + lists: the time again
 *   kills   faults, and vidgate SIGKILLed while creates are on the wire and while results are
 *           being copied, restarted on the same data dir / database each time
 *
 * After each phase every accepted task is checked: terminal; a SUCCEEDED one serves the video of
 * the upstream task created for its own request, byte for byte; no upstream task twice; the
 * account's limits held; no partial file left.
 *
 *   npx tsx bench/lost-submits-drill.ts [--store sqlite|postgres|both] [--tasks 400] [--runs 1]
 *       [--phases clean,faults,kills] [--seed 1] [--fault-rate 0.3] [--fault-kinds KIND,...]
 *       [--create-kills 3] [--copy-kills 1] [--copy-ms 1000] [--phase-timeout-min 20]
 *       [--probe-creates 20]
 *       [--out FILE] [--evidence FILE]
 *
 * --fault-kinds spreads the rate over some kinds only (default all seven: rate429, error5xx,
 * slow, timeout, reset, malformedJson, lostAnswer), to see what one kind costs.
 *
 * During every phase a client probe (drill-client-probe.ts) polls known tasks on both faces and
 * sends a trickle of creates; any 5xx or 429 it is answered counts as a defect.
 *
 * Progress and the tables go to stderr; the JSON summary is the last thing on stdout.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { FAULT_KINDS } from '../src/simulator/sim-faults.js';
import { imageDataUri } from '../test/e2e/helpers.js';
import { withTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { REPO_ROOT } from '../test/support/vidgate-process.js';
import {
  CREATE_LATENCY_MS,
  faultProbabilities,
  QUEUE_MS,
  RUN_MS,
} from './lost-submits-drill-rig.js';
import {
  PHASES,
  runPhase,
  type Phase,
  type PhaseResult,
  type PhaseSpec,
  type Store,
} from './lost-submits-drill-phase.js';

const argsSchema = z.object({
  store: z.enum(['sqlite', 'postgres', 'both']).default('both'),
  tasks: z.coerce.number().int().positive().default(400),
  runs: z.coerce.number().int().positive().default(1),
  phases: z
    .string()
    .default(PHASES.join(','))
    .transform((s) => s.split(',').map((p) => z.enum(PHASES).parse(p.trim()))),
  seed: z.coerce.number().int().nonnegative().default(1),
  faultRate: z.coerce.number().min(0).max(1).default(0.3),
  faultKinds: z
    .string()
    .default(FAULT_KINDS.join(','))
    .transform((s) => s.split(',').map((k) => z.enum(FAULT_KINDS).parse(k.trim()))),
  createKills: z.coerce.number().int().nonnegative().default(3),
  copyKills: z.coerce.number().int().nonnegative().default(1),
  copyMs: z.coerce.number().int().nonnegative().default(1000),
  probeCreates: z.coerce.number().int().nonnegative().default(20),
  phaseTimeoutMin: z.coerce.number().positive().default(20),
  out: z.string().min(1).optional(),
  evidence: z.string().min(1).optional(),
});
const started = Date.now();
function log(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0);
  process.stderr.write(`[drill +${s} s] ${message}\n`);
}

function parseCli(): z.infer<typeof argsSchema> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string' },
      tasks: { type: 'string' },
      runs: { type: 'string' },
      phases: { type: 'string' },
      seed: { type: 'string' },
      'fault-rate': { type: 'string' },
      'fault-kinds': { type: 'string' },
      'create-kills': { type: 'string' },
      'copy-kills': { type: 'string' },
      'copy-ms': { type: 'string' },
      'probe-creates': { type: 'string' },
      'phase-timeout-min': { type: 'string' },
      out: { type: 'string' },
      evidence: { type: 'string' },
    },
  });
  return argsSchema.parse({
    store: values.store,
    tasks: values.tasks,
    runs: values.runs,
    phases: values.phases,
    seed: values.seed,
    faultRate: values['fault-rate'],
    faultKinds: values['fault-kinds'],
    createKills: values['create-kills'],
    copyKills: values['copy-kills'],
    copyMs: values['copy-ms'],
    probeCreates: values['probe-creates'],
    phaseTimeoutMin: values['phase-timeout-min'],
    out: values.out,
    evidence: values.evidence,
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const secs = (ms: number): string => (ms / 1000).toFixed(1);
const KIND_SHORT: Record<string, string> = {
  rate429: '429',
  error5xx: '5xx',
  slow: 'slow',
  timeout: 'timeout',
  reset: 'reset',
  malformedJson: 'malformed',
  lostAnswer: 'lost',
};

function faultsText(f: Record<string, number>): string {
  const total = Object.values(f).reduce((a, b) => a + b, 0);
  if (total === 0) return '0';
  return `${total}: ${Object.entries(f)
    .map(([k, n]) => `${KIND_SHORT[k] ?? k} ${n}`)
    .join(', ')}`;
}

const statusText = (by: Record<string, number>): string =>
  Object.entries(by)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ') || '0';

/** A phase's defects: everything the issue's "done when" asks to be zero. */
function defects(r: PhaseResult): number {
  return (
    r.nonTerminal +
    r.crossed +
    r.boundMismatch +
    r.bytesMismatch +
    r.duplicates +
    r.limitViolations +
    r.leftBehind.parts +
    r.leftBehind.orphanResults +
    // a client of the task routes never sees a 5xx or a 429 (ADR 0016)
    r.probe.serverErrors +
    r.probe.throttled +
    r.probe.replayMismatch +
    (r.aborted ? 1 : 0)
  );
}

function ratioOf(results: PhaseResult[], store: Store, run: number): number | null {
  const clean = results.find((r) => r.store === store && r.run === run && r.phase === 'clean');
  const faults = results.find((r) => r.store === store && r.run === run && r.phase === 'faults');
  if (!clean || !faults || clean.aborted || faults.aborted) return null;
  return faults.timeMs / clean.timeMs;
}

function table(results: PhaseResult[]): string {
  const head =
    '| store | phase | run | time | tasks | succeeded | failed | non-terminal | crossed | ' +
    'bytes differ | upstream twice | limit violations (max creates/s, running, queries/s) | ' +
    'files left | faults injected | kills | faults/clean | probe GETs / creates / no answer |';
  const rule = `|${head
    .split('|')
    .slice(1, -1)
    .map(() => ' --- ')
    .join('|')}|`;
  const lines = results.map((r) => {
    const ratio = r.phase === 'faults' ? ratioOf(results, r.store, r.run) : null;
    const failed = Object.entries(r.failedBy)
      .map(([c, n]) => `${n} ${c}`)
      .join(', ');
    const kills = r.kills.map((k) => (k.skipped ? `${k.kind}(skipped)` : k.kind)).join(', ');
    return [
      r.store,
      r.phase,
      r.run + 1,
      `${secs(r.timeMs)} s (half ${secs(r.completedMs.p50)}, 90% ${secs(r.completedMs.p90)})${r.aborted ? ' ABORTED' : ''}`,
      r.accepted,
      r.succeeded,
      r.failed === 0 ? '0' : `${r.failed} (${failed})`,
      r.nonTerminal,
      r.crossed,
      r.bytesMismatch,
      r.duplicates,
      `${r.limitViolations} (${r.maxCreatesPerSecond}, ${r.maxConcurrentTasks}, ${r.maxQueriesPerSecond})`,
      r.leftBehind.parts + r.leftBehind.orphanResults,
      faultsText(r.faultsInjected),
      kills || '-',
      ratio === null ? '' : ratio.toFixed(2),
      `${statusText(r.probe.gets)} / ${statusText(r.probe.creates)} / ${r.probe.noAnswer}`,
    ].join(' | ');
  });
  return [head, rule, ...lines.map((l) => `| ${l} |`)].join('\n');
}

function medians(results: PhaseResult[], stores: Store[], phases: Phase[], runs: number) {
  return stores.flatMap((store) =>
    phases.map((phase) => {
      const rs = results.filter((r) => r.store === store && r.phase === phase);
      const ratios =
        phase === 'faults'
          ? Array.from({ length: runs }, (_, run) => ratioOf(results, store, run)).filter(
              (x): x is number => x !== null,
            )
          : [];
      return {
        store,
        phase,
        runs: rs.length,
        medianTimeS: Number(secs(median(rs.map((r) => r.timeMs)))),
        medianRatio: ratios.length ? Number(median(ratios).toFixed(2)) : null,
        defects: rs.reduce((n, r) => n + defects(r), 0),
        failed: rs.reduce((n, r) => n + r.failed, 0),
      };
    }),
  );
}

async function main(): Promise<void> {
  const args = parseCli();
  const stores: Store[] = args.store === 'both' ? ['sqlite', 'postgres'] : [args.store];
  const params = {
    tasks: args.tasks,
    createLatencyMs: CREATE_LATENCY_MS,
    queueMs: QUEUE_MS,
    runMs: RUN_MS,
    faultRate: args.faultRate,
    faultProbabilities: faultProbabilities(args.faultRate, args.faultKinds),
    resultCopyMs: args.copyMs,
    createKills: args.createKills,
    copyKills: args.copyKills,
    upstreamTimeoutSeconds: 5,
    reconcileWindowSeconds: 15,
    leaseSeconds: 10,
  };
  log(`parameters: ${JSON.stringify(params)}`);
  const image = await imageDataUri(320, 240);
  let postgres: TestPostgres | undefined;
  const results: PhaseResult[] = [];
  const evidence: unknown[] = [];
  const onSignal = (): void => process.exit(130);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (stores.includes('postgres')) postgres = await withTestPostgres();
    for (let run = 0; run < args.runs; run++) {
      for (const store of stores) {
        for (const phase of args.phases) {
          const spec: PhaseSpec = { store, phase, run, seed: args.seed + run };
          const r = await runPhase(spec, args, { image, postgres, log });
          results.push(r.result);
          if (r.evidence.length > 0) evidence.push({ store, phase, run, problems: r.evidence });
          log(`${store}/${phase}/run ${run + 1}: ${JSON.stringify(r.result)}`);
        }
      }
    }
  } finally {
    await postgres?.stop();
  }
  const sources = [...new Set(results.flatMap((r) => r.sources))];
  if (sources.length > 1)
    log(`WARNING: src/ changed during the drill (digests ${sources.join(', ')}); see each phase`);
  const summary = {
    parameters: params,
    root: REPO_ROOT,
    sources,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      loadAverage1mAtEnd: loadavg()[0],
    },
    medians: medians(results, stores, args.phases, args.runs),
    results,
  };
  const evidencePath =
    args.evidence ?? join(tmpdir(), `lost-submits-drill-evidence-${Date.now()}.json`);
  if (evidence.length > 0) {
    writeFileSync(evidencePath, JSON.stringify(evidence, null, 2));
    log(`evidence of ${evidence.length} phase(s) with problems written to ${evidencePath}`);
  }
  process.stderr.write(`\n${table(results)}\n\n`);
  process.stderr.write(`medians: ${JSON.stringify(summary.medians, null, 2)}\n`);
  const json = JSON.stringify(summary, null, 2);
  if (args.out) writeFileSync(args.out, json);
  process.stdout.write(`${json}\n`);
  if (results.some((r) => defects(r) > 0)) process.exitCode = 1;
}

await main();
