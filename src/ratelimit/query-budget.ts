import type { Acquire, RateLimiter } from './rate-limiter.js';
import { LIMIT_WINDOW_MS, SLOT_HOLD_MS } from './upstream-window.js';

/**
 * How an account's query budget (task queries, lists and cancels per second, shared by all its
 * keys and all vidgate processes) is split between the status sweep and per-task queries.
 *
 * The sweep may use up to half, counted on a share key of its own as well as the account's, so
 * it never crowds out per-task queries. Per-task queries are counted on the account's key only:
 * once the sweep watches a channel they are almost all confirmations of tasks it found finished
 * (a task's only query that reads `video_url`), the queries that matter most.
 *
 * Two earlier splits were measured and dropped (docs/adr/0010): a share key for per-task queries
 * was taken before the account's and lost whenever the account's was full, so dozens of due tasks
 * retrying together filled it with slots nobody used; and a lower ceiling for all per-task queries
 * on the account's key counted the sweep's own slots against them and capped confirmations at
 * 5/s. Only safety-net polls get the lower ceiling now.
 */
export function sweepShareOf(queriesPerSecond: number): number {
  return Math.max(1, Math.floor(queriesPerSecond / 2));
}

/** Of the account's query count, what safety-net polls leave free for every other query. */
export function confirmationReserveOf(queriesPerSecond: number): number {
  return Math.max(1, Math.floor(queriesPerSecond / 4));
}

/**
 * For queries that are extra (a hedge: a second copy of a read still unanswered): they take only
 * the spare budget, as safety-net polls do, so they never push the account to its cap. After
 * hedges were added with the full budget, three processes on one account reached 51 queries in
 * one second against a cap of 50 once in four CI runs (test/e2e/multi-process.test.ts).
 */
export const SPARE_ONLY = { safetyNet: true } as const;

/**
 * A slot of the account's query count (settle `query:<channel>` with its stamp). A `safetyNet`
 * poll (of a task the watching sweep has not seen finish) may only take a slot while a quarter of
 * the count is still free: such polls come due in bursts (every task submitted in one busy minute
 * reaches its expected end in another), and without the reserve they crowd out the queries that
 * confirm tasks the sweep found finished.
 */
export function takeQuerySlot(
  limiter: RateLimiter,
  channelId: string,
  queriesPerSecond: number,
  now: number,
  opts: { safetyNet: boolean } = { safetyNet: false },
): Promise<Acquire> {
  const q = queriesPerSecond;
  const limit = opts.safetyNet ? Math.max(1, q - confirmationReserveOf(q)) : q;
  // held until settled: an unanswered query still counts against the account
  return limiter.tryAcquire(`query:${channelId}`, limit, LIMIT_WINDOW_MS, now, SLOT_HOLD_MS);
}

/**
 * One slot of the sweep's own share, taken before its query slot. A sweep keeps the share slot
 * while it waits for the account's count, so a wait wastes at most that one slot. While
 * confirmations are `owed` (tasks it found finished and not yet queried), the sweep takes half its
 * share: finding more finished tasks helps nobody until those are read, and each read is a slot.
 */
export function takeSweepShare(
  limiter: RateLimiter,
  channelId: string,
  queriesPerSecond: number,
  now: number,
  opts: { owed: boolean } = { owed: false },
): Promise<Acquire> {
  const full = sweepShareOf(queriesPerSecond);
  const share = opts.owed ? Math.max(1, Math.floor(full / 2)) : full;
  return limiter.tryAcquire(`sweep:${channelId}`, share, LIMIT_WINDOW_MS, now);
}
