import type { Channel, ChannelPool } from '../channels/channel-pool.js';
import type { ListedTask } from '../providers/provider.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { OpenTaskRef, TaskStore } from '../store/task-store.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { SPARE_ONLY, takeQuerySlot, takeSweepShare } from '../ratelimit/query-budget.js';
import { HEDGE_AFTER_MS, hedgedRead } from '../jobs/hedged-read.js';

export interface StatusSweeperDeps {
  tasks: TaskStore;
  channels: ChannelPool;
  limiter: RateLimiter;
  clock: Clock;
  logger: Logger;
  /** called as soon as finished tasks were made due, so the runner looks for work at once */
  onDue?: () => void;
}

/** The sweep is trusted to watch a channel's tasks only if they all fit in one scan. */
const MAX_OPEN_SCANNED = 5000;
/** the page size asked for; a smaller cap is learned from the answers */
const WANTED_PAGE = 100;
/** a channel counts as watched while its last complete cycle began this recently */
const WATCH_FRESH_MS = 30_000;
/** longest wait for a query slot inside a cycle; the rest of the cycle then waits for the next call */
const MAX_SLOT_WAIT_MS = 2_000;

interface SweepMemory {
  /** upstream task id → creation second, for tasks the list has shown RUNNING */
  running: Map<string, number>;
  /** upstream id → when first found finished, for such tasks still open */
  found: Map<string, number>;
}

interface Cycle {
  /** next window to read, where an interrupted cycle resumes */
  cursor: number;
  /** windows read since `startedAt` */
  read: number;
  startedAt: number;
  /** when the last complete cycle (every window read) began; null before the first */
  coveredFrom: number | null;
}

/**
 * Batch status through the task list (reference §8): one list request reports the status of many
 * tasks, so completions are noticed within a cycle instead of by one speculative query per task.
 * - Once the list has shown every task of a window running, the sweep lists that window's RUNNING
 *   tasks only (`status=RUNNING`), so a cycle costs about one request per page of tasks still
 *   running, not per page of every task created since the oldest open one. Windows that hold
 *   tasks the list has not shown running (still PENDING, or left RUNNING by a restart) are listed
 *   whole, so a task that ran and finished between two reads is seen finished.
 * - A task the list shows RUNNING is moved PENDING → RUNNING here: the list carries all that
 *   change needs, and a per-task query for it would spend the account's budget for nothing.
 * - A task the list showed RUNNING and a later read of its window no longer shows has left
 *   RUNNING: it is only made due, ahead of scheduled polls, as is a task listed finished (an
 *   upstream that ignores the filter). The per-task query confirms it and reads video_url, so a
 *   stale or truncated list can delay a task or cost one query, never finish it wrongly.
 * While a channel is watched (`watching`), workers keep per-task polls as a slow safety net only.
 */
export class StatusSweeper {
  private readonly pageCap = new Map<string, number>();
  private readonly cycles = new Map<string, Cycle>();
  /** per channel: upstream task id → creation second, for tasks the list has shown RUNNING */
  private readonly seenRunning = new Map<string, Map<string, number>>();
  /** per channel: tasks found finished and still open (their confirmation is still owed) */
  private readonly found = new Map<string, Map<string, number>>();
  /** channels whose sweep is waiting for the account's query count right now */
  private readonly waitingFor = new Set<string>();
  private stopped = false;

  constructor(private readonly d: StatusSweeperDeps) {}

  /**
   * One cycle per channel that can list tasks, channels side by side (each has its own budget).
   * A cycle waits for query slots as they free up rather than giving up until the next call: the
   * budget's 1.1 s window is longer than the calls' 1 s period, so giving up would halve the rate.
   */
  async sweep(): Promise<number> {
    const channels = this.d.channels
      .all()
      .filter(
        (c) => c.enabled && c.definition.capabilities.listTasks && c.provider.list !== undefined,
      );
    const found = await Promise.all(
      channels.map((channel) =>
        this.sweepChannel(channel).catch((err: unknown) => {
          this.d.logger.warn({ channel: channel.name, err: String(err) }, 'status sweep failed');
          return 0;
        }),
      ),
    );
    return found.reduce((a, b) => a + b, 0);
  }

  /** Ends the cycles in progress at their next slot. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Whether the list currently reports every open task of the channel within a few seconds: a
   * complete cycle began less than WATCH_FRESH_MS ago. False before the first cycle, after list
   * failures, and with more open tasks than one scan covers.
   */
  watching(channelId: string, now: number): boolean {
    const from = this.cycles.get(channelId)?.coveredFrom;
    return from !== null && from !== undefined && now - from < WATCH_FRESH_MS;
  }

  /**
   * Whether the sweep is waiting for a query slot of the channel. Per-task queries in this
   * process then step aside: the sweep is capped at its share anyway, and without the yield a
   * storm of per-task polls (after the sweep stopped watching) could keep it from ever finishing
   * the cycle that would calm them.
   */
  waiting(channelId: string): boolean {
    return this.waitingFor.has(channelId);
  }

  private cycleOf(channelId: string, now: number): Cycle {
    let cycle = this.cycles.get(channelId);
    if (!cycle) {
      cycle = { cursor: 0, read: 0, startedAt: now, coveredFrom: null };
      this.cycles.set(channelId, cycle);
    }
    return cycle;
  }

  private async sweepChannel(channel: Channel): Promise<number> {
    const now = this.d.clock.now();
    const cycle = this.cycleOf(channel.id, now);
    const open = await this.d.tasks.listOpenOnChannel(channel.id, MAX_OPEN_SCANNED + 1);
    if (open.length === 0) {
      // nothing to watch is watched completely
      Object.assign(cycle, { read: 0, startedAt: now, coveredFrom: now });
      return 0;
    }
    const complete = open.length <= MAX_OPEN_SCANNED;
    const scanned = complete ? open : open.slice(0, MAX_OPEN_SCANNED);
    const byUpstream = new Map(scanned.map((t) => [t.upstreamTaskId ?? '', t]));
    let pageSize = this.pageCap.get(channel.id) ?? WANTED_PAGE;
    // Windows of consecutive submit times, each starting with about a page of our open tasks.
    // They tile time without overlapping (a window ends where the next begins, the last one at
    // now), so a task created a little after we sent it is still in exactly one of them.
    // The list speaks whole seconds, so starts are whole seconds, each later than the one before
    // (a window of many tasks created in one second simply takes several pages).
    const starts: number[] = [];
    for (let i = 0; i < scanned.length; i += pageSize) {
      const second = Math.floor(Number(scanned[i]?.submittedAt ?? now) / 1000) * 1000;
      if (second > (starts[starts.length - 1] ?? -1)) starts.push(second);
    }
    const { running, found } = this.stateOf(channel.id, byUpstream);
    const unseen = windowsWithUnseen(scanned, starts, (t) => !running.has(t.upstreamTaskId ?? ''));
    let marked = 0;
    for (let k = 0; k < starts.length; k++) {
      const idx = (cycle.cursor + k) % starts.length;
      const from = starts[idx] ?? now;
      const to = idx + 1 < starts.length ? (starts[idx + 1] ?? now) - 1 : now + 1000;
      const listed = new Set<string>();
      // every status while the window holds tasks the list has not shown running: one that ran
      // and finished between two reads would never be in a RUNNING-only list
      const status = unseen.has(idx) ? {} : { status: 'RUNNING' };
      // a window may still take several pages when many of its tasks run at once
      for (let pageNo = 1; ; pageNo++) {
        const stamp = await this.takeSlot(channel);
        if (stamp === null) {
          cycle.cursor = idx;
          return marked;
        }
        const page = await hedgedRead(
          async () =>
            channel.provider.list?.({ startTime: from, endTime: to, ...status, pageNo, pageSize }),
          {
            afterMs: HEDGE_AFTER_MS,
            settleFirst: this.settleOf(channel, stamp),
            // a stalled page blinds the sweep to every task finishing meanwhile
            takeSlot: async () => {
              const q = channel.limits.queriesPerSecond;
              const now = this.d.clock.now();
              const extra = await takeQuerySlot(this.d.limiter, channel.id, q, now, SPARE_ONLY);
              return extra.ok ? this.settleOf(channel, extra.stamp) : null;
            },
          },
        );
        if (!page) return marked;
        if (page.tasks.length < page.total && page.tasks.length < pageSize && pageNo === 1) {
          // the upstream capped the page below what we asked: ask for that much from now on
          pageSize = Math.max(1, page.tasks.length);
          this.pageCap.set(channel.id, pageSize);
        }
        for (const t of page.tasks) listed.add(t.upstreamTaskId);
        marked += await this.apply(page.tasks, byUpstream, { running, found });
        if (page.tasks.length === 0 || pageNo * pageSize >= page.total) break;
      }
      marked += await this.markLeft({ running, found, listed, ours: byUpstream }, from, to);
      cycle.read++;
      if (cycle.read >= starts.length) {
        if (complete) cycle.coveredFrom = cycle.startedAt;
        cycle.read = 0;
        cycle.startedAt = this.d.clock.now();
      }
    }
    cycle.cursor = 0;
    return marked;
  }

  /** What the sweep remembers of the channel's open tasks, forgetting those no longer open. */
  private stateOf(channelId: string, open: Map<string, OpenTaskRef>): SweepMemory {
    const running = this.seenRunning.get(channelId) ?? new Map<string, number>();
    const found = this.found.get(channelId) ?? new Map<string, number>();
    for (const id of running.keys()) if (!open.has(id)) running.delete(id);
    for (const id of found.keys()) if (!open.has(id)) found.delete(id);
    this.seenRunning.set(channelId, running);
    this.found.set(channelId, found);
    return { running, found };
  }

  /** What one page says about our open tasks; returns how many were made due. */
  private async apply(
    listed: ListedTask[],
    ours: Map<string, OpenTaskRef>,
    mem: SweepMemory,
  ): Promise<number> {
    const now = this.d.clock.now();
    const started: { id: string; startedAt: number }[] = [];
    const finished: string[] = [];
    for (const t of listed) {
      const task = ours.get(t.upstreamTaskId);
      if (!task || t.status === 'PENDING') continue;
      if (t.status === 'RUNNING') {
        mem.running.set(t.upstreamTaskId, Math.floor(t.createdAt / 1000) * 1000);
        mem.found.delete(t.upstreamTaskId);
        if (task.state !== 'RUNNING')
          started.push({ id: task.id, startedAt: Math.round(t.startedAt ?? now) });
      } else finished.push(t.upstreamTaskId);
    }
    await this.d.tasks.markStarted(started, now);
    return this.markFound(finished, mem, ours);
  }

  /**
   * Tasks shown RUNNING before, created in [from, to], that the window's complete read no longer
   * lists: they left RUNNING (a lagging list only shows them running longer).
   */
  private markLeft(
    read: SweepMemory & { listed: Set<string>; ours: Map<string, OpenTaskRef> },
    from: number,
    to: number,
  ): Promise<number> {
    const left: string[] = [];
    for (const [upstreamId, createdAt] of read.running) {
      if (createdAt >= from && createdAt <= to && !read.listed.has(upstreamId))
        left.push(upstreamId);
    }
    return this.markFound(left, read, read.ours);
  }

  /**
   * Makes found-finished tasks due, ranked by when each was first found. Every read that finds one
   * again makes it due again (a worker that was denied a query slot put it back in the schedule),
   * and it keeps its first rank: stamping it anew would put the tasks of windows read early in
   * each cycle ahead of it every time, and when confirmations are short of slots, starve it.
   */
  private async markFound(
    upstreamIds: string[],
    mem: SweepMemory,
    ours: Map<string, OpenTaskRef>,
  ): Promise<number> {
    const now = this.d.clock.now();
    const byRank = new Map<number, string[]>();
    for (const upstreamId of upstreamIds) {
      const task = ours.get(upstreamId);
      if (!task) continue;
      const foundAt = mem.found.get(upstreamId) ?? now;
      mem.found.set(upstreamId, foundAt);
      byRank.set(foundAt, [...(byRank.get(foundAt) ?? []), task.id]);
    }
    let due = 0;
    for (const [foundAt, ids] of byRank) due += await this.d.tasks.markDue(ids, now, foundAt);
    if (due > 0) this.d.onDue?.();
    return due;
  }

  private settleOf(channel: Channel, stamp: number): () => Promise<void> {
    return () => this.d.limiter.settle(`query:${channel.id}`, stamp, this.d.clock.now());
  }

  /**
   * A slot of the sweep's share and of the account's query budget (the stamp to settle), waited
   * for up to MAX_SLOT_WAIT_MS; null when stopped or still none.
   */
  private async takeSlot(channel: Channel): Promise<number | null> {
    const q = channel.limits.queriesPerSecond;
    const giveUpAt = this.d.clock.now() + MAX_SLOT_WAIT_MS;
    let shared = false;
    while (!this.stopped) {
      const now = this.d.clock.now();
      if (!shared) {
        const owed = (this.found.get(channel.id)?.size ?? 0) > 0;
        const share = await takeSweepShare(this.d.limiter, channel.id, q, now, { owed });
        shared = share.ok;
        if (!share.ok) {
          if (now + share.retryAfterMs > giveUpAt) return null;
          await sleep(Math.max(1, share.retryAfterMs));
          continue;
        }
      }
      const slot = await takeQuerySlot(this.d.limiter, channel.id, q, now);
      if (slot.ok) {
        this.waitingFor.delete(channel.id);
        return slot.stamp;
      }
      if (now + slot.retryAfterMs > giveUpAt) break;
      this.waitingFor.add(channel.id);
      await sleep(Math.max(1, slot.retryAfterMs));
    }
    this.waitingFor.delete(channel.id);
    return null;
  }
}

/**
 * Indices of the windows that may list a task the list has not shown running in this process (a
 * task still PENDING, or one a restart left RUNNING in the store): the window of its submit time
 * and the next one (the upstream may create it in the next second).
 */
function windowsWithUnseen(
  scanned: OpenTaskRef[],
  starts: number[],
  unseen: (t: OpenTaskRef) => boolean,
): Set<number> {
  const out = new Set<number>();
  let w = 0;
  for (const t of scanned) {
    const at = Number(t.submittedAt ?? 0);
    while (w + 1 < starts.length && (starts[w + 1] ?? Infinity) <= at) w++;
    if (!unseen(t)) continue;
    out.add(w);
    out.add(w + 1);
  }
  return out;
}
