import type { Channel, ChannelPool } from '../channels/channel-pool.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { OpenTaskRef, TaskStore } from '../store/task-store.js';
import { setTimeout as realSleep } from 'node:timers/promises';
import { HEDGE_AFTER_MS, hedgedRead } from '../jobs/hedged-read.js';
import type { ChannelBudget, ChannelBudgets } from './channel-budget.js';
import {
  leftRunning,
  rankFound,
  readListedPage,
  windowRange,
  windowStarts,
  windowsWithUnseen,
  type SweepMemory,
} from './sweep-plan.js';

export interface StatusSweeperDeps {
  tasks: TaskStore;
  channels: ChannelPool;
  budgets: ChannelBudgets;
  clock: Clock;
  /** waits for a query slot; injected with the clock so a test can drive both */
  sleep?: (ms: number) => Promise<void>;
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
  private stopped = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly d: StatusSweeperDeps) {
    this.sleep = d.sleep ?? ((ms) => realSleep(ms));
  }

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
    const starts = windowStarts(scanned, pageSize, now);
    const mem = this.stateOf(channel.id, byUpstream);
    const unseen = windowsWithUnseen(
      scanned,
      starts,
      (t) => !mem.running.has(t.upstreamTaskId ?? ''),
    );
    const budget = this.d.budgets.of(channel);
    let marked = 0;
    for (let k = 0; k < starts.length; k++) {
      const idx = (cycle.cursor + k) % starts.length;
      const range = windowRange(starts, idx, now);
      const listed = new Set<string>();
      const status = unseen.has(idx) ? {} : { status: 'RUNNING' };
      // a window may still take several pages when many of its tasks run at once
      for (let pageNo = 1; ; pageNo++) {
        const settle = await this.takeSlot(budget);
        if (settle === null) {
          cycle.cursor = idx;
          return marked;
        }
        const [startTime, endTime] = range;
        const filter = { startTime, endTime, ...status, pageNo, pageSize };
        // a stalled page blinds the sweep to every task finishing meanwhile: it is hedged
        const page = await hedgedRead(async () => channel.provider.list?.(filter), {
          afterMs: HEDGE_AFTER_MS,
          settleFirst: settle,
          takeSlot: budget.takeHedge,
        });
        if (!page) return marked;
        if (page.tasks.length < page.total && page.tasks.length < pageSize && pageNo === 1) {
          // the upstream capped the page below what we asked: ask for that much from now on
          pageSize = Math.max(1, page.tasks.length);
          this.pageCap.set(channel.id, pageSize);
        }
        for (const t of page.tasks) listed.add(t.upstreamTaskId);
        const reading = readListedPage(page.tasks, byUpstream, mem, this.d.clock.now());
        await this.d.tasks.markStarted(reading.started, this.d.clock.now());
        marked += await this.markFound(reading.finished, mem, byUpstream);
        if (page.tasks.length === 0 || pageNo * pageSize >= page.total) break;
      }
      marked += await this.markFound(leftRunning(mem.running, listed, range), mem, byUpstream);
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

  /** Makes found-finished tasks due for confirmation, keeping the rank each was first found at. */
  private async markFound(
    upstreamIds: string[],
    mem: SweepMemory,
    ours: Map<string, OpenTaskRef>,
  ): Promise<number> {
    const now = this.d.clock.now();
    let due = 0;
    for (const [foundAt, ids] of rankFound(upstreamIds, mem, ours, now))
      due += await this.d.tasks.markDue(ids, now, foundAt);
    if (due > 0) this.d.onDue?.();
    return due;
  }

  /**
   * A slot of the sweep's share and of the account's query budget (its settle), waited for up
   * to MAX_SLOT_WAIT_MS; null when stopped or still none. While it waits for the account's
   * count, per-task polls in this process step aside (ChannelBudget.sweepWaiting).
   */
  private async takeSlot(budget: ChannelBudget): Promise<(() => Promise<void>) | null> {
    const giveUpAt = this.d.clock.now() + MAX_SLOT_WAIT_MS;
    let shared = false;
    try {
      while (!this.stopped) {
        const now = this.d.clock.now();
        if (!shared) {
          const owed = (this.found.get(budget.channelId)?.size ?? 0) > 0;
          const share = await budget.takeSweepShare(owed);
          shared = share.ok;
          if (!share.ok) {
            if (now + share.retryAfterMs > giveUpAt) return null;
            await this.sleep(Math.max(1, share.retryAfterMs));
            continue;
          }
        }
        const slot = await budget.takeQuery();
        if (slot.ok) return slot.settle;
        if (now + slot.retryAfterMs > giveUpAt) return null;
        budget.sweepWaiting = true;
        await this.sleep(Math.max(1, slot.retryAfterMs));
      }
      return null;
    } finally {
      budget.sweepWaiting = false;
    }
  }
}
