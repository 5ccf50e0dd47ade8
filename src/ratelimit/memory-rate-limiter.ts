import type { Acquire, RateLimiter } from './rate-limiter.js';

/** Sliding-window log per key; exact, and cheap at the rates upstream accounts allow. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly events = new Map<string, number[]>();

  tryAcquire(key: string, limit: number, windowMs: number, now: number): Promise<Acquire> {
    const log = (this.events.get(key) ?? []).filter((t) => t > now - windowMs);
    if (log.length >= limit) {
      this.events.set(key, log);
      const oldest = log[log.length - limit] ?? now;
      return Promise.resolve({ ok: false, retryAfterMs: Math.max(1, oldest + windowMs - now) });
    }
    log.push(now);
    this.events.set(key, log);
    return Promise.resolve({ ok: true });
  }
}
