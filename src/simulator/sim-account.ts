import type { z } from 'zod';
import {
  DEFAULT_LIMITS,
  type SimLimits,
  type SimRegion,
  type simAccountSchema,
} from './sim-options.js';
import { simFamilyModelNamed, type SimFamilyModel } from './rules/families/family-catalogue.js';
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
  /** s2v face-detect calls (F§7.1), whatever their answer, and their own limit's 429s */
  detect: { requests: number; maxPerSecond: number; throttled: number };
  /**
   * per family model (rules/families/): its creates (those that named it), most seen in any
   * sliding 1000 ms, most of its tasks unfinished at once
   */
  models: Record<string, SimModelStats>;
}

export interface SimModelStats {
  createRequests: number;
  maxCreatesPerSecond: number;
  maxConcurrentTasks: number;
}

/** One family model's windows within an account. */
interface ModelTraffic {
  seen: SlidingWindow;
  admitted: SlidingWindow;
  requests: number;
  maxConcurrent: number;
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
  private readonly detectsSeen = new SlidingWindow();
  private readonly detectsAdmitted = new SlidingWindow();
  private detectRequests = 0;
  private detectThrottled = 0;
  private readonly models = new Map<string, ModelTraffic>();
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
      detectPerSecond: l?.detectPerSecond ?? DEFAULT_LIMITS.detectPerSecond,
    };
  }

  /** A family model's limits: the account's `modelLimits` entry, else the catalogue's. */
  modelLimits(model: SimFamilyModel): { createPerSecond: number; concurrentTasks: number } {
    const own = this.config.modelLimits?.[model.name];
    return {
      createPerSecond: own?.createPerSecond ?? model.createPerSecond,
      concurrentTasks: own?.concurrentTasks ?? model.concurrentTasks,
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

  /** A face-detect call: counted, then admitted against its own limit (null) or not. */
  admitDetect(now: number): number | null {
    this.detectRequests += 1;
    this.detectsSeen.add(now);
    const block = this.admit(this.detectsAdmitted, this.limits.detectPerSecond, now);
    if (block !== null) this.detectThrottled += 1;
    return block;
  }

  /** A create naming a family model: counted and admitted against the model's own rate. */
  admitModelCreate(model: SimFamilyModel, now: number): number | null {
    const t = this.traffic(model.name);
    t.requests += 1;
    t.seen.add(now);
    return this.admit(t.admitted, this.modelLimits(model).createPerSecond, now);
  }

  /** null when another task of the family model may start now, else the Retry-After seconds. */
  modelConcurrencyBlock(model: SimFamilyModel, now: number): number | null {
    return this.blockOf(
      this.unfinished(now).filter((t) => t.model === model.name),
      this.modelLimits(model).concurrentTasks,
      now,
    );
  }

  /** Takes a create slot; returns null when admitted, else the Retry-After seconds. */
  admitCreate(now: number): number | null {
    return this.admit(this.createsAdmitted, this.limits.createPerSecond, now);
  }

  admitQuery(now: number): number | null {
    return this.admit(this.queriesAdmitted, this.limits.queriesPerSecond, now);
  }

  /**
   * null when another task of the flat wan2.6/wan2.5 models may start now, else the Retry-After
   * seconds. Family models have limits of their own (modelConcurrencyBlock) and do not count.
   */
  concurrencyBlock(now: number): number | null {
    const flat = this.unfinished(now).filter((t) => simFamilyModelNamed(t.model) === undefined);
    return this.blockOf(flat, this.limits.concurrentTasks, now);
  }

  private blockOf(running: SimTask[], limit: number, now: number): number | null {
    if (running.length < limit) return null;
    const soonest = Math.min(...running.map(finishAt));
    return retryAfterSec(soonest - now);
  }

  private traffic(model: string): ModelTraffic {
    let t = this.models.get(model);
    if (!t) {
      t = {
        seen: new SlidingWindow(),
        admitted: new SlidingWindow(),
        requests: 0,
        maxConcurrent: 0,
      };
      this.models.set(model, t);
    }
    return t;
  }

  addTask(task: SimTask, now: number): void {
    this.tasks.push(task);
    this.active.push(task);
    const n = this.unfinished(now).length;
    // concurrency only ever rises at a create, so sampling here finds every peak
    if (n > this.maxConcurrent) this.maxConcurrent = n;
    if (simFamilyModelNamed(task.model)) {
      const t = this.traffic(task.model);
      const own = this.unfinished(now).filter((u) => u.model === task.model).length;
      if (own > t.maxConcurrent) t.maxConcurrent = own;
    }
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
      total429: Object.values(this.throttled).reduce((a, b) => a + b, 0) + this.detectThrottled,
      unfinishedTasks: this.unfinished(now).length,
      detect: {
        requests: this.detectRequests,
        maxPerSecond: this.detectsSeen.max,
        throttled: this.detectThrottled,
      },
      models: Object.fromEntries(
        [...this.models].map(([name, t]) => [
          name,
          {
            createRequests: t.requests,
            maxCreatesPerSecond: t.seen.max,
            maxConcurrentTasks: t.maxConcurrent,
          },
        ]),
      ),
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
