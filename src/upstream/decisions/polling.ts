import { backoffMs } from '../../jobs/backoff.js';
import type { UpstreamView } from '../../providers/provider.js';
import type { TaskPatch, TaskRow } from '../../store/task-store.js';
import type { QueryUse } from '../channel-budget.js';
import { pollDelayMs } from '../poll-delay.js';
import { evidenceAgrees, evidenceOfResult } from '../submit-evidence.js';
import { fail, later, log, move, type DecisionClock, type TaskAction } from './task-action.js';

const DAY_MS = 24 * 3600 * 1000;
/** a poll steps aside this long while the sweep waits for the channel's query budget */
export const SWEEP_YIELD_MS = 200;
/** a safety-net poll denied a slot steps back this much further than the budget said */
export const SAFETY_NET_STEP_BACK_MS = 5000;
/** a task that lost its channel (removed by the operator) or has no upstream id looks again */
const ORPHAN_RETRY_MS = 5000;
/** an upstream that does not know the task (yet, or any more) is asked again after this long */
const UNKNOWN_RETRY_MS = 10_000;

/**
 * Why a PENDING/RUNNING task is queried:
 * - `confirm`: the status sweep saw it finish (the row's `dueReason`); this query reads its
 *   result and frees its running slot, the query that matters most;
 * - `safetyNet`: the sweep watches the channel, so this poll only bounds how late a task is
 *   noticed if the sweep stops working, and takes spare budget only;
 * - `poll`: no sweep watches the channel; polls close in on the expected end.
 */
export type PollPurpose = 'confirm' | 'poll' | 'safetyNet';

export interface PollContext extends DecisionClock {
  /** the status sweep reports the channel's changes within seconds */
  watched: boolean;
  /** the sweep waits for a query slot of the channel in this process */
  sweepWaiting: boolean;
}

export type PolledTask = Pick<
  TaskRow,
  | 'state'
  | 'dueReason'
  | 'etaAt'
  | 'submittedAt'
  | 'adoptedAt'
  | 'scheduledAt'
  | 'upstreamTaskId'
  | 'evidencePrompt'
  | 'evidenceSeconds'
>;

export type PollStart =
  | { kind: 'skip'; actions: TaskAction[] }
  | { kind: 'query'; purpose: PollPurpose; use: QueryUse; hedge: boolean };

/** Whether and how a claimed PENDING/RUNNING task is queried, before any slot is taken. */
export function decidePollStart(task: PolledTask, hasChannel: boolean, c: PollContext): PollStart {
  if (!hasChannel || !task.upstreamTaskId)
    return { kind: 'skip', actions: [later(ORPHAN_RETRY_MS)] };
  if (task.dueReason === 'confirm')
    return { kind: 'query', purpose: 'confirm', use: 'needed', hedge: true };
  if (c.sweepWaiting) return { kind: 'skip', actions: [later(SWEEP_YIELD_MS)] };
  // only a confirmation is worth a second copy of a stalled query: its task holds a running slot
  return c.watched
    ? { kind: 'query', purpose: 'safetyNet', use: 'spare', hedge: false }
    : { kind: 'query', purpose: 'poll', use: 'needed', hedge: false };
}

export type PollObservation =
  | { kind: 'noSlot'; retryAfterMs: number }
  | { kind: 'queryFailed'; retryAfterMs?: number }
  | { kind: 'view'; view: UpstreamView };

/**
 * What a poll's outcome means. A confirmation denied a slot, or whose query failed, stays one
 * (its `dueReason` is kept) and comes back soon: as an ordinary poll it would wait for the sweep
 * to find the task again while the finished task holds its running slot.
 */
export function decidePoll(
  task: PolledTask,
  purpose: PollPurpose,
  obs: PollObservation,
  c: PollContext,
): TaskAction[] {
  switch (obs.kind) {
    case 'noSlot':
      return [later(obs.retryAfterMs + (purpose === 'safetyNet' ? SAFETY_NET_STEP_BACK_MS : 0))];
    case 'queryFailed': {
      const attempt = purpose === 'confirm' ? 1 : 3;
      return [later(backoffMs(attempt, { retryAfterMs: obs.retryAfterMs, random: c.random }))];
    }
    case 'view':
      return decideView(task, obs.view, c, {});
  }
}

/**
 * What the upstream's view of the task means, from a poll or from the submit's answer (then
 * `patch` carries the submit's facts: upstream id, ETA). Every outcome clears `dueReason`: the
 * query the sweep asked for has been answered.
 */
export function decideView(
  task: PolledTask,
  view: UpstreamView,
  c: Pick<PollContext, 'now' | 'watched'>,
  submitPatch: TaskPatch,
): TaskAction[] {
  const now = c.now;
  const patch: TaskPatch = { ...submitPatch, dueReason: null };
  switch (view.kind) {
    case 'PENDING':
    case 'RUNNING': {
      const etaAt = Number(patch.etaAt ?? task.etaAt ?? now + 60_000);
      const delay = pollDelayMs(etaAt - now, c.watched);
      const times = { ...patch, scheduledAt: view.scheduledTime ?? task.scheduledAt };
      if (task.state === view.kind) return [later(delay, times)];
      return [move(view.kind, { ...times, nextRunAt: now + delay })];
    }
    case 'SUCCEEDED': {
      if (task.adoptedAt !== null && !adoptedResultAgrees(task, view)) {
        // the last guard of ADR 0011: an adopted task whose result shows another request's
        // prompt or length is never delivered
        return [
          log('error', 'adopted upstream task does not match the request', {
            upstream: task.upstreamTaskId,
          }),
          fail(
            'InternalError',
            'The upstream task found for this task’s lost submit was not made for its request, ' +
              'so no result is shown; nothing is billed for it. Submit it again.',
            now,
            patch,
          ),
        ];
      }
      const submittedAt = Number(patch.submittedAt ?? task.submittedAt ?? now);
      return [
        { kind: 'observeRunTime', ms: (view.endTime ?? now) - submittedAt },
        move('FETCHING', {
          ...patch,
          upstreamVideoUrl: view.videoUrl,
          usage: JSON.stringify(view.usage),
          origPrompt: view.origPrompt ?? null,
          actualPrompt: view.actualPrompt ?? null,
          scheduledAt: view.scheduledTime ?? task.scheduledAt,
          finishedAt: view.endTime ?? now,
        }),
      ];
    }
    case 'FAILED':
      return [fail(view.code, view.message, now, patch)];
    case 'CANCELED':
      return [move('CANCELED', { ...patch, finishedAt: now })];
    case 'UNKNOWN': {
      const age = now - Number(task.submittedAt ?? now);
      if (age >= DAY_MS) {
        return [
          fail(
            'UpstreamTaskExpired',
            'The upstream task expired (24 h) before it reported a result.',
            now,
            patch,
          ),
        ];
      }
      return [later(UNKNOWN_RETRY_MS, patch)];
    }
  }
}

/**
 * Whether an adopted task's result shows the evidence its submit left on the row at admission
 * (TaskStore.admit). A row without it cannot be shown to be the request's own: not delivered.
 */
function adoptedResultAgrees(
  task: PolledTask,
  view: UpstreamView & { kind: 'SUCCEEDED' },
): boolean {
  if (task.evidencePrompt === null || task.evidenceSeconds === null) return false;
  const sent = { prompt: task.evidencePrompt, seconds: task.evidenceSeconds };
  return evidenceAgrees(sent, evidenceOfResult(view.origPrompt, view.usage));
}
