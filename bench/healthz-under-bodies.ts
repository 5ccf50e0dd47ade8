// /healthz latency while legal-but-maximal creates arrive (issue 11), with an idle baseline in
// the same run. vidgate runs as a child process (role api: no workers, so nothing but request
// handling competes with /healthz); the load comes from this process over loopback.
//
//   npx tsx bench/healthz-under-bodies.ts --concurrency 16 --rounds 2 --runs 3
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { distribution, median, type Distribution } from './delay-stats.js';
import { startProbedServer, type LoopDelay, type Server } from './probed-server.js';

const TOKEN = 'vg_bench_healthz_token_0123456789abcdefghijkl';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' },
    'baseline-seconds': { type: 'string', default: '5' },
    'image-mb': { type: 'string', default: '19' },
    // write a CPU profile of the server (run 1) into this directory
    'cpu-prof': { type: 'string' },
  },
});
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const RUNS = Number(args.runs);
const BASELINE_MS = Number(args['baseline-seconds']) * 1000;

/** A PNG of random noise near the size limit: noise does not compress. */
function maximalImage(dir: string, megabytes: number): string {
  const side = Math.floor(Math.sqrt((megabytes * 1024 * 1024) / 3));
  const path = join(dir, 'noise.png');
  // prettier-ignore
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi',
    '-i', `nullsrc=s=${side}x${side},geq=random(1)*255:random(2)*255:random(3)*255`,
    '-frames:v', '1', '-pix_fmt', 'rgb24', path,
  ]);
  return `data:image/png;base64,${readFileSync(path).toString('base64')}`;
}

function maximalBody(image: string, i: number): string {
  return JSON.stringify({
    model: 'wan2.6-i2v',
    input: {
      // the longest prompts accepted (4x the documented lengths), distinct per request
      prompt: `${i} ${'海'.repeat(5990)}`,
      negative_prompt: 'n'.repeat(2000),
      img_url: image,
    },
    parameters: { resolution: '720P', duration: 5 },
  });
}

/**
 * Polls /healthz every 10 ms from a thread of its own until stopped; each sample is its answer
 * time. In this thread the samples would include the bench's own pauses (sending 16 bodies).
 */
function probeHealth(url: string): { stop(): Promise<number[]> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const samples = [];
    let running = true;
    parentPort.on('message', () => { running = false; });
    (async () => {
      while (running) {
        const t0 = performance.now();
        const res = await fetch(workerData + '/healthz');
        await res.arrayBuffer();
        samples.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
      parentPort.postMessage(samples);
    })();
  `;
  const worker = new Worker(code, { eval: true, workerData: url });
  return {
    stop: () =>
      new Promise<number[]>((resolve, reject) => {
        worker.once('message', (samples: number[]) => {
          void worker.terminate();
          resolve(samples);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

function rounded(values: number[]): Distribution {
  const d = distribution(values);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { count: d.count, median: r(d.median), p90: r(d.p90), p99: r(d.p99), max: r(d.max) };
}

function rssPeakMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

interface RunResult {
  idle: Distribution;
  loaded: Distribution;
  /** how late the server's own 10 ms timer fired while the creates arrived */
  serverLoop: LoopDelay;
  creates: Distribution;
  statuses: Record<string, number>;
  rssPeakMb: number;
  bodyMb: number;
}

async function oneRun(image: string, cpuProf: string | undefined): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vidgate-bench-healthz-'));
  let proc: Server | undefined;
  try {
    // the loop probe (bench/loop-probe.ts) tells a blocked event loop from a starved process:
    // /healthz seen from outside includes both
    proc = await startProbedServer(
      {
        VIDGATE_DATA_DIR: dataDir,
        VIDGATE_BOOTSTRAP_TOKEN: TOKEN,
        VIDGATE_ROLE: 'api',
        VIDGATE_LOG_LEVEL: 'warn',
      },
      { cpuProf, sqlTiming: false },
    );
    const url = proc.url;
    const idleProbe = probeHealth(url);
    await sleep(BASELINE_MS);
    const idle = await idleProbe.stop();

    const createTimes: number[] = [];
    const statuses: Record<string, number> = {};
    // built before the load starts: building them is the bench's work, not the server's
    const bodies = Array.from({ length: ROUNDS * CONCURRENCY }, (_, i) =>
      Buffer.from(maximalBody(image, i)),
    );
    const bodyMb = Math.round(((bodies[0]?.length ?? 0) / 1024 / 1024) * 10) / 10;
    const loadedProbe = probeHealth(url);
    await proc.loopReset();
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, i) => {
          const body = bodies[round * CONCURRENCY + i];
          const t0 = performance.now();
          const res = await fetch(`${url}/task/bailian/image2video`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body,
          });
          await res.arrayBuffer();
          createTimes.push(performance.now() - t0);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        }),
      );
    }
    const serverLoop = await proc.loopReport();
    const loaded = await loadedProbe.stop();
    const pid = proc.child.pid ?? 0;
    return {
      idle: rounded(idle),
      loaded: rounded(loaded),
      serverLoop,
      creates: rounded(createTimes),
      statuses,
      rssPeakMb: rssPeakMb(pid),
      bodyMb,
    };
  } finally {
    await proc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vidgate-bench-image-'));
try {
  const image = maximalImage(dir, Number(args['image-mb']));
  const results: RunResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    const res = await oneRun(image, r === 0 ? args['cpu-prof'] : undefined);
    results.push(res);
    console.log(
      `run ${r + 1}: body ${res.bodyMb} MB; /healthz idle p50 ${res.idle.median} p99 ${res.idle.p99} ms; ` +
        `under ${CONCURRENCY} concurrent creates p50 ${res.loaded.median} p99 ${res.loaded.p99} max ${res.loaded.max} ms; ` +
        `server loop late p99 ${res.serverLoop.p99} max ${res.serverLoop.max} ms; ` +
        `creates p50 ${res.creates.median} max ${res.creates.max} ms ${JSON.stringify(res.statuses)}; ` +
        `RSS peak ${res.rssPeakMb} MB; load ${loadavg()[0]?.toFixed(2)}`,
    );
  }
  const m = (f: (r: RunResult) => number) => median(results.map(f));
  console.log(
    `\nmedians of ${RUNS} runs: /healthz idle p99 ${m((r) => r.idle.p99)} ms, ` +
      `loaded p50 ${m((r) => r.loaded.median)} p99 ${m((r) => r.loaded.p99)} max ${m((r) => r.loaded.max)} ms; ` +
      `server loop late p99 ${m((r) => r.serverLoop.p99)} max ${m((r) => r.serverLoop.max)} ms; ` +
      `create max ${m((r) => r.creates.max)} ms; RSS peak ${m((r) => r.rssPeakMb)} MB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
