import { backoffMs } from '../../jobs/backoff.js';
import type { ProviderError } from '../../providers/provider-error.js';
import type { SubmitResult } from '../../providers/provider.js';
import type { TaskRow } from '../../store/task-store.js';
import { decideView, type PolledTask } from './polling.js';
import { fail, log, move, type DecisionClock, type TaskAction } from './task-action.js';

/** how long a channel that cannot serve (quota, arrears, a bad key) is left alone */
export const CHANNEL_PAUSE_MS = 5 * 60 * 1000;
/** a lost submit's first look at the task list waits this long: the create may still land */
const FIRST_RECONCILE_MS = 2000;

/** The evidence columns are cleared when the task goes back to the queue: no submit is open. */
const BACK_TO_QUEUE = { channelId: null, evidencePrompt: null, evidenceSeconds: null } as const;

/**
 * A SUBMITTING task whose lease ran out: its worker died mid-submit, and the submit may have
 * reached the upstream, so it is never resent blindly (ADR 0011).
 */
export function decideAbandonedSubmit(c: DecisionClock): TaskAction[] {
  return [move('UNCERTAIN', { uncertainSince: c.now, nextRunAt: c.now })];
}

export type SubmitOutcome =
  | { kind: 'created'; result: SubmitResult; estimateMs: number }
  | { kind: 'failed'; error: ProviderError };

export type SubmittedTask = PolledTask & Pick<TaskRow, 'attempts'>;

/** What the answer to a submit means for the task that sent it. */
export function decideSubmitted(
  task: SubmittedTask,
  outcome: SubmitOutcome,
  c: DecisionClock & { watched: boolean },
): TaskAction[] {
  const now = c.now;
  if (outcome.kind === 'created') {
    const { result } = outcome;
    const estimate = result.expectedRunMs ?? outcome.estimateMs;
    return decideView(task, result.view, c, {
      upstreamTaskId: result.upstreamTaskId,
      etaAt: Math.round(Number(task.submittedAt ?? now) + estimate),
      errorCode: null,
      errorMessage: null,
    });
  }
  const e = outcome.error;
  const logged: TaskAction = log('warn', 'submit failed', { kind: e.kind, code: e.code });
  switch (e.kind) {
    case 'reject':
      return [logged, fail(e.code, e.message, now)];
    case 'uncertain':
      return [
        logged,
        move('UNCERTAIN', { uncertainSince: now, nextRunAt: now + FIRST_RECONCILE_MS }),
      ];
    case 'channel':
      return [
        logged,
        { kind: 'pauseChannel', untilMs: now + CHANNEL_PAUSE_MS, code: e.code },
        move('QUEUED', { ...BACK_TO_QUEUE, nextRunAt: now }),
      ];
    case 'retry': {
      const wait = backoffMs(task.attempts, { retryAfterMs: e.retryAfterMs, random: c.random });
      return [logged, move('QUEUED', { ...BACK_TO_QUEUE, nextRunAt: now + wait })];
    }
  }
}
