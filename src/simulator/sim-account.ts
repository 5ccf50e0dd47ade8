import type { z } from 'zod';
import {
  DEFAULT_LIMITS,
  type SimLimits,
  type SimRegion,
  type simAccountSchema,
} from './sim-options.js';
import { finishAt, type SimTask } from './sim-task.js';
import { SlidingWindow } from './sliding-window.js';

/** Why a 429 was answered. */
export const THROTTLE_REASONS = [
  'createRate',
  'concurrency',
  'queryRate',
  'allocationQuota',
  'injected',
] as const;
export type ThrottleReason = (typeof THROTTLE_REASONS)[number];

/** What the simulator observed of one account's traffic; tests assert a client's manners on it. */
export interface SimAccountStats {
  accountId: string;
  region: SimRegion;
  /** authenticated create requests, whatever their answer */
  createRequests: number;
  /** tasks actually created */
  tasksCreated: number;
  /** authenticated task queries + lists + cancels, whatever their answer */
  queryRequests: number;
  /** most create requests seen within any sliding 1000 ms of clock time */
  maxCreatesPerSecond: number;
  /** most queries + lists + cancels seen within any sliding 1000 ms of clock time */
  maxQueriesPerSecond: number;
  /** most PENDING + RUNNING tasks at any moment */
  maxConcurrentTasks: number;
  /** 429s answered, by cause (`injected` = fault injection, not a limit) */
  throttled: Record<ThrottleReason, number>;
  total429: number;
  /** PENDING + RUNNING tasks now */
  unfinishedTasks: number;
}

type AccountConfig = z.output<typeof simAccountSchema>;

/** Seconds a client should wait; never 0, since a 0 invites an immediate retry storm. */
function retryAfterSec(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** One main account: limits shared by all its keys, its tasks, and the statistics. */
export class SimAccount {
  readonly tasks: SimTask[] = [];
  private active: SimTask[] = [];
  private readonly createsSeen = new SlidingWindow();
  private readonly createsAdmitted = new SlidingWindow();
  private readonly queriesSeen = new SlidingWindow();
  private readonly queriesAdmitted = new SlidingWindow();
  private createRequests = 0;
  private queryRequests = 0;
  private maxConcurrent = 0;
  private readonly throttled: Record<ThrottleReason, number> = {
    createRate: 0,
    concurrency: 0,
    queryRate: 0,
    allocationQuota: 0,
    injected: 0,
  };

  constructor(public config: AccountConfig) {}

  get id(): string {
    return this.config.id;
  }

  get limits(): SimLimits {
    const l = this.config.limits;
    return {
      createPerSecond: l?.createPerSecond ?? DEFAULT_LIMITS.createPerSecond,
      concurrentTasks: l?.concurrentTasks ?? DEFAULT_LIMITS.concurrentTasks,
      queriesPerSecond: l?.queriesPerSecond ?? DEFAULT_LIMITS.queriesPerSecond,
    };
  }

  noteCreate(now: number): void {
    this.createRequests += 1;
    this.createsSeen.add(now);
  }

  noteQuery(now: number): void {
    this.queryRequests += 1;
    this.queriesSeen.add(now);
  }

  /** Takes a create slot; returns null when admitted, else the Retry-After seconds. */
  admitCreate(now: number): number | null {
    return this.admit(this.createsAdmitted, this.limits.createPerSecond, now);
  }

  admitQuery(now: number): number | null {
    return this.admit(this.queriesAdmitted, this.limits.queriesPerSecond, now);
  }

  /** null when another task may start now, else the Retry-After seconds. */
  concurrencyBlock(now: number): number | null {
    const running = this.unfinished(now);
    if (running.length < this.limits.concurrentTasks) return null;
    const soonest = Math.min(...running.map(finishAt));
    return retryAfterSec(soonest - now);
  }

  addTask(task: SimTask, now: number): void {
    this.tasks.push(task);
    this.active.push(task);
    const n = this.unfinished(now).length;
    // concurrency only ever rises at a create, so sampling here finds every peak
    if (n > this.maxConcurrent) this.maxConcurrent = n;
  }

  countThrottle(reason: ThrottleReason): void {
    this.throttled[reason] += 1;
  }

  stats(now: number): SimAccountStats {
    return {
      accountId: this.id,
      region: this.config.region,
      createRequests: this.createRequests,
      tasksCreated: this.tasks.length,
      queryRequests: this.queryRequests,
      maxCreatesPerSecond: this.createsSeen.max,
      maxQueriesPerSecond: this.queriesSeen.max,
      maxConcurrentTasks: this.maxConcurrent,
      throttled: { ...this.throttled },
      total429: Object.values(this.throttled).reduce((a, b) => a + b, 0),
      unfinishedTasks: this.unfinished(now).length,
    };
  }

  private unfinished(now: number): SimTask[] {
    this.active = this.active.filter((t) => finishAt(t) > now);
    return this.active;
  }

  private admit(window: SlidingWindow, limit: number, now: number): number | null {
    if (window.count(now) >= limit) return retryAfterSec(window.msUntilBelow(now, limit));
    window.add(now);
    return null;
  }
}
