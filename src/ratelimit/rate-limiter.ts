export type Acquire = { ok: true; stamp: number } | { ok: false; retryAfterMs: number };

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
