export type Acquire = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Counts events per key in a sliding window. Implementations: in-memory (one process),
 * SQL (processes sharing a database) and Redis.
 */
export interface RateLimiter {
  /** Takes one slot of `limit` per `windowMs` for `key`, or says how long until one frees. */
  tryAcquire(key: string, limit: number, windowMs: number, now: number): Promise<Acquire>;
  close?(): Promise<void>;
}
