/**
 * The kill phase of the lost-submits drill (bench/lost-submits-drill-phase.ts): where in the run
 * each SIGKILL lands (a create in flight, a copy half done) and the restart on the same store.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  REPO_ROOT,
  startVidgateProcess,
  type VidgateProcess,
} from '../test/support/vidgate-process.js';
import { isTerminal } from './lost-submits-drill-check.js';
import type { DrillOptions, KillRecord } from './lost-submits-drill-phase.js';
import { partFiles, sourceDigest, type StoreView } from './lost-submits-drill-rig.js';

export const openOf = (c: Record<string, number>): number =>
  Object.entries(c).reduce((n, [s, k]) => (isTerminal(s) ? n : n + k), 0);
export const UPSTREAM_OPEN = ['SUBMITTING', 'UNCERTAIN', 'PENDING', 'RUNNING'];
export const totalOf = (c: Record<string, number>): number =>
  Object.values(c).reduce((a, b) => a + b, 0);

/** The order of kills: create kills with the copy kills spread among them. */
function killPlan(o: DrillOptions): Array<'create' | 'copy'> {
  const plan: Array<'create' | 'copy'> = Array.from({ length: o.createKills }, () => 'create');
  const total = o.createKills + o.copyKills;
  for (let j = 0; j < o.copyKills; j++)
    plan.splice(Math.floor(((j + 1) * total) / (o.copyKills + 1)), 0, 'copy');
  return plan;
}

export interface Live {
  proc: VidgateProcess;
  /** outputs of every process of the phase, the live one last */
  procs: VidgateProcess[];
  done: boolean;
  /** sourceDigest at each start */
  sources: string[];
}

/**
 * Kills the process at the k-th of K moments, spread over the first 80% of completions: a
 * create kill once two or more creates left 0.3–1 s ago (rows SUBMITTING), a copy kill once a
 * row is FETCHING and its partial file is on disk. Restarts it on the same store at once.
 */
export async function killDrill(
  o: DrillOptions,
  live: Live,
  view: StoreView,
  dataDir: string,
  env: Record<string, string>,
  t0: number,
  expected: number,
  deadline: number,
  log: (line: string) => void,
): Promise<KillRecord[]> {
  const plan = killPlan(o);
  const records: KillRecord[] = [];
  for (const [k, kind] of plan.entries()) {
    const threshold = Math.floor((0.8 * expected * k) / plan.length);
    while (!live.done && Date.now() < deadline) {
      const c = await view.countsByState();
      if (totalOf(c) - openOf(c) >= threshold) break;
      await sleep(200);
    }
    const waitUntil = Math.min(deadline, Date.now() + 90_000);
    let states: Record<string, number> | undefined;
    let parts = 0;
    while (!live.done && Date.now() < waitUntil) {
      const c = await view.countsByState();
      // on the wire and held by the upstream (1–1.5 s), not yet made: the create is in flight
      const now = Date.now();
      if (kind === 'create' && (await view.submittingBetween(now - 1000, now - 300)) >= 2) {
        states = c;
        break;
      }
      if (kind === 'copy' && (c['FETCHING'] ?? 0) >= 1) {
        parts = partFiles(dataDir).filter((p) => p.startsWith('results')).length;
        if (parts > 0) {
          states = c;
          break;
        }
      }
      await sleep(20);
    }
    const atMs = Date.now() - t0;
    if (!states) {
      records.push({ kind, atMs, skipped: live.done ? 'all tasks were done' : 'no moment found' });
      log(`kill ${k + 1}/${plan.length} (${kind}) skipped`);
      continue;
    }
    await live.proc.kill('SIGKILL');
    const killedAt = Date.now();
    log(
      `kill ${k + 1}/${plan.length} (${kind}) at +${(atMs / 1000).toFixed(1)} s: ` +
        `${JSON.stringify(states)}, ${parts} partial copies on disk`,
    );
    live.sources.push(sourceDigest(REPO_ROOT));
    live.proc = await startVidgateProcess({ env });
    live.procs.push(live.proc);
    records.push({
      kind,
      atMs,
      states,
      partsAtKill: parts,
      restartMs: Date.now() - killedAt,
    });
  }
  return records;
}
