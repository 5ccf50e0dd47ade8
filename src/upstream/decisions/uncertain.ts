import { backoffMs } from '../../jobs/backoff.js';
import type { TaskPatch, TaskRow } from '../../store/task-store.js';
import type { LostSubmitVerdict } from '../lost-submits.js';
import { fail, later, log, move, type DecisionClock, type TaskAction } from './task-action.js';

/** another task took the found upstream task between the list and the update: look again soon */
const ADOPT_RACE_RETRY_MS = 500;

/** Actions only a lost submit needs, besides the common ones. */
export type ReconcileAction =
  | TaskAction
  /** attach the upstream task (TaskStore.attachLost: one task per upstream task, ever) */
  | { kind: 'adopt'; upstreamTaskId: string; patch: TaskPatch; onRace: TaskAction }
  /** lost submits this verdict settled are looked at again now */
  | { kind: 'wakeUncertain'; ids: string[] }
  /** a running slot was freed: the head of the queue need not wait for its backstop */
  | { kind: 'wakeQueue' };

export type UncertainTask = Pick<TaskRow, 'submittedAt' | 'uncertainSince' | 'slotReleasedAt'>;

export type ReconcileObservation =
  /** the channel is gone or cannot list tasks: such an upstream cannot have lost a create */
  | { kind: 'noList' }
  | { kind: 'noSlot'; retryAfterMs: number }
  | { kind: 'listFailed'; error: string }
  | { kind: 'verdict'; verdict: LostSubmitVerdict; estimateMs: number | null };

const REQUEUE: TaskPatch = {
  channelId: null,
  uncertainSince: null,
  submittedAt: null,
  slotReleasedAt: null,
  evidencePrompt: null,
  evidenceSeconds: null,
};

/**
 * The UNCERTAIN step (ADR 0011): a submit whose answer was lost is attached to an upstream task
 * only when that task provably belongs to it, and sent again only on proof that none exists.
 */
export function decideReconcile(
  task: UncertainTask,
  obs: ReconcileObservation,
  c: DecisionClock,
): ReconcileAction[] {
  const now = c.now;
  switch (obs.kind) {
    case 'noList':
      return [move('QUEUED', { ...REQUEUE, nextRunAt: now })];
    case 'noSlot':
      return [later(obs.retryAfterMs)];
    case 'listFailed':
      return [
        log('warn', 'reconciliation list failed', { err: obs.error }),
        later(backoffMs(3, { random: c.random })),
      ];
    case 'verdict':
      break;
  }
  const v = obs.verdict;
  const peers: ReconcileAction[] =
    v.kind !== 'ambiguous' && v.settledPeers.length > 0
      ? [{ kind: 'wakeUncertain', ids: v.settledPeers }]
      : [];
  switch (v.kind) {
    case 'attach': {
      const sentAt = Number(task.submittedAt ?? task.uncertainSince ?? now);
      return [
        ...peers,
        {
          kind: 'adopt',
          upstreamTaskId: v.upstreamTaskId,
          patch: {
            uncertainSince: null,
            slotReleasedAt: null,
            adoptedAt: now,
            etaAt: obs.estimateMs === null ? null : sentAt + obs.estimateMs,
            nextRunAt: now,
          },
          onRace: later(ADOPT_RACE_RETRY_MS),
        },
      ];
    }
    case 'none':
      return [
        ...peers,
        log('info', 'no upstream task for a lost submit; submitting again'),
        move('QUEUED', { ...REQUEUE, nextRunAt: now }),
      ];
    case 'wait': {
      const release = v.releaseSlot && task.slotReleasedAt === null;
      if (!release) return [...peers, later(v.retryMs)];
      return [...peers, later(v.retryMs, { slotReleasedAt: now }), { kind: 'wakeQueue' }];
    }
    case 'ambiguous':
      return [
        fail(
          'InternalError',
          'The answer to this task’s submit was lost and the upstream’s task list could not tell ' +
            'its task from another request’s, so no result is shown; nothing is billed for it. ' +
            'Submit it again.',
          now,
        ),
      ];
  }
}
