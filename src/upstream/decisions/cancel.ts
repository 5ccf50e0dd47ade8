import { backoffMs } from '../../jobs/backoff.js';
import type { TaskRow } from '../../store/task-store.js';
import { later, log, move, type DecisionClock, type TaskAction } from './task-action.js';

/** A canceled task was never billed, whatever an earlier step wrote (ADR 0015). */
function canceled(now: number): TaskAction {
  return move('CANCELED', { finishedAt: now, usage: null, dueReason: null });
}

/**
 * A CHECKING or QUEUED task whose cancel was asked for: nothing was sent upstream, so it is
 * canceled here (the API usually did it already; this covers the request it marked while a
 * worker held the task). Null when no cancel was asked for.
 */
export function decideCancelBeforeUpstream(
  task: Pick<TaskRow, 'cancelRequestedAt'>,
  c: DecisionClock,
): TaskAction[] | null {
  return task.cancelRequestedAt === null ? null : [canceled(c.now)];
}

export type CancelStart =
  | { kind: 'none' }
  | { kind: 'cancel'; upstreamTaskId: string }
  /** the request cannot be carried out upstream: it is dropped and the task goes on */
  | { kind: 'drop'; actions: TaskAction[] };

/**
 * Whether a claimed PENDING task cancels its upstream task before anything else. A channel
 * without cancel (or gone) cannot: the request is dropped, so the API answers
 * UnsupportedOperation and the task is not claimed again and again for it.
 */
export function decideCancelStart(
  task: Pick<TaskRow, 'state' | 'cancelRequestedAt' | 'upstreamTaskId'>,
  canCancel: boolean,
): CancelStart {
  if (task.cancelRequestedAt === null || task.state !== 'PENDING') return { kind: 'none' };
  if (!canCancel || !task.upstreamTaskId)
    return {
      kind: 'drop',
      actions: [
        log('info', 'cancel asked for on a channel that cannot cancel'),
        later(0, { cancelRequestedAt: null }),
      ],
    };
  return { kind: 'cancel', upstreamTaskId: task.upstreamTaskId };
}

export type CancelObservation =
  /** the upstream canceled its task */
  | { kind: 'canceled' }
  /** the upstream refused: its task is no longer PENDING there (running, or already ended) */
  | { kind: 'refused'; code: string }
  /** no answer worth believing (a 429, a 5xx, a lost answer): asked again */
  | { kind: 'failed'; error: string; retryAfterMs?: number };

/**
 * What an upstream cancel's answer means. A refusal drops the request and polls at once: the
 * task's next view (RUNNING, or CANCELED when a lost cancel did act) moves it as usual.
 */
export function decideCancel(obs: CancelObservation, c: DecisionClock): TaskAction[] {
  switch (obs.kind) {
    case 'canceled':
      return [canceled(c.now)];
    case 'refused':
      return [
        log('info', 'upstream refused the cancel; the task runs on', { code: obs.code }),
        later(0, { cancelRequestedAt: null }),
      ];
    case 'failed':
      return [
        log('warn', 'upstream cancel failed; will retry', { err: obs.error }),
        later(backoffMs(3, { random: c.random, retryAfterMs: obs.retryAfterMs })),
      ];
  }
}
