import type { Channel } from '../channels/channel-pool.js';
import { backoffMs } from '../jobs/backoff.js';
import { HEDGE_AFTER_MS, hedgedRead } from '../jobs/hedged-read.js';
import { findModel } from '../models/model-table.js';
import { effectiveRequest, parseStoredBody, type RequestBody } from '../models/task-request.js';
import { ProviderError } from '../providers/provider-error.js';
import type { SubmitResult, UpstreamView } from '../providers/provider.js';
import { SPARE_ONLY, takeQuerySlot } from '../ratelimit/query-budget.js';
import { LIMIT_WINDOW_MS, SLOT_HOLD_MS } from '../ratelimit/upstream-window.js';
import { isSweptDue, type TaskPatch, type TaskRow } from '../store/task-store.js';
import { ReconcileStep } from './reconcile-step.js';
import { ResultStep } from './result-step.js';
import {
  evidenceAgrees,
  evidenceOfRequest,
  evidenceOfResult,
  type SubmitEvidence,
} from './submit-evidence.js';
import { pollDelayMs } from './poll-delay.js';
import { TaskTransitions } from './task-transitions.js';

const DAY_MS = 24 * 3600 * 1000;
const CHANNEL_PAUSE_MS = 5 * 60 * 1000;
const MAX_ERROR_STREAK = 5;
const SWEEP_YIELD_MS = 200;
const SAFETY_NET_STEP_BACK_MS = 5000;
/**
 * A queued task that found every channel full looks again after this long at the latest; a slot
 * freeing wakes the head of the queue at once, so this only bounds what another process frees.
 */
const FULL_CHANNEL_BACKSTOP_MS = 2000;

function requestBody(row: TaskRow): RequestBody {
  return parseStoredBody(row.request);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type { TaskWorkerDeps } from './task-transitions.js';

/** Moves one claimed task one step along its life. */
export class TaskWorker extends TaskTransitions {
  /** consecutive unexpected errors per task in this process (store down, a bug) */
  private readonly errorStreak = new Map<string, number>();
  /** tasks whose confirming query (see poll) was denied a slot or failed in this process */
  private readonly owed = new Set<string>();
  private readonly reconcileStep = new ReconcileStep(this.d);
  private readonly resultStep = new ResultStep(this.d);

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
    switch (row.state) {
      case 'CHECKING':
        return this.checkMedia(row);
      case 'QUEUED':
        return this.dispatch(row);
      case 'SUBMITTING':
        // the lease ran out mid-submit (the worker died): the submit may have reached upstream
        await this.move(row, 'UNCERTAIN', {
          uncertainSince: this.now(),
          nextRunAt: this.now(),
        });
        return;
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
    let verdict;
    try {
      const body = await this.d.inputs.resolve(requestBody(row));
      verdict = await this.d.media.checkRemote(
        body,
        undefined,
        undefined,
        renderedHere ? row.id : undefined,
      );
    } catch (err) {
      this.d.logger.warn(
        { task: row.id, err: errText(err) },
        'media check could not run; will retry',
      );
      return this.later(row, backoffMs(row.attempts + 2));
    }
    if (!verdict.ok) return this.fail(row, verdict.code, verdict.message);
    await this.move(row, 'QUEUED', { nextRunAt: this.now() });
  }

  private async dispatch(row: TaskRow): Promise<void> {
    const now = this.now();
    if (now > Number(row.dispatchDeadline)) {
      return this.fail(
        row,
        'RequestTimeOut',
        'No upstream channel had room for the task before the dispatch deadline; nothing was charged.',
      );
    }
    const candidates = this.d.channels.candidates(row.model, now);
    if (candidates.length === 0) {
      const anyServes = this.d.channels
        .all()
        .some((c) => c.models.includes('*') || c.models.includes(row.model));
      if (!anyServes) {
        return this.fail(row, 'ModelUnavailable', `No channel serves model ${row.model}.`);
      }
      return this.later(row, 2000);
    }
    // read from the body only once a channel has room: a queued task comes here every few
    // seconds while the channels are full
    let evidence: SubmitEvidence | undefined;
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
      );
      if (!admitted) continue;
      // the submit slot is taken last, with a fresh clock, and held until the answer arrives
      const key = `submit:${channel.id}`;
      const slot = await this.d.limiter.tryAcquire(
        key,
        channel.limits.submitPerSecond,
        LIMIT_WINDOW_MS,
        this.now(),
        SLOT_HOLD_MS,
      );
      if (!slot.ok) {
        await this.move(admitted, 'QUEUED', {
          channelId: null,
          submittedAt: null,
          attempts: row.attempts,
          nextRunAt: this.now() + slot.retryAfterMs,
        });
        return;
      }
      try {
        return await this.submit(admitted, channel);
      } finally {
        await this.d.limiter.settle(key, slot.stamp, this.now());
      }
    }
    await this.later(row, FULL_CHANNEL_BACKSTOP_MS);
  }

  /** What tells this task's submit from another's in the upstream's answers (ADR 0011). */
  private evidenceOf(row: TaskRow): SubmitEvidence {
    const body = requestBody(row);
    const eff = effectiveRequest(findModelOrThrow(row.model), body);
    return evidenceOfRequest(body.input.prompt, eff.durationSec);
  }

  private async submit(row: TaskRow, channel: Channel): Promise<void> {
    const body = await this.d.inputs.resolve(requestBody(row));
    let res: SubmitResult;
    try {
      // the task id doubles as the client request id: a duplicate upstream task would carry it twice
      res = await channel.provider.submit(body, { requestId: row.id });
    } catch (err) {
      const e =
        err instanceof ProviderError
          ? err
          : new ProviderError(
              channel.definition.capabilities.listTasks ? 'uncertain' : 'retry',
              'InternalError',
              errText(err),
            );
      this.d.logger.warn(
        { task: row.id, channel: channel.name, kind: e.kind, code: e.code },
        'submit failed',
      );
      switch (e.kind) {
        case 'reject':
          return this.fail(row, e.code, e.message);
        case 'uncertain':
          await this.move(row, 'UNCERTAIN', {
            uncertainSince: this.now(),
            nextRunAt: this.now() + 2000,
          });
          return;
        case 'channel':
          await this.d.channels.pause(channel.id, this.now() + CHANNEL_PAUSE_MS, e.code);
          await this.move(row, 'QUEUED', {
            channelId: null,
            evidencePrompt: null,
            evidenceSeconds: null,
            nextRunAt: this.now(),
          });
          return;
        case 'retry':
          await this.move(row, 'QUEUED', {
            channelId: null,
            evidencePrompt: null,
            evidenceSeconds: null,
            nextRunAt: this.now() + backoffMs(row.attempts, { retryAfterMs: e.retryAfterMs }),
          });
          return;
      }
    }
    // outside the try: a store error after a successful create must not look like a lost answer
    const eff = effectiveRequest(findModelOrThrow(row.model), body);
    const estimate =
      res.expectedRunMs ?? this.d.estimator.estimateMs(row.model, eff.tier, eff.durationSec);
    await this.applyView(row, channel, res.view, {
      upstreamTaskId: res.upstreamTaskId,
      etaAt: Math.round(Number(row.submittedAt ?? this.now()) + estimate),
      errorCode: null,
      errorMessage: null,
    });
  }

  private async poll(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (!channel || !row.upstreamTaskId) return this.later(row, 5000);
    const key = `query:${channel.id}`;
    // A confirmation (the sweep saw the task finish) is the query that matters most. Other polls
    // step aside while the sweep waits for a slot (see StatusSweeper.waiting), and a safety-net
    // poll leaves a reserve for confirmations and, denied, steps back further.
    const now = this.now();
    const confirming = isSweptDue(Number(row.nextRunAt), now) || this.owed.has(row.id);
    if (!confirming && this.d.sweep?.waiting(channel.id)) return this.later(row, SWEEP_YIELD_MS);
    const safetyNet = !confirming && (this.d.sweep?.watching(channel.id, now) ?? false);
    const q = channel.limits.queriesPerSecond;
    const slot = await takeQuerySlot(this.d.limiter, channel.id, q, now, { safetyNet });
    // a denied confirmation stays one: back as an ordinary poll it would yield and step back
    if (confirming && !slot.ok) this.owed.add(row.id);
    else this.owed.delete(row.id);
    if (!slot.ok)
      return this.later(row, slot.retryAfterMs + (safetyNet ? SAFETY_NET_STEP_BACK_MS : 0));
    const upstreamTaskId = row.upstreamTaskId;
    const settle = (stamp: number) => () => this.d.limiter.settle(key, stamp, this.now());
    let view: UpstreamView;
    try {
      view = await hedgedRead(() => channel.provider.query(upstreamTaskId), {
        afterMs: HEDGE_AFTER_MS,
        settleFirst: settle(slot.stamp),
        // only a confirmation is worth a second query: the task has finished and holds its slot
        takeSlot: async () => {
          if (!confirming) return null;
          const extra = await takeQuerySlot(this.d.limiter, channel.id, q, this.now(), SPARE_ONLY);
          return extra.ok ? settle(extra.stamp) : null;
        },
      });
    } catch (err) {
      const retryAfterMs = err instanceof ProviderError ? err.retryAfterMs : undefined;
      // a failed confirmation stays one and comes back soon: as an ordinary poll it would wait
      // for the sweep to find the task again, holding the running slot of a finished task
      if (confirming) {
        this.owed.add(row.id);
        return this.later(row, backoffMs(1, { retryAfterMs }));
      }
      return this.later(row, backoffMs(3, { retryAfterMs }));
    }
    await this.applyView(row, channel, view, {});
  }

  /** Applies what the upstream said; `patch` carries submit-time fields when called from submit. */
  private async applyView(
    row: TaskRow,
    channel: Channel,
    view: UpstreamView,
    patch: TaskPatch,
  ): Promise<void> {
    const now = this.now();
    switch (view.kind) {
      case 'PENDING':
      case 'RUNNING': {
        const etaAt = Number(patch.etaAt ?? row.etaAt ?? now + 60_000);
        const watched = this.d.sweep?.watching(channel.id, now) ?? false;
        const next = now + pollDelayMs(etaAt - now, watched);
        const times = { scheduledAt: view.scheduledTime ?? row.scheduledAt };
        if (row.state === view.kind) return this.later(row, next - now, { ...patch, ...times });
        await this.move(row, view.kind, { ...patch, ...times, nextRunAt: next });
        return;
      }
      case 'SUCCEEDED': {
        const submittedAt = Number(patch.submittedAt ?? row.submittedAt ?? now);
        const body = requestBody(row);
        const eff = effectiveRequest(findModelOrThrow(row.model), body);
        const sent = evidenceOfRequest(body.input.prompt, eff.durationSec);
        if (
          row.adoptedAt !== null &&
          !evidenceAgrees(sent, evidenceOfResult(view.origPrompt, view.usage))
        ) {
          // the last guard of ADR 0011: an adopted task whose result shows another request's
          // prompt or length is never delivered
          this.d.logger.error(
            { task: row.id, upstream: row.upstreamTaskId },
            'adopted upstream task does not match the request',
          );
          return this.fail(
            row,
            'InternalError',
            'The upstream task found for this task’s lost submit was not made for its request, ' +
              'so no result is shown; nothing is billed for it. Submit it again.',
          );
        }
        this.d.estimator.observe(
          row.model,
          eff.tier,
          eff.durationSec,
          (view.endTime ?? now) - submittedAt,
        );
        await this.move(row, 'FETCHING', {
          ...patch,
          upstreamVideoUrl: view.videoUrl,
          usage: JSON.stringify(view.usage),
          origPrompt: view.origPrompt ?? null,
          actualPrompt: view.actualPrompt ?? null,
          scheduledAt: view.scheduledTime ?? row.scheduledAt,
          finishedAt: view.endTime ?? now,
        });
        return;
      }
      case 'FAILED':
        await this.move(row, 'FAILED', {
          ...patch,
          errorCode: view.code,
          errorMessage: view.message,
          finishedAt: now,
        });
        return;
      case 'CANCELED':
        await this.move(row, 'CANCELED', { ...patch, finishedAt: now });
        return;
      case 'UNKNOWN': {
        const age = now - Number(row.submittedAt ?? now);
        if (age >= DAY_MS) {
          return this.fail(
            row,
            'UpstreamTaskExpired',
            'The upstream task expired (24 h) before it reported a result.',
          );
        }
        return this.later(row, 10_000, patch);
      }
    }
  }
}

function findModelOrThrow(name: string) {
  const m = findModel(name);
  if (!m) throw new Error(`task names unknown model ${name}`);
  return m;
}
