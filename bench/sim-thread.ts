import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { SimAccountStats } from '../src/simulator/simulator.js';
import type { Workload } from './polling-workload.js';
import type { UpstreamTask } from './upstream-record.js';

/** What the simulator thread is started with: the workload, durations included. */
export const simThreadInput = z.object({
  tasks: z.number().int().positive(),
  seed: z.number().int(),
  timeScale: z.number().positive(),
  durations: z.array(z.object({ queueMs: z.number(), runMs: z.number() })),
});

/** [clock ms, account query requests so far, of them answered 429 for the query rate] */
export type SimSample = [at: number, queries: number, rejected: number];

export interface SimCollection {
  stats: SimAccountStats;
  tasks: UpstreamTask[];
  samples: SimSample[];
}

export type SimThreadReply =
  { type: 'ready'; url: string } | ({ type: 'collected' } & SimCollection) | { type: 'closed' };

const replyType = z.object({ type: z.enum(['ready', 'collected', 'closed']) });

/** A simulator on its own thread, reached over loopback HTTP like the real service. */
export interface SimThread {
  /** base URL for DashScope clients (…/api/v1) */
  url: string;
  collect(): Promise<SimCollection>;
  close(): Promise<void>;
}

/**
 * Starts the simulator in a worker thread. In vidgate's thread its request times would be read
 * only when vidgate's event loop let it run, bunching requests that left seconds apart.
 */
export async function startSimThread(w: Workload): Promise<SimThread> {
  // the benchmark runs under tsx, whose loader a worker thread does not inherit: register it
  // there first, then load the TypeScript entry
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sim-thread-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: simThreadInput.parse(w) });
  const waiters: ((m: SimThreadReply) => void)[] = [];
  let failure: Error | null = null;
  worker.on('message', (raw: unknown) => {
    replyType.parse(raw);
    waiters.shift()?.(raw as SimThreadReply);
  });
  worker.on('error', (err) => {
    failure = err;
  });
  const next = (): Promise<SimThreadReply> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiters.push(resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`simulator thread exited with ${code}`)));
    });

  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`simulator thread answered ${ready.type}`);
  return {
    url: ready.url,
    async collect() {
      const reply = next();
      worker.postMessage({ type: 'collect' });
      const m = await reply;
      if (m.type !== 'collected') throw new Error(`simulator thread answered ${m.type}`);
      return { stats: m.stats, tasks: m.tasks, samples: m.samples };
    },
    async close() {
      const reply = next();
      worker.postMessage({ type: 'close' });
      await reply;
      await worker.terminate();
    },
  };
}
