import { setTimeout as realSleep } from 'node:timers/promises';
import { readTaskRequest } from '../models/task-request.js';
import type { TaskPatch, TaskRow } from '../store/task-store.js';
import type { ListFilter, ListPage } from '../providers/provider.js';
import type { Taken } from './channel-budget.js';
import type { TaskAction } from './decisions/task-action.js';
import {
  decideReconcile,
  type ReconcileAction,
  type ReconcileObservation,
} from './decisions/uncertain.js';
import { reconcileLostSubmit } from './lost-submits.js';
import { evidenceOfResult, type SeenEvidence } from './submit-evidence.js';
import { TaskTransitions } from './task-transitions.js';

/** How long after its loss a submit the list does not show keeps its running slot (ADR 0011). */
export const LOST_SUBMIT_SETTLE_MS = 2000;
/** finished tasks' evidence is kept for this many upstream tasks per process */
const SEEN_CACHE_SIZE = 2000;

/** longest wait for one list page's query slot before the reconciliation waits whole */
const PAGE_SLOT_WAIT_MS = 5000;

/** A list page found the account's query count spent: the reconciliation waits, whole. */
class BudgetSpent extends Error {
  constructor(readonly retryAfterMs: number) {
    super('no query slot for the next list page');
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The UNCERTAIN step: lists the channel's tasks around the lost submit and hands what it found
 * to decideReconcile (ADR 0011), then carries the verdict out.
 */
export class ReconcileStep extends TaskTransitions {
  /** evidence (orig_prompt, usage) shown by finished upstream tasks that were contested */
  private readonly seen = new Map<string, SeenEvidence>();

  async run(row: TaskRow): Promise<void> {
    const obs = await this.observe(row);
    await this.applyReconcile(row, decideReconcile(row, obs, this.decisionClock()));
  }

  private async observe(row: TaskRow): Promise<ReconcileObservation> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    const list = channel?.provider.list?.bind(channel.provider);
    // an upstream without a task list cannot have lost a create (ProviderError 'retry')
    if (!channel || !list) return { kind: 'noList' };
    const budget = this.d.budgets.of(channel);
    const first = await budget.takeQuery();
    if (!first.ok) return { kind: 'noSlot', retryAfterMs: first.retryAfterMs };
    // Every list page is a query of its own. One slot for the whole (multi-page) list let a
    // reconciliation send several queries at once beyond the account's count: a polling bench
    // run saw 22 queries in one second against a cap of 20 while lost submits were listed.
    // Later pages wait for their slot (a reconciliation started over whenever one page found
    // the count spent, and on a busy account never read a long list to its end).
    let unused: Taken | null = first;
    const sleep = this.d.sleep ?? ((ms: number) => realSleep(ms));
    const listPage = async (filter: ListFilter): Promise<ListPage> => {
      let slot = unused ?? (await budget.takeQuery());
      unused = null;
      for (let waited = 0; !slot.ok && waited < PAGE_SLOT_WAIT_MS;) {
        const ms = Math.max(1, slot.retryAfterMs);
        await sleep(ms);
        waited += ms;
        slot = await budget.takeQuery();
      }
      if (!slot.ok) throw new BudgetSpent(slot.retryAfterMs);
      try {
        return await list(filter);
      } finally {
        await slot.settle();
      }
    };
    try {
      const verdict = await reconcileLostSubmit(
        {
          tasks: this.d.tasks,
          channelId: channel.id,
          list: listPage,
          evidenceOf: async (upstreamId) => {
            const s = await budget.takeQuery();
            if (!s.ok) return undefined;
            try {
              const view = await channel.provider.query(upstreamId);
              return view.kind === 'SUCCEEDED'
                ? evidenceOfResult(view.origPrompt, view.usage)
                : undefined;
            } finally {
              await s.settle();
            }
          },
          windowMs: this.d.reconcileWindowMs,
          settleMs: Math.min(LOST_SUBMIT_SETTLE_MS, this.d.reconcileWindowMs),
          now: this.now(),
        },
        row,
        this.seen,
      );
      return { kind: 'verdict', verdict, estimateMs: this.estimateOf(row) };
    } catch (err) {
      if (err instanceof BudgetSpent) return { kind: 'noSlot', retryAfterMs: err.retryAfterMs };
      return { kind: 'listFailed', error: errText(err) };
    } finally {
      if (unused?.ok) await unused.settle();
      this.trimSeen();
    }
  }

  private estimateOf(row: TaskRow): number | null {
    try {
      const { effective } = readTaskRequest(row.request);
      return this.d.estimator.estimateMs(row.model, effective.tier, effective.durationSec);
    } catch {
      return null;
    }
  }

  private async applyReconcile(row: TaskRow, actions: ReconcileAction[]): Promise<void> {
    for (const a of actions) {
      switch (a.kind) {
        case 'wakeUncertain':
          await this.d.tasks.makeUncertainDue(a.ids, this.now());
          this.d.onQueueWoken?.();
          break;
        case 'wakeQueue':
          if ((await this.d.tasks.wakeQueued(this.now(), 1)) > 0) this.d.onQueueWoken?.();
          break;
        case 'adopt':
          await this.adopt(row, a.upstreamTaskId, a.patch, a.onRace);
          break;
        case 'move':
        case 'later':
        case 'pauseChannel':
        case 'observeRunTime':
        case 'log':
          // a released slot's `later` comes before its `wakeQueue`: the woken task finds it free
          await this.apply(row, [a]);
          break;
      }
    }
  }

  private async adopt(
    row: TaskRow,
    upstreamTaskId: string,
    patch: TaskPatch,
    onRace: TaskAction,
  ): Promise<void> {
    const channelId = row.channelId;
    const attached = channelId
      ? await this.d.tasks.attachLost(row.id, this.d.owner, channelId, upstreamTaskId, {
          ...patch,
          updatedAt: this.now(),
        })
      : undefined;
    // another task took it between the list and the update: decide again from a fresh list
    if (!attached) return this.apply(row, [onRace]);
    this.d.logger.info(
      { task: row.id, upstream: upstreamTaskId },
      'adopted the upstream task of a lost submit',
    );
  }

  private trimSeen(): void {
    for (const id of this.seen.keys()) {
      if (this.seen.size <= SEEN_CACHE_SIZE) break;
      this.seen.delete(id);
    }
  }
}
