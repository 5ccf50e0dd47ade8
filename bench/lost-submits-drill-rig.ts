/**
 * The pieces of the lost-submits drill (bench/lost-submits-drill.ts): the upstream (a DashScope
 * simulator behind a pass-through proxy that paces result downloads), the task bodies, a
 * read-only view of vidgate's store, and the files left in its data dir.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { join, relative } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { RequestBody } from '../src/models/task-request.js';
import { seededRandom } from '../src/shared/seeded-random.js';
import { FAULT_KINDS } from '../src/simulator/sim-faults.js';
import {
  startDashScopeSimulator,
  type DashScopeSimulator,
  type FaultKind,
  type SimFaults,
} from '../src/simulator/simulator.js';

export const DRILL_ACCOUNT = 'drill-account';
export const DRILL_KEY = `sk-drill-${randomBytes(12).toString('hex')}`;
export const CREATE_LATENCY_MS: readonly [number, number] = [1000, 1500];
export const QUEUE_MS: readonly [number, number] = [200, 800];
export const RUN_MS: readonly [number, number] = [2000, 4000];
/** the default account limits (reference §10), which the drill leaves as they are */
export const LIMITS = { createPerSecond: 5, concurrentTasks: 5, queriesPerSecond: 20 } as const;
export const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELED'] as const;

/**
 * How a fault rate is spread over the simulator's seven kinds (weights, normalised): the same
 * split for creates and for queries + lists.
 */
const FAULT_WEIGHTS: Record<FaultKind, number> = {
  rate429: 5,
  error5xx: 5,
  slow: 4,
  timeout: 4,
  reset: 4,
  malformedJson: 4,
  lostAnswer: 4,
};

/** The rate spread over `kinds` (default: all seven) in proportion to their weights. */
export function faultProbabilities(
  rate: number,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): Partial<Record<FaultKind, number>> {
  const total = kinds.reduce((n, k) => n + FAULT_WEIGHTS[k], 0);
  return Object.fromEntries(kinds.map((k) => [k, (rate * FAULT_WEIGHTS[k]) / total]));
}

export function faultPlan(rate: number, seed: number, kinds?: readonly FaultKind[]): SimFaults {
  if (rate === 0) return {};
  const probabilities = faultProbabilities(rate, kinds);
  return { seed, create: { probabilities }, query: { probabilities } };
}

// ---------------------------------------------------------------------------------------------
// Task bodies: two image-to-video tasks for every text-to-video one, each with its own prompt.

const SCENES = [
  'a lighthouse in fog',
  'a red kite over dunes',
  'rain on a tram window at night',
  'a fox crossing a snowy field',
  'steam rising from a mountain lake',
  'a paper boat in a gutter stream',
  'lanterns drifting over a river',
  'a cyclist on a coastal road at dawn',
];

export interface DrillTask {
  index: number;
  prompt: string;
  path: string;
  body: RequestBody;
}

export function drillTasks(count: number, label: string, image: string): DrillTask[] {
  return Array.from({ length: count }, (_, index) => {
    const prompt = `${SCENES[index % SCENES.length] ?? 'a scene'}, take ${index} (${label})`;
    if (index % 3 === 2) {
      return {
        index,
        prompt,
        path: '/task/bailian/text2video',
        body: {
          model: 'wan2.6-t2v',
          input: { prompt },
          parameters: { size: '1280*720', duration: 5 },
        },
      };
    }
    return {
      index,
      prompt,
      path: '/task/bailian/image2video',
      body: {
        model: 'wan2.6-i2v-flash',
        input: { prompt, img_url: image },
        parameters: { resolution: '720P', duration: index % 5 === 0 ? 10 : 5 },
      },
    };
  });
}

/**
 * The simulator for one phase: one account on the default limits, creates held 1–1.5 s, each
 * task's queue and run time fixed by its index (seeded), so the clean and the faulted phase of a
 * run get the very same upstream work.
 */
export function startDrillSimulator(
  tasks: readonly DrillTask[],
  seed: number,
  faultRate: number,
  faultKinds?: readonly FaultKind[],
): Promise<DashScopeSimulator> {
  const random = seededRandom(seed);
  const pick = ([min, max]: readonly [number, number]): number =>
    Math.round(min + random() * (max - min));
  const durations = new Map(
    tasks.map((t) => [t.prompt, { queueMs: pick(QUEUE_MS), runMs: pick(RUN_MS) }]),
  );
  return startDashScopeSimulator({
    region: 'beijing',
    accounts: [{ id: DRILL_ACCOUNT, region: 'beijing', keys: [DRILL_KEY], limits: LIMITS }],
    durations: (body) => {
      const prompt = body.input['prompt'];
      return (
        (typeof prompt === 'string' ? durations.get(prompt) : undefined) ?? {
          queueMs: QUEUE_MS[0],
          runMs: RUN_MS[0],
        }
      );
    },
    createLatencyMs: CREATE_LATENCY_MS,
    seed,
    faults: faultPlan(faultRate, seed, faultKinds),
  });
}

// ---------------------------------------------------------------------------------------------
// The proxy: DashScope's result links point at OSS, where a real video takes a while to copy.
// The simulator serves a few KB at once, which no kill could land in; the proxy hands result
// downloads over in ten slices spread over `copyMs` and passes everything else through,
// resets and hangs included (a reset from the simulator becomes a reset to vidgate).

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function forwardable(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

export interface DrillProxy {
  /** base URL for vidgate: `http://127.0.0.1:PORT/api/v1` */
  url: string;
  close(): Promise<void>;
}

const SLICES = 10;

export async function startProxy(targetOrigin: string, copyMs: number): Promise<DrillProxy> {
  const target = new URL(targetOrigin);
  const timers = new Set<NodeJS.Timeout>();
  const cut = (res: ServerResponse): void => {
    if (res.socket) res.socket.resetAndDestroy();
    else res.destroy();
  };
  const paced = (res: ServerResponse, bytes: Buffer): void => {
    const size = Math.ceil(bytes.length / SLICES);
    let at = 0;
    const next = (): void => {
      if (res.destroyed) return;
      const slice = bytes.subarray(at, at + size);
      at += size;
      if (at >= bytes.length) {
        res.end(slice);
        return;
      }
      res.write(slice);
      const t = setTimeout(() => {
        timers.delete(t);
        next();
      }, copyMs / SLICES);
      timers.add(t);
    };
    next();
  };
  const server = createServer((req, res) => {
    const pace = copyMs > 0 && req.method === 'GET' && (req.url ?? '').startsWith('/results/');
    // one connection per request: a kept-alive socket the simulator has just closed would
    // turn into a reset the simulator never sent
    const up = request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardable(req.headers),
      agent: false,
    });
    up.on('response', (answer) => {
      answer.on('error', () => cut(res));
      answer.on('close', () => {
        if (!answer.complete) cut(res);
      });
      res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
      if (!pace || answer.statusCode !== 200) {
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => paced(res, Buffer.concat(chunks)));
    });
    up.on('error', () => cut(res));
    req.pipe(up);
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}/api/v1`,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// vidgate's store, read-only, for state counts and the final rows.

export interface StoredRow {
  id: string;
  state: string;
  upstreamTaskId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  updatedAt: number;
  adoptedAt: number | null;
  attempts: number;
}

export interface StoreView {
  countsByState(): Promise<Record<string, number>>;
  /** rows SUBMITTING whose create left between `from` and `to` (ms epoch) */
  submittingBetween(from: number, to: number): Promise<number>;
  rows(): Promise<StoredRow[]>;
  close(): Promise<void>;
}

const ROW_SQL = `select id, state, upstream_task_id, error_code, error_message, created_at,
  updated_at, adopted_at, attempts from tasks`;
const COUNT_SQL = 'select state, count(*) as n from tasks group by state';
const SUBMITTING_SQL = `select count(*) as n from tasks where state = 'SUBMITTING'
  and submitted_at >= $1 and submitted_at <= $2`;

type RawRow = Record<string, unknown>;

function toRow(r: RawRow): StoredRow {
  const num = (v: unknown): number => Number(v);
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    id: String(r['id']),
    state: String(r['state']),
    upstreamTaskId: text(r['upstream_task_id']),
    errorCode: text(r['error_code']),
    errorMessage: text(r['error_message']),
    createdAt: num(r['created_at']),
    updatedAt: num(r['updated_at']),
    adoptedAt: r['adopted_at'] === null ? null : num(r['adopted_at']),
    attempts: num(r['attempts']),
  };
}

function countsOf(rows: RawRow[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [String(r['state']), Number(r['n'])]));
}

export function openStoreView(where: { sqlitePath: string } | { url: string }): StoreView {
  if ('url' in where) {
    const pool = new pg.Pool({ connectionString: where.url, max: 2 });
    return {
      countsByState: async () => countsOf((await pool.query<RawRow>(COUNT_SQL)).rows),
      submittingBetween: async (from, to) =>
        Number((await pool.query<RawRow>(SUBMITTING_SQL, [from, to])).rows[0]?.['n'] ?? 0),
      rows: async () => (await pool.query<RawRow>(ROW_SQL)).rows.map(toRow),
      close: () => pool.end(),
    };
  }
  // WAL mode: a reader next to the writer process, never blocking it
  const db = new SqliteDatabase(where.sqlitePath, { readonly: true, fileMustExist: true });
  const count = db.prepare(COUNT_SQL);
  const rows = db.prepare(ROW_SQL);
  const submitting = db.prepare(SUBMITTING_SQL.replace('$1', '?').replace('$2', '?'));
  return {
    countsByState: () => Promise.resolve(countsOf(count.all() as RawRow[])),
    submittingBetween: (from, to) =>
      Promise.resolve(Number((submitting.get(from, to) as RawRow | undefined)?.['n'] ?? 0)),
    rows: () => Promise.resolve((rows.all() as RawRow[]).map(toRow)),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Files in the data dir.

function walk(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/** Partial copies anywhere under the data dir (relative paths). */
export function partFiles(dataDir: string): string[] {
  return walk(dataDir)
    .filter((p) => p.endsWith('.part'))
    .map((p) => relative(dataDir, p));
}

export interface LeftBehind {
  /** `*.part` files anywhere under the data dir */
  parts: string[];
  /** results/*.mp4 files no SUCCEEDED task owns */
  orphanResults: string[];
  /** files left in the media checker's tmp dir */
  tmpFiles: string[];
}

export function filesLeftBehind(dataDir: string, succeeded: ReadonlySet<string>): LeftBehind {
  const results = walk(join(dataDir, 'results')).map((p) => relative(join(dataDir, 'results'), p));
  return {
    parts: partFiles(dataDir),
    orphanResults: results.filter(
      (name) => name.endsWith('.mp4') && !succeeded.has(name.slice(0, -'.mp4'.length)),
    ),
    tmpFiles: walk(join(dataDir, 'tmp')).map((p) => relative(dataDir, p)),
  };
}

/**
 * A digest of the source vidgate's child processes compile (src/ under `root`): the working
 * tree may change while a drill runs, and each start (restarts included) loads it anew.
 */
export function sourceDigest(root: string): string {
  const hash = createHash('sha256');
  for (const file of walk(join(root, 'src')).sort()) {
    hash.update(relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}
