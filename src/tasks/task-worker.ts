import type { Channel, ChannelPool } from '../channels/channel-pool.js';
import { backoffMs } from '../jobs/backoff.js';
import { findModel } from '../models/model-table.js';
import { effectiveRequest, type RequestBody } from '../models/task-request.js';
import { ProviderError } from '../providers/provider-error.js';
import type { UpstreamView } from '../providers/provider.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { newRequestId } from '../shared/ids.js';
import type { MediaStorage } from '../storage/media-storage.js';
import type { TaskPatch, TaskRow, TaskStore } from '../store/task-store.js';
import type { EtaEstimator } from './eta-estimator.js';
import type { TaskState } from './status.js';

export interface TaskWorkerDeps {
  tasks: TaskStore;
  channels: ChannelPool;
  limiter: RateLimiter;
  storage: MediaStorage;
  estimator: EtaEstimator;
  clock: Clock;
  logger: Logger;
  /** this worker's lease owner id */
  owner: string;
}

/** Upstream windows are 1 s; the margin absorbs network jitter between us and the upstream. */
export const LIMIT_WINDOW_MS = 1150;
const DAY_MS = 24 * 3600 * 1000;
const CHANNEL_PAUSE_MS = 5 * 60 * 1000;

function requestBody(row: TaskRow): RequestBody {
  return JSON.parse(row.request) as RequestBody;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Moves one claimed task one step along its life; every change is a conditional update. */
export class TaskWorker {
  constructor(private readonly d: TaskWorkerDeps) {}

  async handle(row: TaskRow): Promise<void> {
    switch (row.state) {
      case 'CHECKING':
        await this.move(row, 'QUEUED', { nextRunAt: this.now() });
        return;
      case 'QUEUED':
        return this.dispatch(row);
      case 'SUBMITTING':
        // the lease ran out mid-submit (the worker died): the submit may have reached upstream
        await this.move(row, 'UNCERTAIN', {
          uncertainSince: Number(row.updatedAt),
          nextRunAt: this.now(),
        });
        return;
      case 'UNCERTAIN':
        return this.reconcile(row);
      case 'PENDING':
      case 'RUNNING':
        return this.poll(row);
      case 'FETCHING':
        return this.fetchResult(row);
      case 'SUCCEEDED':
      case 'FAILED':
      case 'CANCELED':
        return;
    }
  }

  private now(): number {
    return this.d.clock.now();
  }

  private async move(
    row: TaskRow,
    to: TaskState,
    patch: TaskPatch = {},
  ): Promise<TaskRow | undefined> {
    const done = to === 'SUCCEEDED' || to === 'FAILED' || to === 'CANCELED';
    const moved = await this.d.tasks.transition(
      row.id,
      row.state,
      to,
      {
        nextRunAt: this.now(),
        ...patch,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: this.now(),
      },
      this.d.owner,
    );
    if (!moved)
      this.d.logger.debug({ task: row.id, from: row.state, to }, 'lost a transition race');
    else if (done)
      this.d.logger.info(
        { task: row.id, state: to, code: patch.errorCode ?? undefined },
        'task finished',
      );
    return moved;
  }

  private async later(row: TaskRow, delayMs: number, patch: TaskPatch = {}): Promise<void> {
    await this.d.tasks.release(row.id, row.state, this.d.owner, {
      ...patch,
      nextRunAt: this.now() + Math.max(0, Math.round(delayMs)),
      updatedAt: this.now(),
    });
  }

  private async fail(row: TaskRow, code: string, message: string): Promise<void> {
    await this.move(row, 'FAILED', {
      errorCode: code,
      errorMessage: message,
      finishedAt: this.now(),
    });
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
    let waitMs = 1000;
    for (const channel of candidates) {
      if ((await this.d.tasks.countOpenOnChannel(channel.id)) >= channel.limits.maxRunning) {
        waitMs = Math.min(waitMs, 250);
        continue;
      }
      const slot = await this.d.limiter.tryAcquire(
        `submit:${channel.id}`,
        channel.limits.submitPerSecond,
        LIMIT_WINDOW_MS,
        now,
      );
      if (!slot.ok) {
        waitMs = Math.min(waitMs, slot.retryAfterMs);
        continue;
      }
      const admitted = await this.d.tasks.admit(
        row.id,
        this.d.owner,
        channel.id,
        channel.limits.maxRunning,
        {
          attempts: row.attempts + 1,
          updatedAt: now,
        },
      );
      if (!admitted) {
        waitMs = Math.min(waitMs, 250);
        continue;
      }
      return this.submit(admitted, channel);
    }
    await this.later(row, waitMs);
  }

  private async submit(row: TaskRow, channel: Channel): Promise<void> {
    const body = requestBody(row);
    try {
      const res = await channel.provider.submit(body, { requestId: newRequestId() });
      const eff = effectiveRequest(findModelOrThrow(row.model), body);
      const estimate =
        res.expectedRunMs ?? this.d.estimator.estimateMs(row.model, eff.tier, eff.durationSec);
      const submittedAt = this.now();
      await this.applyView(row, res.view, {
        upstreamTaskId: res.upstreamTaskId,
        submittedAt,
        etaAt: submittedAt + estimate,
        errorCode: null,
        errorMessage: null,
      });
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
          await this.move(row, 'QUEUED', { channelId: null, nextRunAt: this.now() });
          return;
        case 'retry':
          await this.move(row, 'QUEUED', {
            channelId: null,
            nextRunAt: this.now() + backoffMs(row.attempts, { retryAfterMs: e.retryAfterMs }),
          });
          return;
      }
    }
  }

  /** Without a task list the upstream cannot be asked; the sandbox simply resubmits. */
  private async reconcile(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (!channel?.provider.list) {
      await this.move(row, 'QUEUED', { channelId: null, uncertainSince: null });
      return;
    }
    await this.later(row, 5000);
  }

  private async poll(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (!channel || !row.upstreamTaskId) return this.later(row, 5000);
    const slot = await this.d.limiter.tryAcquire(
      `query:${channel.id}`,
      channel.limits.queriesPerSecond,
      LIMIT_WINDOW_MS,
      this.now(),
    );
    if (!slot.ok) return this.later(row, slot.retryAfterMs);
    let view: UpstreamView;
    try {
      view = await channel.provider.query(row.upstreamTaskId);
    } catch (err) {
      const retryAfterMs = err instanceof ProviderError ? err.retryAfterMs : undefined;
      return this.later(row, backoffMs(3, { retryAfterMs }));
    }
    await this.applyView(row, view, {});
  }

  /** Applies what the upstream said; `patch` carries submit-time fields when called from submit. */
  private async applyView(row: TaskRow, view: UpstreamView, patch: TaskPatch): Promise<void> {
    const now = this.now();
    switch (view.kind) {
      case 'PENDING':
      case 'RUNNING': {
        const etaAt = Number(patch.etaAt ?? row.etaAt ?? now + 60_000);
        const next = now + pollDelayMs(etaAt - now);
        const times = { scheduledAt: view.scheduledTime ?? row.scheduledAt };
        if (row.state === view.kind) return this.later(row, next - now, { ...patch, ...times });
        await this.move(row, view.kind, { ...patch, ...times, nextRunAt: next });
        return;
      }
      case 'SUCCEEDED': {
        const submittedAt = Number(patch.submittedAt ?? row.submittedAt ?? now);
        const body = requestBody(row);
        const eff = effectiveRequest(findModelOrThrow(row.model), body);
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

  private async fetchResult(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (!channel || !row.upstreamVideoUrl) return this.later(row, 5000);
    const key = `results/${row.id}.mp4`;
    try {
      const stream = await channel.provider.openResult(row.upstreamVideoUrl);
      const stored = await this.d.storage.put(key, stream);
      await this.move(row, 'SUCCEEDED', {
        resultKey: key,
        resultBytes: stored.size,
        upstreamVideoUrl: null,
      });
    } catch (err) {
      const age = this.now() - Number(row.finishedAt ?? this.now());
      if (age > DAY_MS - 3600_000) {
        return this.fail(
          row,
          'ResultUnavailable',
          `The result could not be copied before its link expired: ${errText(err)}`,
        );
      }
      this.d.logger.warn({ task: row.id, err: errText(err) }, 'result download failed; will retry');
      return this.later(row, backoffMs(4));
    }
  }
}

/** Poll close to the expected end; never busier than every second, never idler than 15 s. */
export function pollDelayMs(msToEta: number): number {
  return Math.min(15_000, Math.max(1000, msToEta / 2));
}

function findModelOrThrow(name: string) {
  const m = findModel(name);
  if (!m) throw new Error(`task names unknown model ${name}`);
  return m;
}
