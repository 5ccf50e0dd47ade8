import { randomUUID } from 'node:crypto';
import { SimAccount, type SimAccountStats } from './sim-account.js';
import type { FaultInjector, FaultKind } from './sim-faults.js';
import {
  simAccountSchema,
  type ResolvedSimOptions,
  type SimAccountConfig,
  type SimTaskFailure,
} from './sim-options.js';
import { snapshotTask, type SimCreateBody, type SimTask } from './sim-task.js';
import { seededRandom } from '../shared/seeded-random.js';
import { SimUploads } from './sim-uploads.js';

/** Everything the simulator saw, for tests and benchmarks. */
export interface SimStats {
  accounts: Record<string, SimAccountStats>;
  /** requests to the DashScope API paths, authenticated or not */
  apiRequests: number;
  /** API requests answered 401 */
  unauthenticated: number;
  tasks: number;
  faultsInjected: Record<FaultKind, number>;
  /** client `X-Request-Id`s that produced more than one task: duplicate upstream tasks */
  duplicateClientRequestIds: string[];
}

export type AuthResult =
  { kind: 'ok'; account: SimAccount; key: string } | { kind: 'missing' } | { kind: 'invalid' };

/** The simulator's memory: accounts, keys and tasks. No HTTP here. */
export class SimState {
  private readonly accounts = new Map<string, SimAccount>();
  private readonly byKey = new Map<string, SimAccount>();
  private readonly tasks = new Map<string, SimTask>();
  private readonly random: () => number;
  /** a face-detect verdict forced for every call (POST /__sim/face-detect), or null */
  forcedDetectFailure: SimTaskFailure | null = null;
  apiRequests = 0;
  unauthenticated = 0;
  /** the temporary file storage behind getPolicy (reference §12.1) */
  readonly uploads = new SimUploads();

  constructor(
    readonly opts: ResolvedSimOptions,
    readonly faults: FaultInjector,
  ) {
    this.random = seededRandom(opts.seed);
    for (const a of opts.accounts) this.setAccount(a);
  }

  now(): number {
    return this.opts.clock.now();
  }

  /** Adds an account or replaces its settings; its tasks and statistics are kept. */
  setAccount(config: SimAccountConfig): void {
    const parsed = simAccountSchema.parse(config);
    for (const key of parsed.keys) {
      const owner = this.byKey.get(key);
      if (owner && owner.id !== parsed.id) throw new Error('API key belongs to another account');
    }
    let account = this.accounts.get(parsed.id);
    if (account) {
      for (const key of account.config.keys) this.byKey.delete(key);
      account.config = parsed;
    } else {
      account = new SimAccount(parsed);
      this.accounts.set(parsed.id, account);
    }
    for (const key of parsed.keys) this.byKey.set(key, account);
  }

  authenticate(authorization: string | undefined): AuthResult {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return { kind: 'missing' };
    const account = this.byKey.get(m[1]);
    // a key is only valid in its own region's deployment, exactly like an unknown key
    if (!account || account.config.region !== this.opts.region) return { kind: 'invalid' };
    return { kind: 'ok', account, key: m[1] };
  }

  createTask(
    account: SimAccount,
    key: string,
    body: SimCreateBody,
    requestId: string,
    clientRequestId: string | null,
  ): SimTask {
    const now = this.now();
    const { queueMs, runMs } = this.opts.durations(body, this.random);
    const task: SimTask = {
      taskId: randomUUID(),
      accountId: account.id,
      apiKey: key,
      model: body.model,
      body,
      requestId,
      clientRequestId,
      submitAt: now,
      scheduledAt: now + queueMs,
      endAt: now + queueMs + runMs,
      canceledAt: null,
      failure: this.opts.taskFailure(body),
      answerLost: false,
      requests: [{ kind: 'create', at: now, status: 200, requestId }],
    };
    this.tasks.set(task.taskId, task);
    account.addTask(task, now);
    return task;
  }

  /** The task as `account` may see it: null when unknown, another account's, or expired. */
  visibleTask(account: SimAccount, taskId: string): SimTask | null {
    const task = this.tasks.get(taskId);
    if (!task || task.accountId !== account.id || this.isExpired(task, this.now())) return null;
    return task;
  }

  /** Any task by id, regardless of owner or age (results are served by signature alone). */
  anyTask(taskId: string): SimTask | undefined {
    return this.tasks.get(taskId);
  }

  isExpired(task: SimTask, now: number): boolean {
    return now >= task.submitAt + this.opts.retentionMs;
  }

  allTasks(): SimTask[] {
    return [...this.tasks.values()].map(snapshotTask);
  }

  stats(): SimStats {
    const now = this.now();
    const accounts: Record<string, SimAccountStats> = {};
    for (const a of this.accounts.values()) accounts[a.id] = a.stats(now);
    const seen = new Map<string, number>();
    for (const t of this.tasks.values()) {
      if (t.clientRequestId !== null)
        seen.set(t.clientRequestId, (seen.get(t.clientRequestId) ?? 0) + 1);
    }
    return {
      accounts,
      apiRequests: this.apiRequests,
      unauthenticated: this.unauthenticated,
      tasks: this.tasks.size,
      faultsInjected: this.faults.counts(),
      duplicateClientRequestIds: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    };
  }
}
