import { locateMediaTools } from '../../src/media/ffmpeg.js';
import { SafeMediaFetcher } from '../../src/media/safe-media-fetcher.js';
import { findModel } from '../../src/models/model-table.js';
import { validBody, withField } from '../../src/models/request-case-bodies.js';
import type { ProviderDeps, VideoProvider } from '../../src/providers/provider.js';
import { findProvider } from '../../src/providers/registry.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startDashScopeSimulator } from '../../src/simulator/simulator.js';
import {
  acceptedBody,
  ManualClock,
  type HarnessFactory,
  type ProviderHarness,
  setupOf,
} from './provider-harness.js';

const KEY = 'sk-conformance-0123456789';
const TIME_SCALE = 0.01;
const QUEUE_MS = 1000;
const RUN_MS = 3000;

const definition = findProvider('dashscope');
if (!definition) throw new Error('the dashscope provider is not registered');
const dashscope = definition;

/** DashScope's client against the simulator on loopback, both reading the harness's clock. */
export const dashscopeHarness: HarnessFactory = {
  definition: dashscope,
  hasTransport: true,
  async start(): Promise<ProviderHarness> {
    const clock = new ManualClock();
    const tools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
    const sim = await startDashScopeSimulator({
      clock,
      // the clock stands still while a test polls, so the per-second limits would count every
      // request of a test as one burst; they are not what this suite is about
      accounts: [
        {
          id: 'conformance',
          region: 'beijing',
          keys: [KEY],
          limits: { createPerSecond: 1000, concurrentTasks: 1000, queriesPerSecond: 1000 },
        },
      ],
      durations: { queueMs: QUEUE_MS, runMs: RUN_MS },
      timeScale: TIME_SCALE,
      // real videos of the requested size and length, so results can be probed
      render: true,
      mediaTools: tools,
    });
    const deps: ProviderDeps = {
      clock,
      logger: silentLogger,
      tools,
      fetcher: new SafeMediaFetcher({ timeoutMs: 30_000 }),
      workDir: '',
    };
    const setup = setupOf(dashscope, {});
    const open: VideoProvider[] = [];
    const make = (apiKeys: string[]): VideoProvider => {
      const p = setup.create({ baseUrl: sim.url, apiKeys, requestTimeoutMs: 10_000 }, deps);
      open.push(p);
      return p;
    };
    const t2v = findModel('wan2.6-t2v');
    if (!t2v) throw new Error('wan2.6-t2v is not in the model table');
    return {
      clock,
      queueMaxMs: QUEUE_MS * TIME_SCALE,
      runMaxMs: RUN_MS * TIME_SCALE,
      // the simulator's content-inspection trigger (sim-options.ts contentFailure)
      failing: {
        body: acceptedBody(
          'text',
          withField(validBody(t2v), 'input.prompt', 'a harbour at dusk FAIL_CONTENT'),
        ),
        code: 'DataInspectionFailed',
      },
      create: () => make([KEY]),
      createWithBadCredential: () => make(['sk-not-a-key-of-this-account']),
      injectFault: (target, fault) => {
        const step =
          fault.kind === 'rate429'
            ? { kind: fault.kind, retryAfterSec: fault.retryAfterSec }
            : fault.kind === 'error5xx'
              ? { kind: fault.kind, status: fault.status }
              : { kind: fault.kind };
        // the simulator faults queries, lists and cancels as one group
        sim.setFaults(
          target === 'submit' ? { create: { queue: [step] } } : { query: { queue: [step] } },
        );
      },
      close: async () => {
        for (const p of open) await p.close?.();
        await sim.close();
      },
    };
  },
};
