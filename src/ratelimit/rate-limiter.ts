export type Acquire = { ok: true; stamp: number } | { ok: false; retryAfterMs: number };

/**
 * How long until the event blocking a slot (the limit-th newest) leaves the window. A held event
 * stands for a request still in flight; its stamp is only a bound. It settles when the answer
 * arrives, usually within moments, and then leaves one window later. So the retry is one window,
 * not the bound: telling a caller to wait out a 60 s hold parked a queued task for a minute
 * whenever a second's worth of submits happened to be in flight together.
 */
export function retryAfterMs(blockingStamp: number, windowMs: number, now: number): number {
  const leavesAt = blockingStamp > now ? now + windowMs : blockingStamp + windowMs;
  return Math.max(1, leavesAt - now);
}

/**
 * Counts events per key in a sliding window. Implementations: in-memory (one process) and SQL
 * (processes sharing a database).
 *
 * An event may be *held*: stamped `holdMs` in the future so it keeps counting while the request
 * it stands for is in flight, then *settled* to the moment the request completed. The upstream
 * saw the request somewhere between send and completion, so counting it until completion plus
 * the window keeps the upstream's own count within the limit whatever the network delay.
 */
export interface RateLimiter {
  /** Takes one slot of `limit` per `windowMs` for `key`, or says how long until one frees. */
  tryAcquire(
    key: string,
    limit: number,
    windowMs: number,
    now: number,
    holdMs?: number,
  ): Promise<Acquire>;
  /** Moves a held event (by its stamp) to `at`, when the request it stands for completed. */
  settle(key: string, stamp: number, at: number): Promise<void>;
  close?(): Promise<void>;
}
