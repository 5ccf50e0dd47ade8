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
    // windows of consecutive submit times, each holding at most one page of our open tasks
    const windows: (typeof open)[] = [];
    for (let i = 0; i < open.length; i += pageSize) windows.push(open.slice(i, i + pageSize));
    // round-robin from where the last sweep stopped, so no window starves when the budget is short
    const start = (this.cursor.get(channel.id) ?? 0) % windows.length;
    let marked = 0;
    for (let k = 0; k < windows.length; k++) {
      const idx = (start + k) % windows.length;
      const chunk = windows[idx] ?? [];
      const first = Number(chunk[0]?.submittedAt ?? now);
      const last = Number(chunk[chunk.length - 1]?.submittedAt ?? now);
      const stamp = await this.takeSlot(channel, this.d.clock.now());
      if (stamp === null) {
        this.cursor.set(channel.id, idx);
        return marked;
      }
      const page = await list({
        startTime: first - 2000,
        endTime: last + 2000,
        pageNo: 1,
        pageSize,
      }).finally(() => this.d.limiter.settle(`query:${channel.id}`, stamp, this.d.clock.now()));
      if (page.tasks.length < page.total && page.tasks.length < pageSize) {
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
