import type { TaskPatch } from '../../store/task-store.js';
import type { TaskState } from '../../tasks/status.js';

/**
 * What a decision asks the executor (TaskTransitions.apply) to do with the task it holds. A
 * decision returns at most one `move` or `later`, which ends the step and the lease; the side
 * actions before it run first, in order.
 */
export type TaskAction =
  /** a conditional state change that writes its task event (TaskStore.transition) */
  | { kind: 'move'; to: TaskState; patch: TaskPatch }
  /** stays in its state and is claimed again `afterMs` from now */
  | { kind: 'later'; afterMs: number; patch?: TaskPatch }
  /** the task's channel serves nothing until `untilMs` (quota, arrears, a revoked key) */
  | { kind: 'pauseChannel'; untilMs: number; code: string }
  /** a finished run, for the ETA estimator */
  | { kind: 'observeRunTime'; ms: number }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields?: LogFields };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What every decision is given besides its task and observation: time and chance, injected. */
export interface DecisionClock {
  now: number;
  /** in [0, 1): jitter of backoffs; tests pass a constant */
  random: () => number;
}

export function move(to: TaskState, patch: TaskPatch = {}): TaskAction {
  return { kind: 'move', to, patch };
}

export function later(afterMs: number, patch?: TaskPatch): TaskAction {
  return { kind: 'later', afterMs: Math.max(0, Math.round(afterMs)), ...(patch ? { patch } : {}) };
}

export function fail(
  code: string,
  message: string,
  now: number,
  patch: TaskPatch = {},
): TaskAction {
  return move('FAILED', { ...patch, errorCode: code, errorMessage: message, finishedAt: now });
}

export function log(
  level: 'info' | 'warn' | 'error',
  message: string,
  fields?: LogFields,
): TaskAction {
  return { kind: 'log', level, message, ...(fields ? { fields } : {}) };
}
