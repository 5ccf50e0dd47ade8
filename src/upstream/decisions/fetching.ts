import { backoffMs } from '../../jobs/backoff.js';
import type { TaskRow } from '../../store/task-store.js';
import { fail, later, log, move, type DecisionClock, type TaskAction } from './task-action.js';

const DAY_MS = 24 * 3600 * 1000;
/** copies are retried until this long before the upstream's 24-hour link expires */
const LINK_MARGIN_MS = 3600_000;

export type FetchObservation =
  | { kind: 'stored'; key: string; bytes: number }
  /** `refusal`: the provider or storage refused this result for good; null: worth retrying */
  | { kind: 'failed'; refusal: { code: string; message: string } | null; error: string };

/**
 * The FETCHING step: the upstream's video is copied into vidgate's storage before the task shows
 * SUCCEEDED, so a client never gets a link that does not work. A refused result fails the task
 * at once; other failures are retried until shortly before the link expires. Messages are fixed
 * texts: the cause, which may name hosts or paths, goes to the log only.
 */
export function decideFetched(
  task: Pick<TaskRow, 'finishedAt'>,
  obs: FetchObservation,
  c: DecisionClock,
): TaskAction[] {
  if (obs.kind === 'stored') {
    return [
      move('SUCCEEDED', { resultKey: obs.key, resultBytes: obs.bytes, upstreamVideoUrl: null }),
    ];
  }
  const age = c.now - Number(task.finishedAt ?? c.now);
  if (!obs.refusal && age <= DAY_MS - LINK_MARGIN_MS) {
    return [
      log('warn', 'result download failed; will retry', { err: obs.error }),
      later(backoffMs(4, { random: c.random })),
    ];
  }
  const refusal = obs.refusal ?? {
    code: 'ResultUnavailable',
    message:
      'The result could not be copied before its link expired; quote the task_id when reporting it.',
  };
  return [
    log('warn', 'result not stored', { code: refusal.code, err: obs.error }),
    fail(refusal.code, refusal.message, c.now),
  ];
}
