import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateMediaTools } from '../../src/media/ffmpeg.js';
import { SafeMediaFetcher } from '../../src/media/safe-media-fetcher.js';
import { findModel } from '../../src/models/model-table.js';
import { PNG_URI, validBody, withField } from '../../src/models/request-case-bodies.js';
import type { ProviderDeps, VideoProvider } from '../../src/providers/provider.js';
import { findProvider } from '../../src/providers/registry.js';
import { silentLogger } from '../../src/shared/logger.js';
import {
  acceptedBody,
  ManualClock,
  type HarnessFactory,
  type ProviderHarness,
  setupOf,
} from './provider-harness.js';

/** Queue and run times shrink by this much: a task's phases span under 130 clock ms. */
const TIME_SCALE = 0.01;

const definition = findProvider('sandbox');
if (!definition) throw new Error('the sandbox provider is not registered');
const sandbox = definition;

/** The sandbox with a temp workDir; every instance of one harness shares it. */
export const sandboxHarness: HarnessFactory = {
  definition: sandbox,
  // it renders in-process: there is no transport to fault
  hasTransport: false,
  start(): Promise<ProviderHarness> {
    const workDir = mkdtempSync(join(tmpdir(), 'vidgate-conformance-sandbox-'));
    const clock = new ManualClock();
    const deps: ProviderDeps = {
      clock,
      logger: silentLogger,
      tools: locateMediaTools({ pathEnv: process.env['PATH'] ?? '' }),
      fetcher: new SafeMediaFetcher({ timeoutMs: 10_000 }),
      workDir,
    };
    const setup = setupOf(sandbox, { VIDGATE_SANDBOX_TIME_SCALE: String(TIME_SCALE) });
    const open: VideoProvider[] = [];
    const flash = findModel('wan2.6-i2v-flash');
    if (!flash) throw new Error('wan2.6-i2v-flash is not in the model table');
    return Promise.resolve({
      clock,
      // SandboxProvider.createJob: queue 1500 + 0..1999 ms, run 5000 + 0..3999 ms, scaled
      queueMaxMs: Math.round(3499 * TIME_SCALE),
      runMaxMs: Math.round(8999 * TIME_SCALE),
      // a PNG signature with no image behind it: accepted at the edge, refused by the render
      failing: {
        body: acceptedBody('first-frame', withField(validBody(flash), 'input.img_url', PNG_URI)),
        code: 'InvalidParameter',
      },
      create: () => {
        const p = setup.create({ maxConcurrentRenders: 2 }, deps);
        open.push(p);
        return p;
      },
      close: async () => {
        for (const p of open) await p.close?.();
        rmSync(workDir, { recursive: true, force: true });
      },
    });
  },
};
