import type { Channel } from '../channels/channel-pool.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { Clock } from '../shared/clock.js';
import { LIMIT_WINDOW_MS, SLOT_HOLD_MS } from './upstream-window.js';

/** A slot taken for an upstream call: settle it when the answer (or the failure) arrives. */
export type Taken = { ok: true; settle: () => Promise<void> } | { ok: false; retryAfterMs: number };

/**
 * What a query is for, which decides how much of the account's budget it may take:
 * - `needed`: confirmations, ordinary polls, the sweep's list pages, reconciliation;
 * - `spare`: safety-net polls of a watched channel and hedges (second copies of a stalled read).
 *   They take a slot only while a quarter of the count is still free: safety-net polls come due
 *   in bursts (every task submitted in one busy minute reaches its expected end in another), and
 *   without the reserve they crowd out the queries that confirm tasks the sweep found finished.
 *   After hedges were allowed the full budget, three processes on one account reached 51 queries
 *   in one second against a cap of 50 once in four CI runs (test/e2e/multi-process.test.ts).
 */
export type QueryUse = 'needed' | 'spare';

/**
 * The sweep may use up to half of the account's queries, counted on a share key of its own as
 * well as the account's, so it never crowds out per-task queries. Per-task queries are counted
 * on the account's key only: once the sweep watches a channel they are almost all confirmations
 * (a task's only query that reads `video_url`), the queries that matter most. ADR 0010 records
 * the two splits that were measured and dropped.
 */
export function sweepShareOf(queriesPerSecond: number): number {
  return Math.max(1, Math.floor(queriesPerSecond / 2));
}

/** Of the account's query count, what `spare` queries leave free for every other query. */
export function confirmationReserveOf(queriesPerSecond: number): number {
  return Math.max(1, Math.floor(queriesPerSecond / 4));
}

/**
 * The one owner of a channel's upstream budgets: submits per second, and task queries + lists +
 * cancels per second, both shared by every process on the account (the limiter's keys are
 * spelled here only). The engine's steps and the status sweep take their slots through it.
 */
export class ChannelBudget {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly channel: Pick<Channel, 'id' | 'limits'>,
    private readonly waiting: Set<string>,
  ) {}

  get channelId(): string {
    return this.channel.id;
  }

  /**
   * A submit slot, held until its answer arrives (a create in flight still counts upstream).
   * A model with a rate of its own on the account (families §5–§8) takes a slot of that too.
   */
  async takeSubmit(model?: { name: string; perSecond: number }): Promise<Taken> {
    const account = await this.hold(
      `submit:${this.channel.id}`,
      this.channel.limits.submitPerSecond,
    );
    if (!account.ok || !model) return account;
    const own = await this.hold(`submit:${this.channel.id}:${model.name}`, model.perSecond);
    if (own.ok) {
      return {
        ok: true,
        settle: async () => {
          await own.settle();
          await account.settle();
        },
      };
    }
    await account.settle();
    return own;
  }

  /** A slot of the account's query count, held until the answer arrives. */
  takeQuery(use: QueryUse = 'needed'): Promise<Taken> {
    const q = this.channel.limits.queriesPerSecond;
    const limit = use === 'spare' ? Math.max(1, q - confirmationReserveOf(q)) : q;
    return this.hold(`query:${this.channel.id}`, limit);
  }

  /** A slot of the account's face checks (s2v's detect step), held until the answer arrives. */
  takeDetect(): Promise<Taken> {
    return this.hold(`detect:${this.channel.id}`, this.channel.limits.detectsPerSecond);
  }

  /** For hedgedRead: a spare slot's settle, or null when none is free. */
  readonly takeHedge = async (): Promise<(() => Promise<void>) | null> => {
    const t = await this.takeQuery('spare');
    return t.ok ? t.settle : null;
  };

  /**
   * One slot of the sweep's own share, taken before its query slot (the sweep keeps it while it
   * waits for the account's count, so a wait wastes at most that one). While confirmations are
   * `owed` (tasks it found finished and not yet read) the sweep takes half its share: finding
   * more finished tasks helps nobody until those are read, and each read is a slot.
   */
  async takeSweepShare(owed: boolean): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    const full = sweepShareOf(this.channel.limits.queriesPerSecond);
    const share = owed ? Math.max(1, Math.floor(full / 2)) : full;
    const res = await this.limiter.tryAcquire(
      `sweep:${this.channel.id}`,
      share,
      LIMIT_WINDOW_MS,
      this.clock.now(),
    );
    return res.ok ? { ok: true } : res;
  }

  /**
   * Whether the sweep waits for a query slot of this channel right now. Per-task polls in this
   * process then step aside: the sweep is capped at its share anyway, and without the yield a
   * storm of per-task polls (after the sweep stopped watching) could keep it from ever finishing
   * the cycle that would calm them.
   */
  get sweepWaiting(): boolean {
    return this.waiting.has(this.channel.id);
  }

  set sweepWaiting(on: boolean) {
    if (on) this.waiting.add(this.channel.id);
    else this.waiting.delete(this.channel.id);
  }

  private async hold(key: string, limit: number): Promise<Taken> {
    const now = this.clock.now();
    const res = await this.limiter.tryAcquire(key, limit, LIMIT_WINDOW_MS, now, SLOT_HOLD_MS);
    if (!res.ok) return res;
    return { ok: true, settle: () => this.limiter.settle(key, res.stamp, this.clock.now()) };
  }
}

/** Hands out each channel's budget; what the sweep waits for is known per process here. */
export class ChannelBudgets {
  private readonly waiting = new Set<string>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
  ) {}

  of(channel: Pick<Channel, 'id' | 'limits'>): ChannelBudget {
    return new ChannelBudget(this.limiter, this.clock, channel, this.waiting);
  }
}
