import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { retryAfterMs, type Acquire, type RateLimiter } from './rate-limiter.js';

/** The tables of migration 0002-rate-limits, as Kysely sees them. */
export type RateLimitTables = {
  rateLimitKeys: { key: string; touchedAt: number };
  rateEvents: { key: string; at: number; expiresAt: number };
};

export interface SqlRateLimiterOptions {
  /** prune expired events after this many acquisitions by this instance (default 100) */
  pruneEvery?: number;
}

/**
 * Events outlive their window by this much: a process whose clock lags behind the one that
 * prunes must still see them, or it would undercount.
 */
const CLOCK_SKEW_MS = 60_000;
/** key rows unused this long are dropped; they only exist to be locked */
const KEY_IDLE_MS = 24 * 60 * 60 * 1000;

/**
 * Sliding-window log per key in the database, exact across every process that shares it.
 * Acquirers of one key take turns: each transaction starts by upserting the key's row, which
 * locks that row on PostgreSQL and takes the write lock on SQLite, before counting the window.
 */
export class SqlRateLimiter implements RateLimiter {
  private readonly db: Kysely<Database & RateLimitTables>;
  private readonly pruneEvery: number;
  private acquisitions = 0;

  constructor(db: Kysely<Database>, opts: SqlRateLimiterOptions = {}) {
    this.db = db.withTables<RateLimitTables>();
    this.pruneEvery = opts.pruneEvery ?? 100;
  }

  async tryAcquire(
    key: string,
    limit: number,
    windowMs: number,
    now: number,
    holdMs = 0,
  ): Promise<Acquire> {
    if (limit <= 0) return { ok: false, retryAfterMs: Math.max(1, windowMs) };
    const result = await this.db.transaction().execute(async (trx): Promise<Acquire> => {
      await trx
        .insertInto('rateLimitKeys')
        .values({ key, touchedAt: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({ touchedAt: eb.ref('excluded.touchedAt') })),
        )
        .execute();
      // No upper bound on `at`: an event stamped by a process whose clock runs ahead still counts.
      const recent = await trx
        .selectFrom('rateEvents')
        .select('at')
        .where('key', '=', key)
        .where('at', '>', now - windowMs)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
      if (recent.length >= limit) {
        // the slot frees when the limit-th newest event leaves the window
        const oldest = recent[limit - 1]?.at ?? now;
        return { ok: false, retryAfterMs: retryAfterMs(oldest, windowMs, now) };
      }
      // Stamps are unique per key, so a settle moves exactly its own event. Moving every event
      // that shared a millisecond counted a twin still in flight as answered early, which once
      // let three processes reach 51 queries in a second against a cap of 50.
      let stamp = now + holdMs;
      for (;;) {
        const twin = await trx
          .selectFrom('rateEvents')
          .select('at')
          .where('key', '=', key)
          .where('at', '=', stamp)
          .executeTakeFirst();
        if (!twin) break;
        stamp++;
      }
      await trx
        .insertInto('rateEvents')
        .values({ key, at: stamp, expiresAt: stamp + windowMs + CLOCK_SKEW_MS })
        .execute();
      return { ok: true, stamp };
    });
    if (result.ok && ++this.acquisitions % this.pruneEvery === 0) await this.prune(now);
    return result;
  }

  async settle(key: string, stamp: number, at: number): Promise<void> {
    if (at >= stamp) return;
    // stamps are unique per key (tryAcquire), so this moves the caller's own event only
    await this.db
      .updateTable('rateEvents')
      .set({ at })
      .where('key', '=', key)
      .where('at', '=', stamp)
      .execute();
  }

  /** Deletes events no caller can count any more and long-idle keys; returns events deleted. */
  async prune(now: number): Promise<number> {
    const res = await this.db
      .deleteFrom('rateEvents')
      .where('expiresAt', '<', now)
      .executeTakeFirst();
    await this.db
      .deleteFrom('rateLimitKeys')
      .where('touchedAt', '<', now - KEY_IDLE_MS)
      .execute();
    return Number(res.numDeletedRows);
  }
}
