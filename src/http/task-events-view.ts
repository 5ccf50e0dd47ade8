import { z } from 'zod';
import { formatDashScopeTime } from '../shared/dashscope-time.js';
import type { TaskEventRow } from '../store/task-events.js';
import { WIRE_STATUS } from '../tasks/status.js';

/** One state change as `GET /task/{id}/events` shows it (a vidgate extension). */
export interface TaskEventOutput {
  seq: number;
  /** DashScope time format, like the task body's times */
  time: string;
  /** vidgate's own states (docs/architecture.md); `from` is absent on the first event */
  from?: string;
  to: string;
  /** the wire status the task showed after the change */
  task_status: string;
  upstream_task_id?: string;
  code?: string;
  message?: string;
  usage?: Record<string, unknown>;
  attempts?: number;
  result_bytes?: number;
}

const factsSchema = z.object({
  upstreamTaskId: z.string().nullish(),
  errorCode: z.string().nullish(),
  errorMessage: z.string().nullish(),
  usage: z.string().nullish(),
  attempts: z.number().nullish(),
  resultBytes: z.number().nullish(),
});
const usageSchema = z.record(z.string(), z.unknown());

/** Usage is stored as the upstream sent it; an event shows it only when it is a JSON object. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function renderTaskEvents(
  taskId: string,
  rows: readonly TaskEventRow[],
  requestId: string,
): { request_id: string; output: { task_id: string; events: TaskEventOutput[] } } {
  const events = rows.map((r): TaskEventOutput => {
    // facts were written by the store's own trigger; anything else in them is left out
    const facts = factsSchema.parse(JSON.parse(r.facts));
    const out: TaskEventOutput = {
      seq: Number(r.seq),
      time: formatDashScopeTime(Number(r.at)),
      to: r.toState,
      task_status: WIRE_STATUS[r.toState],
    };
    if (r.fromState !== null) out.from = r.fromState;
    if (facts.upstreamTaskId) out.upstream_task_id = facts.upstreamTaskId;
    if (facts.errorCode) out.code = facts.errorCode;
    if (facts.errorMessage) out.message = facts.errorMessage;
    const usage = facts.usage ? usageSchema.safeParse(parseJson(facts.usage)) : undefined;
    if (usage?.success) out.usage = usage.data;
    if (typeof facts.attempts === 'number') out.attempts = facts.attempts;
    if (typeof facts.resultBytes === 'number') out.result_bytes = facts.resultBytes;
    return out;
  });
  return { request_id: requestId, output: { task_id: taskId, events } };
}
