import type { ListFilter, ListPage } from '../providers/provider.js';
import type { TaskRow, TaskStore } from '../store/task-store.js';

/** list times have one-second resolution and the clocks may differ a little */
export const RECONCILE_SKEW_MS = 5000;

/**
 * Looks for the upstream task of a lost submit: every lost submit of the same model on the
 * channel is matched at once against the unadopted tasks the upstream lists, so two lost
 * submits cannot take each other's task.
 */
export async function findLostUpstreamTask(
  tasks: TaskStore,
  channelId: string,
  list: (filter: ListFilter) => Promise<ListPage>,
  row: TaskRow,
  now: number,
): Promise<string | undefined> {
  const peers = await tasks.listUncertain(channelId, row.model);
  const windows = peers.map((p) => ({
    id: p.id,
    sentAt: Number(p.submittedAt ?? p.uncertainSince ?? now),
    // a request that timed out may still be created later: anything up to now may be it
    lostAt: now,
  }));
  const sentAt = Number(row.submittedAt ?? row.uncertainSince ?? now);
  const page = await list({
    model: row.model,
    startTime: Math.min(sentAt, ...windows.map((w) => w.sentAt)) - RECONCILE_SKEW_MS,
    endTime: now + RECONCILE_SKEW_MS,
    pageNo: 1,
    pageSize: 100,
  });
  const candidates: { id: string; createdAt: number }[] = [];
  for (const t of page.tasks) {
    if (t.model !== '' && t.model !== row.model) continue;
    if (await tasks.findByUpstream(channelId, t.upstreamTaskId)) continue;
    candidates.push({ id: t.upstreamTaskId, createdAt: t.createdAt });
  }
  return matchLostSubmits(windows, candidates, RECONCILE_SKEW_MS).get(row.id);
}

/**
 * Pairs unadopted upstream tasks with lost submits. Each candidate goes to the submit sent
 * closest before or at its creation, among those whose window [sent - skew, lost + skew] holds
 * it: matching from the candidates' side keeps a submit that created nothing (a reset before
 * the upstream read it) from taking a neighbour's task.
 */
export function matchLostSubmits(
  submits: readonly { id: string; sentAt: number; lostAt: number }[],
  candidates: readonly { id: string; createdAt: number }[],
  skewMs: number,
): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const c of [...candidates].sort((a, b) => a.createdAt - b.createdAt)) {
    let best: { id: string; d: number } | undefined;
    for (const s of submits) {
      if (taken.has(s.id)) continue;
      if (c.createdAt < s.sentAt - skewMs || c.createdAt > s.lostAt + skewMs) continue;
      const d = Math.abs(c.createdAt - s.sentAt);
      if (!best || d < best.d) best = { id: s.id, d };
    }
    if (best) {
      taken.add(best.id);
      out.set(best.id, c.id);
    }
  }
  return out;
}
