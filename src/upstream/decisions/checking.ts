import { backoffMs } from '../../jobs/backoff.js';
import type { TaskRow } from '../../store/task-store.js';
import { fail, later, log, move, type DecisionClock, type TaskAction } from './task-action.js';

export type CheckObservation =
  | { kind: 'checked'; ok: true }
  | { kind: 'checked'; ok: false; code: string; message: string }
  /** the check could not run (a store or storage error): no verdict on the media */
  | { kind: 'checkFailed'; error: string };

/** What the media check of a CHECKING task means: a task failing here costs nothing upstream. */
export function decideChecked(
  task: Pick<TaskRow, 'attempts'>,
  obs: CheckObservation,
  c: DecisionClock,
): TaskAction[] {
  if (obs.kind === 'checkFailed') {
    return [
      log('warn', 'media check could not run; will retry', { err: obs.error }),
      later(backoffMs(task.attempts + 2, { random: c.random })),
    ];
  }
  if (!obs.ok) return [fail(obs.code, obs.message, c.now)];
  return [move('QUEUED', { nextRunAt: c.now })];
}
