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
 * retrying together filled it with slots nobody used; and a lower ceiling for them on the
 * account's key counted the sweep's own slots against them and capped confirmations at 5/s.
 */
export function sweepShareOf(queriesPerSecond: number): number {
  return Math.max(1, Math.floor(queriesPerSecond / 2));
}

/** A slot of the account's query count (settle `query:<channel>` with its stamp). */
export function takeQuerySlot(
  limiter: RateLimiter,
  channelId: string,
  queriesPerSecond: number,
  now: number,
): Promise<Acquire> {
  return limiter.tryAcquire(
    `query:${channelId}`,
    queriesPerSecond,
    LIMIT_WINDOW_MS,
    now,
    SLOT_HOLD_MS,
  );
}

/**
 * One slot of the sweep's own share, taken before its query slot. A sweep keeps the share slot
 * while it waits for the account's count, so a wait wastes at most that one slot.
 */
export function takeSweepShare(
  limiter: RateLimiter,
  channelId: string,
  queriesPerSecond: number,
  now: number,
): Promise<Acquire> {
  return limiter.tryAcquire(
    `sweep:${channelId}`,
    sweepShareOf(queriesPerSecond),
    LIMIT_WINDOW_MS,
    now,
  );
}
