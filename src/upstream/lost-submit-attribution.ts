import { evidenceAgrees, type SeenEvidence, type SubmitEvidence } from './submit-evidence.js';

/** A submit of one model on one channel whose answer has not arrived (ADR 0011). */
export interface UnansweredSubmit {
  id: string;
  /** when the request left vidgate */
  sentAt: number;
  /**
   * the latest moment its upstream task may have been created (the loss plus the reconcile
   * window); undefined while the request is still in flight, so its window is open
   */
  windowEnd: number | undefined;
  /** only a lost submit can be given a task here; one in flight will hear its own answer */
  lost: boolean;
  /** null for submits recorded before evidence was kept: they agree with everything */
  evidence: SubmitEvidence | null;
}

/** An upstream task of the model that no vidgate task owns. */
export interface UnownedCandidate {
  id: string;
  /** the upstream's creation time (the list's gmt_create) */
  createdAt: number;
  seen: SeenEvidence;
}

export interface Attribution {
  /** lost submit id → the upstream task that provably belongs to it */
  attached: Map<string, string>;
  /** submit id → the unattached candidates it may still have made */
  possible: Map<string, string[]>;
  /** candidate id → the unattached submits that may have made it */
  owners: Map<string, string[]>;
}

function couldHaveMade(s: UnansweredSubmit, c: UnownedCandidate, skewMs: number): boolean {
  if (c.createdAt < s.sentAt - skewMs) return false;
  if (s.windowEnd !== undefined && c.createdAt > s.windowEnd + skewMs) return false;
  return s.evidence === null || evidenceAgrees(s.evidence, c.seen);
}

/**
 * Gives a lost submit an upstream task only when no other unanswered submit could have made
 * that task: the window of every submit still unanswered (in flight or lost) and the evidence
 * the task has shown decide who could have made it. A task that only one submit could have made
 * is that submit's, and once attached it is taken out of the others' choices, which may leave
 * another task with a single possible maker; this repeats until nothing changes. A submit left
 * with two tasks that only it could have made attaches neither (one of them was not made by
 * vidgate). Nothing is ever decided by which send time is nearest.
 */
export function attributeLostSubmits(
  submits: readonly UnansweredSubmit[],
  candidates: readonly UnownedCandidate[],
  skewMs: number,
): Attribution {
  const attached = new Map<string, string>();
  const taken = new Set<string>();
  const ownersOf = (c: UnownedCandidate): UnansweredSubmit[] =>
    submits.filter((s) => !attached.has(s.id) && couldHaveMade(s, c, skewMs));
  for (;;) {
    const sole = new Map<string, string[]>();
    for (const c of candidates) {
      if (taken.has(c.id)) continue;
      const owners = ownersOf(c);
      const only = owners.length === 1 ? owners[0] : undefined;
      if (only?.lost) sole.set(only.id, [...(sole.get(only.id) ?? []), c.id]);
    }
    let changed = false;
    for (const [submitId, ids] of sole) {
      const id = ids.length === 1 ? ids[0] : undefined;
      if (id === undefined) continue;
      attached.set(submitId, id);
      taken.add(id);
      changed = true;
    }
    if (!changed) break;
  }
  const possible = new Map<string, string[]>(submits.map((s) => [s.id, []]));
  const owners = new Map<string, string[]>();
  for (const c of candidates) {
    if (taken.has(c.id)) continue;
    const who = ownersOf(c).map((s) => s.id);
    owners.set(c.id, who);
    for (const id of who) possible.get(id)?.push(c.id);
  }
  for (const id of attached.keys()) possible.delete(id);
  return { attached, possible, owners };
}
