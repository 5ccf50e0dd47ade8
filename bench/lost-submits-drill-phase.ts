/**
 * One phase of the lost-submits drill (bench/lost-submits-drill.ts): a fresh simulator, proxy,
 * store and vidgate process; N tasks submitted; in the kill phase SIGKILLs at chosen moments;
 * then every accepted task checked against the upstream.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { FaultKind } from '../src/simulator/simulator.js';
import { makeTempDir, randomText, removeDir } from '../test/e2e/helpers.js';
import type { TestPostgres } from '../test/support/postgres.js';
import {
  REPO_ROOT,
  startVidgateProcess,
  type VidgateProcess,
} from '../test/support/vidgate-process.js';
import {
  killDrill,
  openOf,
  totalOf,
  UPSTREAM_OPEN,
  type Live,
} from './lost-submits-drill-kills.js';
import { startClientProbe, type ClientProbe, type ProbeResult } from './drill-client-probe.js';
import {
  check,
  inParallel,
  isTerminal,
  requestsOf,
  type CheckCounts,
} from './lost-submits-drill-check.js';
import {
  DRILL_ACCOUNT,
  DRILL_KEY,
  drillTasks,
  filesLeftBehind,
  LIMITS,
  openStoreView,
  sourceDigest,
  startDrillSimulator,
  startProxy,
  type DrillTask,
  type StoreView,
} from './lost-submits-drill-rig.js';

export const PHASES = ['clean', 'faults', 'kills'] as const;
export type Phase = (typeof PHASES)[number];
export type Store = 'sqlite' | 'postgres';

export interface PhaseSpec {
  store: Store;
  phase: Phase;
  run: number;
  seed: number;
}

export interface DrillOptions {
  tasks: number;
  faultRate: number;
  /** the fault kinds the rate is spread over */
  faultKinds: readonly FaultKind[];
  createKills: number;
  copyKills: number;
  /** creates of the client probe (drill-client-probe.ts), one a second */
  probeCreates: number;
  copyMs: number;
  phaseTimeoutMin: number;
}

export interface PhaseContext {
  image: string;
  postgres: TestPostgres | undefined;
  log: (line: string) => void;
}

export interface KillRecord {
  kind: 'create' | 'copy';
  /** ms after the first submit */
  atMs: number;
  skipped?: string;
  /** vidgate's task states at the kill */
  states?: Record<string, number>;
  /** partial result copies on disk at the kill */
  partsAtKill?: number;
  /** upstream tasks made in the 1.6 s after the kill: creates that were on the wire */
  createsInFlight?: number;
  /** from the kill until the new process was healthy */
  restartMs?: number;
}

export interface PhaseResult extends CheckCounts {
  store: Store;
  phase: Phase;
  run: number;
  seed: number;
  aborted: string | null;
  accepted: number;
  /** first submit to the last task turning terminal (the store's updatedAt) */
  timeMs: number;
  /** first submit to the moment half, 90% and 99% of the tasks were terminal */
  completedMs: { p50: number; p90: number; p99: number };
  /** X-Request-Ids that produced more than one upstream task */
  duplicates: number;
  upstreamTasks: number;
  /**
   * how full the account's running slots were: the upstream tasks' PENDING + RUNNING time over
   * (concurrent limit × phase time); the rest went to create latency, retries and bookkeeping
   */
  upstreamBusy: number;
  /** upstream tasks no accepted task sent */
  strayUpstream: number;
  /** tasks attached through the upstream's list after a lost answer */
  adopted: number;
  limitViolations: number;
  maxCreatesPerSecond: number;
  maxConcurrentTasks: number;
  maxQueriesPerSecond: number;
  /** 429s for a limit (not injected): createRate, concurrency, queryRate */
  limit429: number;
  createRequests: number;
  queryRequests: number;
  faultsInjected: Record<string, number>;
  leftBehind: { parts: number; orphanResults: number; tmpFiles: number; names: string[] };
  kills: KillRecord[];
  loadAverage1m: number;
  /** Σ tasks in each open state × time (sampled every 0.5 s): where the phase's time went */
  stateSeconds: Record<string, number>;
  /**
   * Σ running slots not taken by a SUBMITTING, UNCERTAIN, PENDING or RUNNING task × time, while
   * tasks were QUEUED: capacity left unused (an UNCERTAIN task may already have let its go)
   */
  idleSlotSeconds: number;
  /** digests of src/ at each process start of the phase; more than one: the code changed */
  sources: string[];
  /** what a client polling and creating during the phase was answered (ADR 0016) */
  probe: ProbeResult;
}

const createdSchema = z.object({ output: z.object({ task_id: z.string().min(1) }) });

async function submitAll(
  url: string,
  token: string,
  tasks: readonly DrillTask[],
  accepted: Map<string, DrillTask>,
) {
  await inParallel(tasks, 8, async (t) => {
    const res = await fetch(`${url}${t.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(t.body),
    });
    const json: unknown = await res.json();
    if (res.status !== 200)
      throw new Error(`create ${t.index} answered ${res.status}: ${JSON.stringify(json)}`);
    accepted.set(createdSchema.parse(json).output.task_id, t);
  });
  return accepted;
}

/** Stops gracefully, or kills after 15 s. */
async function stop(proc: VidgateProcess): Promise<void> {
  const timer = setTimeout(() => void proc.kill('SIGKILL'), 15_000);
  try {
    await proc.kill('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}

export async function runPhase(
  spec: PhaseSpec,
  o: DrillOptions,
  ctx: PhaseContext,
): Promise<{ result: PhaseResult; evidence: unknown[] }> {
  const { log } = ctx;
  const label = `${spec.store}/${spec.phase}/run ${spec.run + 1}`;
  const tasks = drillTasks(o.tasks, `${spec.phase} r${spec.run + 1}`, ctx.image);
  const faultRate = spec.phase === 'clean' ? 0 : o.faultRate;
  const sim = await startDrillSimulator(tasks, spec.seed, faultRate, o.faultKinds);
  const proxy = await startProxy(sim.origin, o.copyMs);
  const dataDir = makeTempDir('drill');
  let view: StoreView | undefined;
  let live: Live | undefined;
  let probe: ClientProbe | undefined;
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0] ?? 0), 5000);
  try {
    const dbUrl = spec.store === 'postgres' ? await ctx.postgres?.createDatabase() : undefined;
    if (spec.store === 'postgres' && !dbUrl) throw new Error('no PostgreSQL server');
    const token = randomText(32);
    const env: Record<string, string> = {
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_BOOTSTRAP_TOKEN: token,
      VIDGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      VIDGATE_LOG_LEVEL: 'info',
      DASHSCOPE_API_KEY: DRILL_KEY,
      DASHSCOPE_HTTP_BASE_URL: proxy.url,
      VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '5',
      VIDGATE_RECONCILE_WINDOW_SECONDS: '15',
      VIDGATE_LEASE_SECONDS: '10',
      ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
    };
    const sources = [sourceDigest(REPO_ROOT)];
    const first = await startVidgateProcess({ env });
    live = { proc: first, procs: [first], done: false, sources };
    view = openStoreView(dbUrl ? { url: dbUrl } : { sqlitePath: join(dataDir, 'vidgate.db') });
    log(`${label}: vidgate up (pid ${first.pid}); submitting ${o.tasks} tasks`);

    const accepted = new Map<string, DrillTask>();
    const current = live;
    probe = startClientProbe({
      url: () => current.proc.url,
      token,
      tasks: drillTasks(o.probeCreates, `${spec.phase} r${spec.run + 1} probe`, ctx.image),
      createEveryMs: 1000,
      known: () => [...accepted.keys()],
      // the probe's tasks are checked like the phase's own
      onAccepted: (id, t) => accepted.set(id, t),
      pollers: 2,
    });
    const t0 = Date.now();
    await submitAll(first.url, token, tasks, accepted);
    const deadline = t0 + o.phaseTimeoutMin * 60_000;
    const killing =
      spec.phase === 'kills'
        ? killDrill(o, live, view, dataDir, env, t0, accepted.size, deadline, log)
        : Promise.resolve([]);
    let aborted: string | null = null;
    let lastLog = 0;
    const stateSeconds: Record<string, number> = {};
    let idleSlotSeconds = 0;
    let sampledAt = Date.now();
    for (;;) {
      const c = await view.countsByState();
      const now = Date.now();
      const dt = (now - sampledAt) / 1000;
      sampledAt = now;
      for (const [state, n] of Object.entries(c))
        if (!isTerminal(state)) stateSeconds[state] = (stateSeconds[state] ?? 0) + n * dt;
      const upstreamOpen = UPSTREAM_OPEN.reduce((n, st) => n + (c[st] ?? 0), 0);
      if ((c['QUEUED'] ?? 0) > 0)
        idleSlotSeconds += Math.max(0, LIMITS.concurrentTasks - upstreamOpen) * dt;
      if (probe.createsDone() && totalOf(c) >= accepted.size && openOf(c) === 0) break;
      if (Date.now() > deadline) {
        aborted = `phase exceeded ${o.phaseTimeoutMin} min with ${openOf(c)} tasks open: ${JSON.stringify(c)}`;
        log(`${label}: ABORTED: ${aborted}`);
        break;
      }
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`${label}: +${((Date.now() - t0) / 1000).toFixed(0)} s ${JSON.stringify(c)}`);
      }
      await sleep(500);
    }
    live.done = true;
    const probed = await probe.stop();
    log(`${label}: client probe ${JSON.stringify(probed)}`);
    const kills = await killing;
    const rows = await view.rows();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const terminalRows = rows.filter((r) => accepted.has(r.id) && isTerminal(r.state));
    const timeMs = Math.max(t0, ...terminalRows.map((r) => r.updatedAt)) - t0;
    const ends = terminalRows.map((r) => r.updatedAt - t0).sort((a, b) => a - b);
    const at = (q: number): number => ends[Math.max(0, Math.ceil(q * ends.length) - 1)] ?? 0;
    const completedMs = { p50: at(0.5), p90: at(0.9), p99: at(0.99) };

    // the upstream's view, taken before the checks add queries of their own
    const stats = sim.stats();
    const acct = stats.accounts[DRILL_ACCOUNT];
    if (!acct) throw new Error('simulator lost the account');
    const simTasks = sim.tasks();
    sim.setFaults({});
    sim.setAccount({
      id: DRILL_ACCOUNT,
      region: 'beijing',
      keys: [DRILL_KEY],
      limits: { createPerSecond: 10_000, concurrentTasks: 100_000, queriesPerSecond: 100_000 },
    });
    for (const k of kills) {
      if (k.skipped) continue;
      const at = t0 + k.atMs;
      k.createsInFlight = simTasks.filter((t) => t.submitAt > at && t.submitAt <= at + 1600).length;
    }

    const result = await check(accepted, byId, simTasks, sim, live.proc, token);
    const problems = new Set(result.problemIds);
    const evidence = [...problems].map((id) => ({
      id,
      prompt: accepted.get(id)?.prompt,
      row: byId.get(id),
      problem: result.problemOf.get(id),
      upstream: simTasks.filter((t) => t.clientRequestId === id).map(requestsOf),
      videoFrom: result.videoFrom.get(id),
      log: live?.procs
        .flatMap((p) => p.output().split('\n'))
        .filter((l) => l.includes(id))
        .map((l) => l.slice(0, 1500)),
    }));

    await stop(live.proc);
    const succeededIds = new Set(rows.filter((r) => r.state === 'SUCCEEDED').map((r) => r.id));
    const left = filesLeftBehind(dataDir, succeededIds);
    const phaseResult: PhaseResult = {
      ...spec,
      aborted,
      accepted: accepted.size,
      timeMs,
      completedMs,
      ...result.counts,
      duplicates: stats.duplicateClientRequestIds.length,
      upstreamTasks: simTasks.length,
      upstreamBusy:
        Math.round(
          (simTasks.reduce((n, t) => n + (t.endAt - t.submitAt), 0) /
            (LIMITS.concurrentTasks * Math.max(1, timeMs))) *
            100,
        ) / 100,
      strayUpstream: simTasks.filter((t) => !accepted.has(t.clientRequestId ?? '')).length,
      adopted: rows.filter((r) => r.adoptedAt !== null).length,
      limitViolations:
        Number(acct.maxCreatesPerSecond > LIMITS.createPerSecond) +
        Number(acct.maxConcurrentTasks > LIMITS.concurrentTasks) +
        Number(acct.maxQueriesPerSecond > LIMITS.queriesPerSecond),
      maxCreatesPerSecond: acct.maxCreatesPerSecond,
      maxConcurrentTasks: acct.maxConcurrentTasks,
      maxQueriesPerSecond: acct.maxQueriesPerSecond,
      limit429: acct.throttled.createRate + acct.throttled.concurrency + acct.throttled.queryRate,
      createRequests: acct.createRequests,
      queryRequests: acct.queryRequests,
      faultsInjected: stats.faultsInjected,
      leftBehind: {
        parts: left.parts.length,
        orphanResults: left.orphanResults.length,
        tmpFiles: left.tmpFiles.length,
        names: [...left.parts, ...left.orphanResults, ...left.tmpFiles].slice(0, 20),
      },
      kills,
      stateSeconds: Object.fromEntries(
        Object.entries(stateSeconds).map(([k, v]) => [k, Math.round(v)]),
      ),
      idleSlotSeconds: Math.round(idleSlotSeconds),
      sources: [...new Set(live.sources)],
      probe: probed,
      loadAverage1m:
        Math.round((loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)) * 100) / 100,
    };
    for (const id of stats.duplicateClientRequestIds) {
      evidence.push({
        id,
        prompt: accepted.get(id)?.prompt,
        row: byId.get(id),
        problem: 'upstream task created twice',
        upstream: simTasks.filter((t) => t.clientRequestId === id).map(requestsOf),
        videoFrom: undefined,
        log: live.procs.flatMap((p) => p.output().split('\n')).filter((l) => l.includes(id)),
      });
    }
    return { result: phaseResult, evidence };
  } finally {
    await probe?.stop();
    clearInterval(sampler);
    if (live) for (const p of live.procs) await p.kill('SIGKILL');
    await view?.close();
    await sim.close();
    await proxy.close();
    removeDir(dataDir);
  }
}
