import { retryAfterMs, type Acquire, type RateLimiter } from './rate-limiter.js';

/** Sliding-window log per key; exact, and cheap at the rates upstream accounts allow. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly events = new Map<string, number[]>();

  tryAcquire(
    key: string,
    limit: number,
    windowMs: number,
    now: number,
    holdMs = 0,
  ): Promise<Acquire> {
    const log = (this.events.get(key) ?? [])
      .filter((t) => t > now - windowMs)
      .sort((a, b) => a - b);
    if (log.length >= limit) {
      this.events.set(key, log);
      const oldest = log[log.length - limit] ?? now;
      return Promise.resolve({ ok: false, retryAfterMs: retryAfterMs(oldest, windowMs, now) });
    }
    // unique per key, as in SqlRateLimiter: a settle moves exactly the caller's own event
    let stamp = now + holdMs;
    while (log.includes(stamp)) stamp++;
    log.push(stamp);
    this.events.set(key, log);
    return Promise.resolve({ ok: true, stamp });
  }

  settle(key: string, stamp: number, at: number): Promise<void> {
    const log = this.events.get(key);
    const i = log?.indexOf(stamp) ?? -1;
    if (log && i >= 0 && at < stamp) log[i] = at;
    return Promise.resolve();
  }
}
