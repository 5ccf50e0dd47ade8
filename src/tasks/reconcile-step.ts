import { backoffMs } from '../jobs/backoff.js';
import { findModel } from '../models/model-table.js';
import { effectiveRequest, parseStoredBody } from '../models/task-request.js';
import { takeQuerySlot } from '../ratelimit/query-budget.js';
import { LIMIT_WINDOW_MS, SLOT_HOLD_MS } from '../ratelimit/upstream-window.js';
import type { TaskRow } from '../store/task-store.js';
import { reconcileLostSubmit } from './lost-submits.js';
import { evidenceOfResult, type SeenEvidence } from './submit-evidence.js';
import { TaskTransitions } from './task-transitions.js';

/** How long after its loss a submit the list does not show keeps its running slot (ADR 0011). */
export const LOST_SUBMIT_SETTLE_MS = 2000;
/** finished tasks' evidence is kept for this many upstream tasks per process */
const SEEN_CACHE_SIZE = 2000;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The UNCERTAIN step: a submit whose answer was lost is attached to an upstream task only when
 * that task provably belongs to it, and sent again only on proof that none exists (ADR 0011).
 */
export class ReconcileStep extends TaskTransitions {
  /** evidence (orig_prompt, usage) shown by finished upstream tasks that were contested */
  private readonly seen = new Map<string, SeenEvidence>();

  async run(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    const list = channel?.provider.list?.bind(channel.provider);
    if (!channel || !list) {
      // an upstream without a task list cannot have lost a create (ProviderError 'retry')
      await this.requeue(row);
      return;
    }
    const now = this.now();
    const key = `query:${channel.id}`;
    const q = channel.limits.queriesPerSecond;
    const slot = await this.d.limiter.tryAcquire(key, q, LIMIT_WINDOW_MS, now, SLOT_HOLD_MS);
    if (!slot.ok) return this.later(row, slot.retryAfterMs);
    let verdict;
    try {
      verdict = await reconcileLostSubmit(
        {
          tasks: this.d.tasks,
          channelId: channel.id,
          list,
          evidenceOf: async (upstreamId) => {
            const s = await takeQuerySlot(this.d.limiter, channel.id, q, this.now());
            if (!s.ok) return undefined;
            try {
              const view = await channel.provider.query(upstreamId);
              return view.kind === 'SUCCEEDED'
                ? evidenceOfResult(view.origPrompt, view.usage)
                : undefined;
            } finally {
              await this.d.limiter.settle(key, s.stamp, this.now());
            }
          },
          windowMs: this.d.reconcileWindowMs,
          settleMs: Math.min(LOST_SUBMIT_SETTLE_MS, this.d.reconcileWindowMs),
          now,
        },
        row,
        this.seen,
      );
    } catch (err) {
      this.d.logger.warn({ task: row.id, err: errText(err) }, 'reconciliation list failed');
      return this.later(row, backoffMs(3));
    } finally {
      await this.d.limiter.settle(key, slot.stamp, this.now());
      this.trimSeen();
    }
    if (verdict.kind !== 'ambiguous' && verdict.settledPeers.length > 0) {
      await this.d.tasks.makeUncertainDue(verdict.settledPeers, this.now());
      this.d.onQueueWoken?.();
    }
    switch (verdict.kind) {
      case 'attach':
        return this.attach(row, channel.id, verdict.upstreamTaskId);
      case 'none':
        this.d.logger.info(
          { task: row.id },
          'no upstream task for a lost submit; submitting again',
        );
        return this.requeue(row);
      case 'wait': {
        const release = verdict.releaseSlot && row.slotReleasedAt === null;
        await this.later(row, verdict.retryMs, release ? { slotReleasedAt: this.now() } : {});
        if (release && (await this.d.tasks.wakeQueued(this.now(), 1)) > 0) this.d.onQueueWoken?.();
        return;
      }
      case 'ambiguous':
        return this.fail(
          row,
          'InternalError',
          'The answer to this task’s submit was lost and the upstream’s task list could not tell ' +
            'its task from another request’s, so no result is shown; nothing is billed for it. ' +
            'Submit it again.',
        );
    }
  }

  private async attach(row: TaskRow, channelId: string, upstreamTaskId: string): Promise<void> {
    const now = this.now();
    const model = findModel(row.model);
    const eff = model ? effectiveRequest(model, parseStoredBody(row.request)) : undefined;
    const sentAt = Number(row.submittedAt ?? row.uncertainSince ?? now);
    const attached = await this.d.tasks.attachLost(
      row.id,
      this.d.owner,
      channelId,
      upstreamTaskId,
      {
        uncertainSince: null,
        slotReleasedAt: null,
        adoptedAt: now,
        etaAt: eff
          ? sentAt + this.d.estimator.estimateMs(row.model, eff.tier, eff.durationSec)
          : null,
        nextRunAt: now,
        updatedAt: now,
      },
    );
    if (!attached) {
      // another task took it between the list and the update: decide again from a fresh list
      return this.later(row, 500);
    }
    this.d.logger.info(
      { task: row.id, upstream: upstreamTaskId },
      'adopted the upstream task of a lost submit',
    );
  }

  private async requeue(row: TaskRow): Promise<void> {
    await this.move(row, 'QUEUED', {
      channelId: null,
      uncertainSince: null,
      submittedAt: null,
      slotReleasedAt: null,
      evidencePrompt: null,
      evidenceSeconds: null,
      nextRunAt: this.now(),
    });
  }

  private trimSeen(): void {
    for (const id of this.seen.keys()) {
      if (this.seen.size <= SEEN_CACHE_SIZE) break;
      this.seen.delete(id);
    }
  }
}
