import type { ChannelPool } from '../channels/channel-pool.js';
import type { MediaChecker } from '../media/media-checker.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MediaStorage } from '../storage/media-storage.js';
import type { TaskPatch, TaskRow, TaskStore } from '../store/task-store.js';
import type { EtaEstimator } from './eta-estimator.js';
import type { TaskInputs } from '../tasks/task-inputs.js';
import { parseStoredBody } from '../models/task-request.js';
import type { ChannelBudgets } from './channel-budget.js';
import type { DecisionClock, TaskAction } from './decisions/task-action.js';
import { UPSTREAM_OPEN_STATES, type TaskState } from '../tasks/status.js';

export interface TaskWorkerDeps {
  tasks: TaskStore;
  channels: ChannelPool;
  storage: MediaStorage;
  estimator: EtaEstimator;
  clock: Clock;
  logger: Logger;
  /** this worker's lease owner id */
  owner: string;
  /** how long a lost submit is looked for in the task list before it is sent again */
  reconcileWindowMs: number;
  media: MediaChecker;
  /** inline media of tasks, kept in storage while the task is open */
  inputs: TaskInputs;
  /** called when queued tasks were made due, so the runner looks for work at once */
  onQueueWoken?: () => void;
  /** each channel's submit and query budgets */
  budgets: ChannelBudgets;
  /** the status sweep, when one runs: while it watches a channel, per-task polls are rare */
  sweep?: { watching(channelId: string, now: number): boolean };
  /** jitter of backoffs; Math.random unless a test fixes it */
  random?: () => number;
  /** waits for a budget slot within a step; injected with the clock so a test can drive both */
  sleep?: (ms: number) => Promise<void>;
}

const isOpen = (s: TaskState): boolean => UPSTREAM_OPEN_STATES.includes(s);

/**
 * How a worker changes a task it holds: every change is a conditional update owned by this
 * worker's lease (see TaskStore.transition), so a task never moves twice or behind its back.
 */
export abstract class TaskTransitions {
  constructor(protected readonly d: TaskWorkerDeps) {}

  protected now(): number {
    return this.d.clock.now();
  }

  protected decisionClock(): DecisionClock {
    return { now: this.now(), random: this.d.random ?? Math.random };
  }

  /**
   * Carries out what a decision asked for, in order. A `move` or `later` ends the step; the
   * executor adds nothing of its own but the lease and the clock.
   */
  protected async apply(row: TaskRow, actions: readonly TaskAction[]): Promise<void> {
    for (const a of actions) {
      switch (a.kind) {
        case 'move':
          await this.move(row, a.to, a.patch);
          return;
        case 'later':
          await this.later(row, a.afterMs, a.patch);
          return;
        case 'pauseChannel':
          if (row.channelId) await this.d.channels.pause(row.channelId, a.untilMs, a.code);
          break;
        case 'observeRunTime':
          this.onRunTime(row, a.ms);
          break;
        case 'log':
          this.d.logger[a.level]({ task: row.id, ...a.fields }, a.message);
          break;
      }
    }
  }

  /** A finished run, for the ETA estimator; the worker knows the task's tier and length. */
  protected onRunTime(_row: TaskRow, _ms: number): void {}

  protected async move(
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
        // a change of state answers whatever the task was due for
        dueReason: null,
        ...patch,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: this.now(),
      },
      this.d.owner,
      // a cancel asked for during this step makes the task due at once (TaskStore)
      row.cancelRequestedAt !== null,
    );
    // (a task bounced back to the queue frees nothing: it is itself the next in line)
    const freesSlot = isOpen(row.state) && !isOpen(to) && to !== 'QUEUED';
    // an answered submit lets a queued twin with the same evidence go (ADR 0011)
    const answered = row.state === 'SUBMITTING' && to !== 'UNCERTAIN' && to !== 'QUEUED';
    if (moved && row.channelId && (freesSlot || answered)) {
      // the head of the queue should not wait for its backstop
      const woken = await this.d.tasks.wakeQueued(this.now(), 1);
      if (woken > 0) this.d.onQueueWoken?.();
    }
    if (moved && done) await this.dropInputs(moved);
    if (!moved)
      this.d.logger.debug({ task: row.id, from: row.state, to }, 'lost a transition race');
    else if (done)
      this.d.logger.info(
        { task: row.id, state: to, code: patch.errorCode ?? undefined },
        'task finished',
      );
    return moved;
  }

  /** A finished task needs its stored inputs no more; a failure here only costs disk. */
  protected async dropInputs(row: TaskRow): Promise<void> {
    try {
      await this.d.inputs.remove(parseStoredBody(row.request));
    } catch (err) {
      this.d.logger.warn(
        { task: row.id, err: err instanceof Error ? err.message : String(err) },
        'stored inputs of a finished task could not be removed',
      );
    }
  }

  protected async later(row: TaskRow, delayMs: number, patch: TaskPatch = {}): Promise<void> {
    await this.d.tasks.release(
      row.id,
      row.state,
      this.d.owner,
      {
        ...patch,
        nextRunAt: this.now() + Math.max(0, Math.round(delayMs)),
        updatedAt: this.now(),
      },
      row.cancelRequestedAt !== null,
    );
  }

  protected async fail(row: TaskRow, code: string, message: string): Promise<void> {
    await this.move(row, 'FAILED', {
      errorCode: code,
      errorMessage: message,
      finishedAt: this.now(),
    });
  }
}
