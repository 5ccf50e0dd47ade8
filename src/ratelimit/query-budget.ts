import type { Acquire, RateLimiter } from './rate-limiter.js';
import { LIMIT_WINDOW_MS, SLOT_HOLD_MS } from './upstream-window.js';

/**
 * How an account's query budget (task queries, lists and cancels per second, shared by all its
 * keys and all vidgate processes) is split between the status sweep and per-task queries.
 *
 * The sweep may use up to half. While it watches a channel, per-task queries may use all but a
 * quarter, which stays free for the sweep: bursting over the whole budget, per-task queries would
 * starve the one reader that sees every task, yet they are mostly the confirmations of tasks the
 * sweep found finished, so they get the larger part. When no sweep watches, they may use it all.
 */
export function sweepShareOf(queriesPerSecond: number): number {
  return Math.max(1, Math.floor(queriesPerSecond / 2));
}

/** What per-task queries may use while the sweep watches the channel. */
export function taskShareOf(queriesPerSecond: number): number {
  return Math.max(1, queriesPerSecond - Math.max(1, Math.floor(queriesPerSecond / 4)));
}

export type QueryUse = { kind: 'sweep' } | { kind: 'task'; swept: boolean };

/** A slot of the channel's query budget for `use`; settle `query:<channel>` with the stamp. */
export async function takeQuerySlot(
  limiter: RateLimiter,
  channelId: string,
  queriesPerSecond: number,
  use: QueryUse,
  now: number,
): Promise<Acquire> {
  const q = queriesPerSecond;
  const share =
    use.kind === 'sweep'
      ? { key: `sweep:${channelId}`, limit: sweepShareOf(q) }
      : use.swept
        ? { key: `poll:${channelId}`, limit: taskShareOf(q) }
        : null;
  if (share) {
    const own = await limiter.tryAcquire(share.key, share.limit, LIMIT_WINDOW_MS, now);
    if (!own.ok) return own;
  }
  return limiter.tryAcquire(`query:${channelId}`, q, LIMIT_WINDOW_MS, now, SLOT_HOLD_MS);
}
