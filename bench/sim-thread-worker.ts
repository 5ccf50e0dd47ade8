import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { startDashScopeSimulator } from '../src/simulator/simulator.js';
import { durationsByIndex } from './polling-workload.js';
import { BENCH_ACCOUNT, benchAccount, toUpstreamTask } from './upstream-record.js';
import { simThreadInput, type SimSample, type SimThreadReply } from './sim-thread.js';

// Entry of the simulator's own thread (see sim-thread.ts): DashScope is another machine, so its
// clock readings must not wait behind vidgate's event loop.
const port = parentPort;
if (!port) throw new Error('sim-thread-worker runs as a worker thread only');
const w = simThreadInput.parse(workerData);
const sim = await startDashScopeSimulator({
  accounts: [benchAccount()],
  durations: durationsByIndex(w),
  timeScale: w.timeScale,
  seed: w.seed,
});
const post = (m: SimThreadReply): void => port.postMessage(m);
const samples: SimSample[] = [];
const account = () => {
  const stats = sim.stats().accounts[BENCH_ACCOUNT];
  if (!stats) throw new Error('the simulator lost the benchmark account');
  return stats;
};
const sampler = setInterval(() => {
  const a = account();
  samples.push([Date.now(), a.queryRequests, a.throttled.queryRate]);
}, 100);
port.on('message', (raw: unknown) => {
  const m = z.object({ type: z.enum(['collect', 'close']) }).parse(raw);
  if (m.type === 'collect') {
    post({ type: 'collected', stats: account(), tasks: sim.tasks().map(toUpstreamTask), samples });
    return;
  }
  clearInterval(sampler);
  void sim.close().then(() => {
    post({ type: 'closed' });
    port.close();
  });
});
post({ type: 'ready', url: sim.url });
