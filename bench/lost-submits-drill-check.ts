/**
 * The checks of the lost-submits drill (bench/lost-submits-drill.ts): every accepted task is
 * terminal, and a SUCCEEDED one serves, byte for byte, the video the simulator made for the
 * upstream task created for its own request.
 */
import { z } from 'zod';
import type { DashScopeSimulator, SimTask } from '../src/simulator/simulator.js';
import { simTaskIdOf } from '../src/simulator/sim-video.js';
import { taskBodySchema } from '../test/e2e/helpers.js';
import type { VidgateProcess } from '../test/support/vidgate-process.js';
import { DRILL_KEY, TERMINAL, type DrillTask, type StoredRow } from './lost-submits-drill-rig.js';

const simTaskSchema = z.object({ output: z.object({ video_url: z.string().min(1) }) });

export const isTerminal = (state: string): boolean =>
  (TERMINAL as readonly string[]).includes(state);

export async function inParallel<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (item !== undefined) await fn(item);
    }
  };
  await Promise.all(Array.from({ length: n }, lane));
}

export async function simVideo(sim: DashScopeSimulator, upstreamId: string): Promise<Buffer> {
  const res = await fetch(`${sim.url}/tasks/${upstreamId}`, {
    headers: { authorization: `Bearer ${DRILL_KEY}` },
  });
  const link = simTaskSchema.parse(await res.json()).output.video_url;
  const video = await fetch(link);
  if (video.status !== 200) throw new Error(`simulator video ${upstreamId}: ${video.status}`);
  return Buffer.from(await video.arrayBuffer());
}

export function requestsOf(t: SimTask) {
  return {
    taskId: t.taskId,
    clientRequestId: t.clientRequestId,
    prompt: t.body.input['prompt'],
    submitAt: t.submitAt,
    endAt: t.endAt,
    answerLost: t.answerLost,
    requests: t.requests,
  };
}

export interface CheckCounts {
  succeeded: number;
  failed: number;
  failedBy: Record<string, number>;
  nonTerminal: number;
  /** the video names an upstream task not created for this request (or none) */
  crossed: number;
  /** the row's upstream_task_id is not the task the video came from */
  boundMismatch: number;
  /** vidgate's bytes differ from what the simulator serves for that upstream task */
  bytesMismatch: number;
  /** orig_prompt in the answer is not the request's prompt */
  promptMismatch: number;
}

export interface Checked {
  counts: CheckCounts;
  problemIds: string[];
  problemOf: Map<string, string>;
  /** for a crossed task: the upstream task its video came from */
  videoFrom: Map<string, unknown>;
}

/** Every accepted task: terminal, and a SUCCEEDED one holding its own request's video. */
export async function check(
  accepted: Map<string, DrillTask>,
  byId: Map<string, StoredRow>,
  simTasks: SimTask[],
  sim: DashScopeSimulator,
  proc: VidgateProcess,
  token: string,
): Promise<Checked> {
  const simById = new Map(simTasks.map((t) => [t.taskId, t]));
  const counts: Checked['counts'] = {
    succeeded: 0,
    failed: 0,
    failedBy: {},
    nonTerminal: 0,
    crossed: 0,
    boundMismatch: 0,
    bytesMismatch: 0,
    promptMismatch: 0,
  };
  const problemOf = new Map<string, string>();
  const videoFrom = new Map<string, unknown>();
  const flag = (id: string, what: string): void => {
    problemOf.set(id, [problemOf.get(id), what].filter(Boolean).join('; '));
  };
  await inParallel([...accepted], 8, async ([id, task]) => {
    const row = byId.get(id);
    if (!row || !isTerminal(row.state)) {
      counts.nonTerminal++;
      flag(id, `not terminal: ${row?.state ?? 'no row'}`);
      return;
    }
    if (row.state !== 'SUCCEEDED') {
      counts.failed++;
      const code = row.errorCode ?? row.state;
      counts.failedBy[code] = (counts.failedBy[code] ?? 0) + 1;
      flag(id, `${row.state} ${row.errorCode}: ${row.errorMessage}`);
      return;
    }
    counts.succeeded++;
    const res = await fetch(`${proc.url}/task/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = taskBodySchema.parse(await res.json());
    const link = new URL(body.output.video_url ?? `${proc.url}/missing`);
    const video = await fetch(`${proc.url}${link.pathname}${link.search}`);
    const bytes = Buffer.from(await video.arrayBuffer());
    const named = video.status === 200 ? simTaskIdOf(bytes) : null;
    const made = named === null ? undefined : simById.get(named);
    if (!made || made.clientRequestId !== id || made.body.input['prompt'] !== task.prompt) {
      counts.crossed++;
      flag(id, `crossed: video ${video.status} names ${named}`);
      if (made) videoFrom.set(id, requestsOf(made));
      return;
    }
    if (row.upstreamTaskId !== named) {
      counts.boundMismatch++;
      flag(id, `row holds ${row.upstreamTaskId}, video from ${named}`);
    }
    if (body.output['orig_prompt'] !== task.prompt) {
      counts.promptMismatch++;
      flag(id, `orig_prompt ${JSON.stringify(body.output['orig_prompt'])}`);
    }
    if (!bytes.equals(await simVideo(sim, made.taskId))) {
      counts.bytesMismatch++;
      flag(id, `bytes differ from the simulator's for ${made.taskId}`);
    }
  });
  // FAILED tasks are reported but not defects; everything else flagged is
  return { counts, problemIds: [...problemOf.keys()], problemOf, videoFrom };
}
