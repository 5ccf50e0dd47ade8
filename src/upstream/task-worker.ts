import type { Channel } from '../channels/channel-pool.js';
import { backoffMs } from '../jobs/backoff.js';
import { HEDGE_AFTER_MS, hedgedRead } from '../jobs/hedged-read.js';
import { findModel } from '../models/model-table.js';
import { readTaskRequest, taskRequestOf, type TaskRequest } from '../models/task-request.js';
import { ProviderError } from '../providers/provider-error.js';
import type { TaskRow } from '../store/task-store.js';
import {
  decideCancel,
  decideCancelBeforeUpstream,
  decideCancelStart,
  type CancelObservation,
} from './decisions/cancel.js';
import { decideChecked, type CheckObservation } from './decisions/checking.js';
import { decidePoll, decidePollStart, type PollObservation } from './decisions/polling.js';
import { decideDispatch, decideDispatchable } from './decisions/queued.js';
import {
  decideAbandonedSubmit,
  decideSubmitted,
  type SubmitOutcome,
} from './decisions/submitting.js';
import { ReconcileStep } from './reconcile-step.js';
import { ResultStep } from './result-step.js';
import { evidenceOfRequest, type SubmitEvidence } from './submit-evidence.js';
import { TaskTransitions } from './task-transitions.js';

const MAX_ERROR_STREAK = 5;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type { TaskWorkerDeps } from './task-transitions.js';

/**
 * Moves one claimed task one step along its life. Each step observes (the channels, the
 * upstream, the media) and hands what it saw to the state's decision function
 * (`decisions/`), whose actions `apply` carries out with conditional updates.
 */
export class TaskWorker extends TaskTransitions {
  /** consecutive unexpected errors per task in this process (store down, a bug) */
  private readonly errorStreak = new Map<string, number>();
  private readonly reconcileStep = new ReconcileStep(this.d);
  private readonly resultStep = new ResultStep(this.d);
  /** each claimed row's request, parsed once per step */
  private readonly requests = new WeakMap<TaskRow, TaskRequest>();

  /**
   * One step for one claimed task. An unexpected error (not an upstream answer: those are data)
   * backs the task off instead of leaving it to the lease; after a few in a row it fails,
   * so a poisoned task cannot hold an upstream slot forever.
   */
  async handle(row: TaskRow): Promise<void> {
    try {
      await this.step(row);
      this.errorStreak.delete(row.id);
    } catch (err) {
      const streak = (this.errorStreak.get(row.id) ?? 0) + 1;
      this.errorStreak.set(row.id, streak);
      this.d.logger.error(
        { task: row.id, state: row.state, streak, err: errText(err) },
        'task step failed',
      );
      if (streak >= MAX_ERROR_STREAK) {
        this.errorStreak.delete(row.id);
        await this.fail(
          row,
          'InternalError',
          'vidgate could not process the task; quote the task_id when reporting it.',
        );
        return;
      }
      await this.later(row, backoffMs(streak + 1));
    }
  }

  private async step(row: TaskRow): Promise<void> {
    const early = decideCancelBeforeUpstream(row, this.decisionClock());
    if (early && (row.state === 'CHECKING' || row.state === 'QUEUED'))
      return this.apply(row, early);
    switch (row.state) {
      case 'CHECKING':
        return this.checkMedia(row);
      case 'QUEUED':
        return this.dispatch(row);
      case 'SUBMITTING':
        return this.apply(row, decideAbandonedSubmit(this.decisionClock()));
      case 'UNCERTAIN':
        return this.reconcileStep.run(row);
      case 'PENDING':
      case 'RUNNING':
        return this.poll(row);
      case 'FETCHING':
        return this.resultStep.run(row);
      case 'SUCCEEDED':
      case 'FAILED':
      case 'CANCELED':
        return;
    }
  }

  private requestOf(row: TaskRow): TaskRequest {
    let req = this.requests.get(row);
    if (!req) {
      req = readTaskRequest(row.request);
      this.requests.set(row, req);
    }
    return req;
  }

  /** What tells this task's submit from another's in the upstream's answers (ADR 0011). */
  private evidenceOf(row: TaskRow): SubmitEvidence {
    const req = this.requestOf(row);
    return evidenceOfRequest(req.body.input.prompt, req.effective.durationSec);
  }

  protected override onRunTime(row: TaskRow, ms: number): void {
    const { effective } = this.requestOf(row);
    this.d.estimator.observe(row.model, effective.tier, effective.durationSec, ms);
  }

  /** Remote media is checked before dispatch; a task that fails here costs nothing upstream. */
  private async checkMedia(row: TaskRow): Promise<void> {
    // a channel rendering media itself reads the copies checked here instead of fetching the
    // URLs again (a server may answer differently the second time: ADR 0009)
    const renderedHere = this.d.channels
      .all()
      .some(
        (c) =>
          c.enabled &&
          c.definition.capabilities.resolvesMediaLocally &&
          (c.models.includes('*') || c.models.includes(row.model)),
      );
    let obs: CheckObservation;
    try {
      const body = await this.d.inputs.resolve(this.requestOf(row).body);
      const verdict = await this.d.media.checkRemote(
        body,
        undefined,
        undefined,
        renderedHere ? row.id : undefined,
      );
      obs = verdict.ok
        ? { kind: 'checked', ok: true }
        : { kind: 'checked', ok: false, code: verdict.code, message: verdict.message };
    } catch (err) {
      obs = { kind: 'checkFailed', error: errText(err) };
    }
    await this.apply(row, decideChecked(row, obs, this.decisionClock()));
  }

  private async dispatch(row: TaskRow): Promise<void> {
    const c = this.decisionClock();
    const closed = decideDispatchable(row, c);
    if (closed) return this.apply(row, closed);
    const candidates = this.d.channels.candidates(row.model, c.now);
    if (candidates.length === 0) {
      const anyServes = this.d.channels
        .all()
        .some((ch) => ch.models.includes('*') || ch.models.includes(row.model));
      return this.apply(row, decideDispatch(row, { kind: 'noCandidate', anyServes }, c));
    }
    // read from the body only once a channel has room: a queued task comes here every few
    // seconds while the channels are full
    let evidence: SubmitEvidence | undefined;
    // a model's own limits on the account (families §5–§8: s2v runs one task at a time)
    const own = findModel(row.model)?.upstreamLimits;
    for (const channel of candidates) {
      if ((await this.d.tasks.countOpenOnChannel(channel.id)) >= channel.limits.maxRunning)
        continue;
      evidence ??= this.evidenceOf(row);
      const admittedAt = this.now();
      const admitted = await this.d.tasks.admit(
        row.id,
        this.d.owner,
        channel.id,
        channel.limits.maxRunning,
        {
          attempts: row.attempts + 1,
          // submittedAt marks when the request left: the reconciliation window starts here
          submittedAt: admittedAt,
          updatedAt: admittedAt,
          evidencePrompt: evidence.prompt,
          evidenceSeconds: evidence.seconds,
        },
        own?.maxRunning,
      );
      if (!admitted) continue;
      // the submit slot is taken last, with a fresh clock, and held until the answer arrives
      const slot = await this.d.budgets
        .of(channel)
        .takeSubmit(own ? { name: row.model, perSecond: own.submitPerSecond } : undefined);
      if (!slot.ok) {
        const obs = { kind: 'noSubmitSlot', retryAfterMs: slot.retryAfterMs } as const;
        return this.apply(admitted, decideDispatch(admitted, obs, this.decisionClock()));
      }
      try {
        return await this.submit(admitted, channel);
      } finally {
        await slot.settle();
      }
    }
    await this.apply(row, decideDispatch(row, { kind: 'allFull' }, c));
  }

  private async submit(row: TaskRow, channel: Channel): Promise<void> {
    const req = this.requestOf(row);
    // inline media were moved into storage at create: the upstream is sent them back inline
    const resolved = taskRequestOf(await this.d.inputs.resolve(req.body));
    let outcome: SubmitOutcome;
    try {
      // the task id doubles as the client request id: a duplicate upstream task would carry it twice
      const result = await channel.provider.submit(resolved, { requestId: row.id });
      const { tier, durationSec } = req.effective;
      const estimateMs = this.d.estimator.estimateMs(row.model, tier, durationSec);
      outcome = { kind: 'created', result, estimateMs };
    } catch (err) {
      const error =
        err instanceof ProviderError
          ? err
          : new ProviderError(
              channel.definition.capabilities.listTasks ? 'uncertain' : 'retry',
              'InternalError',
              errText(err),
            );
      outcome = { kind: 'failed', error };
    }
    // applied outside the try: a store error after a successful create must not look like a
    // lost answer
    const watched = this.d.sweep?.watching(channel.id, this.now()) ?? false;
    await this.apply(row, decideSubmitted(row, outcome, { ...this.decisionClock(), watched }));
  }

  /** An asked-for cancel of a PENDING task goes upstream before any poll (ADR 0015). */
  private async cancelUpstream(row: TaskRow, channel: Channel | undefined): Promise<boolean> {
    const provider = channel?.provider;
    const canCancel = !!channel?.definition.capabilities.cancel && provider?.cancel !== undefined;
    const start = decideCancelStart(row, canCancel);
    if (start.kind === 'none') return false;
    if (start.kind === 'drop' || !channel || !provider?.cancel) {
      await this.apply(row, start.kind === 'drop' ? start.actions : []);
      return true;
    }
    const budget = this.d.budgets.of(channel);
    const slot = await budget.takeQuery('needed');
    let obs: CancelObservation;
    if (!slot.ok) obs = { kind: 'failed', error: 'no query slot', retryAfterMs: slot.retryAfterMs };
    else {
      try {
        await provider.cancel(start.upstreamTaskId);
        obs = { kind: 'canceled' };
      } catch (err) {
        obs =
          err instanceof ProviderError && err.kind === 'reject'
            ? { kind: 'refused', code: err.code }
            : {
                kind: 'failed',
                error: errText(err),
                retryAfterMs: err instanceof ProviderError ? err.retryAfterMs : undefined,
              };
      } finally {
        await slot.settle();
      }
    }
    await this.apply(row, decideCancel(obs, this.decisionClock()));
    return true;
  }

  private async poll(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (await this.cancelUpstream(row, channel)) return;
    const budget = channel ? this.d.budgets.of(channel) : undefined;
    const context = () => ({
      ...this.decisionClock(),
      watched: channel ? (this.d.sweep?.watching(channel.id, this.now()) ?? false) : false,
      sweepWaiting: budget?.sweepWaiting ?? false,
    });
    const start = decidePollStart(row, channel !== undefined, context());
    if (start.kind === 'skip' || !channel || !budget || !row.upstreamTaskId)
      return this.apply(row, start.kind === 'skip' ? start.actions : []);
    const upstreamTaskId = row.upstreamTaskId;
    const slot = await budget.takeQuery(start.use);
    let obs: PollObservation;
    if (!slot.ok) obs = { kind: 'noSlot', retryAfterMs: slot.retryAfterMs };
    else {
      try {
        const view = await hedgedRead(() => channel.provider.query(upstreamTaskId), {
          afterMs: HEDGE_AFTER_MS,
          settleFirst: slot.settle,
          takeSlot: start.hedge ? budget.takeHedge : () => Promise.resolve(null),
        });
        obs = { kind: 'view', view };
      } catch (err) {
        obs = {
          kind: 'queryFailed',
          retryAfterMs: err instanceof ProviderError ? err.retryAfterMs : undefined,
        };
      }
    }
    await this.apply(row, decidePoll(row, start.purpose, obs, context()));
  }
}
