import type { ListedTask, ListFilter, ListPage } from '../providers/provider.js';
import type { TaskRow, TaskStore, UnansweredRow } from '../store/task-store.js';
import {
  attributeLostSubmits,
  type UnansweredSubmit,
  type UnownedCandidate,
} from './lost-submit-attribution.js';
import type { SeenEvidence } from './submit-evidence.js';

/** The list speaks whole seconds and the clocks may differ a little (ADR 0011). */
export const RECONCILE_SKEW_MS = 2000;
const LIST_PAGE_SIZE = 100;
/** past this many pages the window is too busy to read whole in one go: look again later */
const MAX_LIST_PAGES = 20;
/** an attribution still open this long after the window closed is given up (ADR 0011) */
export const AMBIGUITY_LIMIT_MS = 2 * 3600 * 1000;

export interface LostSubmitDeps {
  tasks: TaskStore;
  channelId: string;
  list: (filter: ListFilter) => Promise<ListPage>;
  /**
   * the evidence a finished upstream task shows (orig_prompt, usage); undefined when no query
   * slot was free or the task shows none yet
   */
  evidenceOf: (upstreamTaskId: string) => Promise<SeenEvidence | undefined>;
  /** how long after its answer was lost a submit may still make its task and show it listed */
  windowMs: number;
  /** how long after the loss a submit the list does not show stops holding a running slot */
  settleMs: number;
  now: number;
}

export type LostSubmitVerdict =
  /** the upstream task that provably belongs to the submit */
  | { kind: 'attach'; upstreamTaskId: string; settledPeers: string[] }
  /** proof that no upstream task exists for it: it may be sent again */
  | { kind: 'none'; settledPeers: string[] }
  /** not decidable yet; `releaseSlot` when the list shows nothing it could have made */
  | { kind: 'wait'; retryMs: number; releaseSlot: boolean; settledPeers: string[] }
  /** the evidence never told it apart from another submit's task */
  | { kind: 'ambiguous' };

function toSubmit(r: UnansweredRow, windowMs: number): UnansweredSubmit {
  const sentAt = Number(r.submittedAt ?? r.uncertainSince ?? 0);
  const lost = r.state === 'UNCERTAIN';
  return {
    id: r.id,
    sentAt,
    windowEnd: lost ? Number(r.uncertainSince ?? sentAt) + windowMs : undefined,
    lost,
    evidence:
      r.evidencePrompt !== null && r.evidenceSeconds !== null
        ? { prompt: r.evidencePrompt, seconds: Number(r.evidenceSeconds) }
        : null,
  };
}

/** The submits whose windows overlap the row's, directly or through one another. */
function overlapping(all: UnansweredSubmit[], rowId: string, now: number): UnansweredSubmit[] {
  const end = (s: UnansweredSubmit): number => s.windowEnd ?? now;
  const group = all.filter((s) => s.id === rowId);
  let changed = group.length > 0;
  while (changed) {
    changed = false;
    const lo = Math.min(...group.map((s) => s.sentAt)) - RECONCILE_SKEW_MS;
    const hi = Math.max(...group.map(end)) + RECONCILE_SKEW_MS;
    for (const s of all) {
      if (group.includes(s)) continue;
      if (s.sentAt - RECONCILE_SKEW_MS <= hi && end(s) + RECONCILE_SKEW_MS >= lo) {
        group.push(s);
        changed = true;
      }
    }
  }
  return group;
}

/**
 * Every page of the model's tasks created in [start, end], or undefined if too many. The list is
 * newest first, so a task created while the pages are read pushes older ones down a page: some
 * are then read twice (kept once), none is skipped.
 */
async function listWhole(
  list: LostSubmitDeps['list'],
  model: string,
  startTime: number,
  endTime: number,
): Promise<ListedTask[] | undefined> {
  const out = new Map<string, ListedTask>();
  let pageSize = 0;
  for (let pageNo = 1; pageNo <= MAX_LIST_PAGES; pageNo++) {
    const page = await list({ model, startTime, endTime, pageNo, pageSize: LIST_PAGE_SIZE });
    for (const t of page.tasks) out.set(t.upstreamTaskId, t);
    // the upstream may cut page_size silently: the longest page seen is its real size
    pageSize = Math.max(pageSize, page.tasks.length);
    if (page.tasks.length === 0 || pageNo * pageSize >= page.total) return [...out.values()];
  }
  return undefined;
}

/**
 * Decides what a lost submit's upstream task is, if any, from the upstream's whole task list
 * over the windows of every unanswered submit it could be confused with (ADR 0011).
 */
export async function reconcileLostSubmit(
  d: LostSubmitDeps,
  row: TaskRow,
  seen: Map<string, SeenEvidence>,
): Promise<LostSubmitVerdict> {
  const { now, windowMs } = d;
  const all = (await d.tasks.listUnanswered(d.channelId, row.model)).map((r) =>
    toSubmit(r, windowMs),
  );
  const self = all.find((s) => s.id === row.id);
  if (!self?.lost || self.windowEnd === undefined)
    return { kind: 'wait', retryMs: 1000, releaseSlot: false, settledPeers: [] };
  const group = overlapping(all, row.id, now);
  const start = Math.min(...group.map((s) => s.sentAt)) - RECONCILE_SKEW_MS;
  const end = Math.min(now, Math.max(...group.map((s) => s.windowEnd ?? now)) + RECONCILE_SKEW_MS);
  const listed = await listWhole(d.list, row.model, start, end);
  if (!listed) return { kind: 'wait', retryMs: 5000, releaseSlot: false, settledPeers: [] };
  const ofModel = listed.filter((t) => t.model === '' || t.model === row.model);
  const owned = await d.tasks.ownedUpstreamIds(
    d.channelId,
    ofModel.map((t) => t.upstreamTaskId),
  );
  const unowned = ofModel.filter((t) => !owned.has(t.upstreamTaskId));
  const candidatesOf = (): UnownedCandidate[] =>
    unowned.map((t) => ({
      id: t.upstreamTaskId,
      createdAt: t.createdAt,
      seen: seen.get(t.upstreamTaskId) ?? {},
    }));

  let result = attributeLostSubmits(group, candidatesOf(), RECONCILE_SKEW_MS);
  const mine = result.possible.get(row.id) ?? [];
  if (!result.attached.has(row.id) && mine.length > 0) {
    // contested tasks that have finished show their request's evidence: ask for it
    const finished = new Set(
      unowned.filter((t) => t.status === 'SUCCEEDED').map((t) => t.upstreamTaskId),
    );
    let asked = false;
    for (const id of mine) {
      if (seen.has(id) || !finished.has(id)) continue;
      const evidence = await d.evidenceOf(id);
      if (!evidence) break;
      seen.set(id, evidence);
      asked = true;
    }
    if (asked) result = attributeLostSubmits(group, candidatesOf(), RECONCILE_SKEW_MS);
  }

  const settledPeers = [...result.attached.keys()].filter((id) => id !== row.id);
  const found = result.attached.get(row.id);
  if (found) return { kind: 'attach', upstreamTaskId: found, settledPeers };
  const left = result.possible.get(row.id) ?? [];
  if (left.length === 0 && now >= self.windowEnd + RECONCILE_SKEW_MS)
    return { kind: 'none', settledPeers };
  if (left.length > 0 && now >= self.windowEnd + AMBIGUITY_LIMIT_MS) return { kind: 'ambiguous' };
  const releaseSlot = left.length === 0 && now >= Number(row.uncertainSince ?? now) + d.settleMs;
  const retryMs = left.length === 0 ? Math.min(5000, Math.max(500, self.windowEnd - now)) : 2000;
  return { kind: 'wait', retryMs, releaseSlot, settledPeers };
}
