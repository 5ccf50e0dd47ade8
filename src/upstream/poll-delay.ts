/** While the status sweep watches a channel, per-task polls are a safety net this far apart. */
export const SAFETY_NET_POLL_MS = 60_000;

/**
 * When to query a task again.
 * - `watched`: the status sweep reports the channel's changes within seconds and makes a finished
 *   task due at once, so a query before that would be spent on a task still running. The only
 *   polls left are a safety net: a minute after the expected end, then every two minutes, which
 *   bounds how late a task is noticed if the sweep stops working.
 * - otherwise: polls close in on the expected end, then back off as the task runs late.
 */
export function pollDelayMs(msToEta: number, watched: boolean): number {
  // whole milliseconds: the store keeps times as bigint
  if (watched) return Math.round(Math.max(0, msToEta) + SAFETY_NET_POLL_MS * (msToEta > 0 ? 1 : 2));
  return Math.round(Math.min(15_000, Math.max(1000, msToEta / 2)));
}
