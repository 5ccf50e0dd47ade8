import type { SimTaskFailure } from './sim-options.js';

/** A create body the simulator accepted: as received, `parameters` defaulted to {}. */
export interface SimCreateBody {
  model: string;
  input: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

/** DashScope's task statuses; UNKNOWN is an answer, never a stored state. */
export type SimTaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** One request a client made about a task, as the simulator answered it. */
export interface SimTaskRequest {
  kind: 'create' | 'query' | 'cancel';
  /** clock ms */
  at: number;
  /** HTTP status answered (or that would have been, for a lost answer) */
  status: number;
  requestId: string;
}

/**
 * A task the simulator created. Its status is a pure function of the clock (see statusAt), so
 * thousands of tasks need no timers.
 */
export interface SimTask {
  taskId: string;
  accountId: string;
  /** the key the create came with */
  apiKey: string;
  model: string;
  /** the create body as received (parameters defaulted to {}) */
  body: SimCreateBody;
  /** request_id the simulator answered the create with */
  requestId: string;
  /** the client's `X-Request-Id` header on the create, if any */
  clientRequestId: string | null;
  submitAt: number;
  scheduledAt: number;
  endAt: number;
  canceledAt: number | null;
  failure: SimTaskFailure | null;
  /** the create's answer never reached the client (lostAnswer fault) */
  answerLost: boolean;
  requests: SimTaskRequest[];
}

/** The status a task had at clock time `t` (t >= submitAt). */
export function statusAt(task: SimTask, t: number): SimTaskStatus {
  if (task.canceledAt !== null && t >= task.canceledAt) return 'CANCELED';
  if (t < task.scheduledAt) return 'PENDING';
  if (t < task.endAt) return 'RUNNING';
  return task.failure ? 'FAILED' : 'SUCCEEDED';
}

/** When the task stops counting against the account's concurrency. */
export function finishAt(task: SimTask): number {
  return task.canceledAt ?? task.endAt;
}

/** A copy safe to hand out: callers may keep it while the simulator goes on. */
export function snapshotTask(task: SimTask): SimTask {
  return { ...task, requests: [...task.requests] };
}
