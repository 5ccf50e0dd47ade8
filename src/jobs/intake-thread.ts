// An intake thread: parses and checks create bodies too large for the event loop (IntakePool).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { locateMediaTools } from '../media/ffmpeg.js';
import { buildMediaChecker } from '../media/build-media-checker.js';
import { MODEL_MODES } from '../models/model-table.js';
import { parseBoundedJson } from '../shared/json-depth.js';
import { buildStorage } from '../storage/build-storage.js';
import { intakeCreate, type Intake } from '../tasks/create-intake.js';
import { TaskInputs } from '../tasks/task-inputs.js';

/** nice value of an intake thread: below the event loop's 0 */
const INTAKE_NICE = 10;

export const intakeSetupSchema = z.object({
  dataDir: z.string(),
  /** the process's Config.storage: the thread keeps inline inputs where the process reads them */
  storage: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file') }),
    z.object({
      kind: z.literal('s3'),
      bucket: z.string(),
      prefix: z.string(),
      forcePathStyle: z.boolean(),
    }),
  ]),
  mediaAllowHosts: z.array(z.string()),
  ffmpegPath: z.string().optional(),
  ffprobePath: z.string().optional(),
  pathEnv: z.string(),
});
export type IntakeSetup = z.infer<typeof intakeSetupSchema>;

const jobSchema = z.object({
  seq: z.number(),
  taskId: z.string(),
  mode: z.enum([...MODEL_MODES, 'native']),
  bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array),
});
export interface IntakeJob {
  seq: number;
  taskId: string;
  mode: (typeof MODEL_MODES)[number] | 'native';
  bytes: Uint8Array;
}
export interface IntakeAnswer {
  seq: number;
  intake: Intake;
}

/** Parses like the HTTP edge does (depth first, then JSON.parse), then runs the intake. */
async function run(deps: Parameters<typeof intakeCreate>[0], job: IntakeJob): Promise<Intake> {
  const parsed = parseBoundedJson(job.bytes);
  if (!parsed.ok) return parsed;
  return intakeCreate(deps, job.taskId, job.mode, parsed.value);
}

/**
 * Lowers this thread's CPU priority below the event loop's (Linux: a thread is a task with its own
 * nice value, found through /proc/thread-self). A body's check can wait a few milliseconds; the
 * event loop, which answers every other request, cannot. Elsewhere a no-op.
 */
function yieldToEventLoop(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, INTAKE_NICE);
  } catch {
    // no /proc, or not allowed: the thread keeps the process's priority
  }
}

if (parentPort && (workerData as { kind?: unknown } | null)?.kind === 'intake-thread') {
  yieldToEventLoop();
  const port = parentPort;
  const setup = intakeSetupSchema.parse((workerData as { setup: unknown }).setup);
  const tools = locateMediaTools(setup);
  const { media } = buildMediaChecker(setup, tools);
  const deps = { media, inputs: new TaskInputs(buildStorage(setup.storage, setup.dataDir)) };
  port.on('message', (message: unknown) => {
    const job = jobSchema.parse(message);
    run(deps, job).then(
      (intake) => port.postMessage({ seq: job.seq, intake } satisfies IntakeAnswer),
      (err: unknown) =>
        port.postMessage({
          seq: job.seq,
          intake: {
            ok: false,
            code: 'InternalError',
            message: `vidgate could not check the request (${err instanceof Error ? err.name : 'error'}).`,
          },
        } satisfies IntakeAnswer),
    );
  });
}
