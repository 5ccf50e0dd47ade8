import type { TaskRow } from '../../store/task-store.js';
import { fail, later, move, type DecisionClock, type TaskAction } from './task-action.js';

/** a queued task whose model no channel has room for right now looks again after this long */
const NO_CANDIDATE_RETRY_MS = 2000;
/**
 * A queued task that found every channel full looks again after this long at the latest; a slot
 * freeing wakes the head of the queue at once, so this only bounds what another process frees.
 */
export const FULL_CHANNEL_BACKSTOP_MS = 2000;

export type QueuedTask = Pick<TaskRow, 'model' | 'dispatchDeadline' | 'attempts'>;

/** What the channels offer a queued task, as the dispatcher found them. */
export type DispatchObservation =
  /** no enabled, unpaused channel serves the model; `anyServes` counts paused ones too */
  | { kind: 'noCandidate'; anyServes: boolean }
  /** candidates exist, and each was at its running limit (or lost the admission race) */
  | { kind: 'allFull' }
  /** admitted on a channel whose submit budget was spent meanwhile */
  | { kind: 'noSubmitSlot'; retryAfterMs: number };

/** Whether a queued task may still look for a channel at all. */
export function decideDispatchable(task: QueuedTask, c: DecisionClock): TaskAction[] | null {
  if (c.now <= Number(task.dispatchDeadline)) return null;
  return [
    fail(
      'RequestTimeOut',
      'No upstream channel had room for the task before the dispatch deadline; nothing was charged.',
      c.now,
    ),
  ];
}

export function decideDispatch(
  task: QueuedTask,
  obs: DispatchObservation,
  c: DecisionClock,
): TaskAction[] {
  switch (obs.kind) {
    case 'noCandidate':
      return obs.anyServes
        ? [later(NO_CANDIDATE_RETRY_MS)]
        : [fail('ModelUnavailable', `No channel serves model ${task.model}.`, c.now)];
    case 'allFull':
      return [later(FULL_CHANNEL_BACKSTOP_MS)];
    case 'noSubmitSlot':
      // the admission is undone: nothing was sent, so the attempt does not count
      return [
        move('QUEUED', {
          channelId: null,
          submittedAt: null,
          attempts: task.attempts - 1,
          nextRunAt: c.now + obs.retryAfterMs,
        }),
      ];
  }
}
