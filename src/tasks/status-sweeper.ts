import type { Channel, ChannelPool } from '../channels/channel-pool.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { TaskStore } from '../store/task-store.js';
import { LIMIT_WINDOW_MS, SLOT_HOLD_MS } from '../ratelimit/upstream-window.js';

export interface StatusSweeperDeps {
  tasks: TaskStore;
  channels: ChannelPool;
  limiter: RateLimiter;
  clock: Clock;
  logger: Logger;
}

const MAX_OPEN_SCANNED = 5000;
/** the page size asked for; a smaller cap is learned from the answers */
const WANTED_PAGE = 100;
/** share of an account's query budget the sweep may use; the rest serves per-task queries */
const SWEEP_SHARE = 0.5;

/**
 * Batch status through the task list (reference §8): one list request reports the status of many
 * tasks, so completions are noticed within a sweep instead of one query per task. The sweep only
 * makes tasks due; the per-task query that follows confirms the result and reads video_url, so a
 * stale or truncated list can delay a task but never finish it wrongly.
 */
export class StatusSweeper {
  private readonly pageCap = new Map<string, number>();
  private readonly cursor = new Map<string, number>();

  constructor(private readonly d: StatusSweeperDeps) {}

  async sweep(): Promise<number> {
    let found = 0;
    for (const channel of this.d.channels.all()) {
      if (!channel.enabled || !channel.definition.capabilities.listTasks || !channel.provider.list)
        continue;
      try {
        found += await this.sweepChannel(channel);
      } catch (err) {
        this.d.logger.warn({ channel: channel.name, err: String(err) }, 'status sweep failed');
      }
    }
    return found;
  }

  private async sweepChannel(channel: Channel): Promise<number> {
    const list = channel.provider.list?.bind(channel.provider);
    if (!list) return 0;
    const now = this.d.clock.now();
    const open = await this.d.tasks.listOpenOnChannel(channel.id, MAX_OPEN_SCANNED);
    if (open.length === 0) return 0;
    const byUpstream = new Map(open.map((t) => [t.upstreamTaskId ?? '', t]));
    const pageSize = this.pageCap.get(channel.id) ?? WANTED_PAGE;
    // Windows of consecutive submit times, each starting with about a page of our open tasks.
    // They tile time without overlapping (a window ends where the next begins, the last one at
    // now), so a task created a little after we sent it is still in exactly one of them.
    const starts: number[] = [];
    for (let i = 0; i < open.length; i += pageSize) {
      starts.push(Math.floor(Number(open[i]?.submittedAt ?? now) / 1000) * 1000);
    }
    // round-robin from where the last sweep stopped, so no window starves when the budget is short
    const start = (this.cursor.get(channel.id) ?? 0) % starts.length;
    let marked = 0;
    for (let k = 0; k < starts.length; k++) {
      const idx = (start + k) % starts.length;
      const from = starts[idx] ?? now;
      const to = idx + 1 < starts.length ? (starts[idx + 1] ?? now) - 1 : now + 1000;
      // finished tasks share the window, so a window may take several pages
      for (let pageNo = 1; ; pageNo++) {
        const stamp = await this.takeSlot(channel, this.d.clock.now());
        if (stamp === null) {
          this.cursor.set(channel.id, idx);
          return marked;
        }
        const page = await list({ startTime: from, endTime: to, pageNo, pageSize }).finally(() =>
          this.d.limiter.settle(`query:${channel.id}`, stamp, this.d.clock.now()),
        );
        if (page.tasks.length < page.total && page.tasks.length < pageSize && pageNo === 1) {
          // the upstream capped the page below what we asked: ask for that much from now on
          this.pageCap.set(channel.id, Math.max(1, page.tasks.length));
        }
        const changed: string[] = [];
        for (const t of page.tasks) {
          const ours = byUpstream.get(t.upstreamTaskId);
          if (!ours) continue;
          const moved = t.status !== ours.state && t.status !== 'PENDING';
          if (moved && Number(ours.nextRunAt) > now) changed.push(ours.id);
        }
        marked += await this.d.tasks.markDue(changed, now);
        if (page.tasks.length === 0 || pageNo * pageSize >= page.total) break;
      }
    }
    this.cursor.set(channel.id, 0);
    return marked;
  }

  /** A slot of the sweep's share and of the account's query budget; the stamp to settle. */
  private async takeSlot(channel: Channel, now: number): Promise<number | null> {
    const q = channel.limits.queriesPerSecond;
    const share = await this.d.limiter.tryAcquire(
      `sweep:${channel.id}`,
      Math.max(1, Math.floor(q * SWEEP_SHARE)),
      LIMIT_WINDOW_MS,
      now,
    );
    if (!share.ok) return null;
    const slot = await this.d.limiter.tryAcquire(
      `query:${channel.id}`,
      q,
      LIMIT_WINDOW_MS,
      now,
      SLOT_HOLD_MS,
    );
    return slot.ok ? slot.stamp : null;
  }
}
