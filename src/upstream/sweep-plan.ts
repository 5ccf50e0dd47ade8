import type { ListedTask } from '../providers/provider.js';
import type { OpenTaskRef } from '../store/task-store.js';

/** What the sweep remembers of a channel's open tasks between reads. */
export interface SweepMemory {
  /** upstream task id → creation second, for tasks the list has shown RUNNING */
  running: Map<string, number>;
  /** upstream id → when first found finished, for such tasks still open */
  found: Map<string, number>;
}

/**
 * Windows of consecutive submit times, each starting with about a page of our open tasks
 * (`scanned`, oldest first). They tile time without overlapping (a window ends where the next
 * begins, the last one at now), so a task created a little after we sent it is still in exactly
 * one of them. The list speaks whole seconds, so starts are whole seconds, each later than the
 * one before (a window of many tasks created in one second simply takes several pages).
 */
export function windowStarts(
  scanned: readonly OpenTaskRef[],
  pageSize: number,
  now: number,
): number[] {
  const starts: number[] = [];
  for (let i = 0; i < scanned.length; i += pageSize) {
    const second = Math.floor(Number(scanned[i]?.submittedAt ?? now) / 1000) * 1000;
    if (second > (starts[starts.length - 1] ?? -1)) starts.push(second);
  }
  return starts;
}

/** The creation times window `idx` lists, both ends included. */
export function windowRange(starts: readonly number[], idx: number, now: number): [number, number] {
  const from = starts[idx] ?? now;
  const to = idx + 1 < starts.length ? (starts[idx + 1] ?? now) - 1 : now + 1000;
  return [from, to];
}

/**
 * Indices of the windows that may list a task the list has not shown running in this process (a
 * task still PENDING, or one a restart left RUNNING in the store): the window of its submit time
 * and the next one (the upstream may create it in the next second). Such windows are listed with
 * every status: a task that ran and finished between two reads is never in a RUNNING-only list.
 */
export function windowsWithUnseen(
  scanned: readonly OpenTaskRef[],
  starts: readonly number[],
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

export interface PageReading {
  /** our PENDING tasks the list shows RUNNING: moved without a per-task query */
  started: { id: string; startedAt: number }[];
  /** upstream ids of our tasks the list shows finished */
  finished: string[];
}

/** What one list page says about our open tasks; updates `mem` with the tasks seen running. */
export function readListedPage(
  listed: readonly ListedTask[],
  ours: ReadonlyMap<string, OpenTaskRef>,
  mem: SweepMemory,
  now: number,
): PageReading {
  const out: PageReading = { started: [], finished: [] };
  for (const t of listed) {
    const task = ours.get(t.upstreamTaskId);
    if (!task || t.status === 'PENDING') continue;
    if (t.status === 'RUNNING') {
      mem.running.set(t.upstreamTaskId, Math.floor(t.createdAt / 1000) * 1000);
      mem.found.delete(t.upstreamTaskId);
      if (task.state !== 'RUNNING')
        out.started.push({ id: task.id, startedAt: Math.round(t.startedAt ?? now) });
    } else out.finished.push(t.upstreamTaskId);
  }
  return out;
}

/**
 * Tasks shown RUNNING before, created in [from, to], that the window's complete read no longer
 * lists: they left RUNNING (a lagging list only shows them running longer).
 */
export function leftRunning(
  running: ReadonlyMap<string, number>,
  listed: ReadonlySet<string>,
  [from, to]: [number, number],
): string[] {
  const left: string[] = [];
  for (const [upstreamId, createdAt] of running) {
    if (createdAt >= from && createdAt <= to && !listed.has(upstreamId)) left.push(upstreamId);
  }
  return left;
}

/**
 * Our task ids found finished, grouped by when each was first found (`mem.found`, set here for
 * new ones). Every read that finds one again makes it due again (a worker denied a query slot
 * put it back in the schedule), and it keeps its first rank: stamping it anew would put the
 * tasks of windows read early in each cycle ahead of it every time and, when confirmations are
 * short of slots, starve it.
 */
export function rankFound(
  upstreamIds: readonly string[],
  mem: SweepMemory,
  ours: ReadonlyMap<string, OpenTaskRef>,
  now: number,
): Map<number, string[]> {
  const byRank = new Map<number, string[]>();
  for (const upstreamId of upstreamIds) {
    const task = ours.get(upstreamId);
    if (!task) continue;
    const foundAt = mem.found.get(upstreamId) ?? now;
    mem.found.set(upstreamId, foundAt);
    byRank.set(foundAt, [...(byRank.get(foundAt) ?? []), task.id]);
  }
  return byRank;
}
