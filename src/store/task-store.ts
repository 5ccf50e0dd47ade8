import { sql } from 'kysely';
import {
  assertTransition,
  CANCELABLE_STATES,
  UPSTREAM_OPEN_STATES,
  type TaskState,
} from '../tasks/status.js';
import {
  findLiveKey,
  insertWithKey,
  pruneExpiredKeys,
  type KeyClaim,
  type KeyedInsert,
  type StoredKey,
} from './idempotency-keys.js';
import { listTaskPage, type ListedTaskRow, type TaskListFilter } from './task-list-query.js';
import { listTaskEvents, type TaskEventRow } from './task-events.js';
import { holdsUpstreamSlot, type NewTask, type TaskPatch, type TaskRow } from './task-rows.js';
import { retryTransient } from './transient.js';
import { UpstreamTaskQueries } from './upstream-task-queries.js';

export type { ListedTaskRow, TaskListFilter } from './task-list-query.js';
export type { KeyClaim, KeyedInsert, StoredKey } from './idempotency-keys.js';
export type { NewTask, OpenTaskRef, TaskPatch, TaskRow, UnansweredRow } from './task-rows.js';

/**
 * What a task query answers with (http/task-view.ts). The stored request is left out: it carries
 * the client's inline media, often hundreds of KB, and every poll would copy it for nothing.
 */
const TASK_VIEW_COLUMNS = [
  'id',
  'state',
  'createdAt',
  'updatedAt',
  'scheduledAt',
  'finishedAt',
  'etaAt',
  'origPrompt',
  'actualPrompt',
  'errorCode',
  'errorMessage',
  'usage',
  'resultExpiredAt',
] as const satisfies readonly (keyof TaskRow)[];
export type TaskView = Pick<TaskRow, (typeof TASK_VIEW_COLUMNS)[number]>;

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  states: readonly TaskState[];
}

/**
 * Tasks: the only module that writes task rows. Every status change is a conditional update.
 * The queries of lost submits and of the status sweep are in UpstreamTaskQueries.
 */
export class TaskStore extends UpstreamTaskQueries {
  /**
   * Repeatable (ADR 0016): ids are random, so a conflict on the id is this insert's own earlier
   * attempt, committed although its answer was lost.
   */
  async insert(task: NewTask): Promise<void> {
    await retryTransient(() =>
      this.db
        .insertInto('tasks')
        .values(task)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /**
   * Inserts a task created under an Idempotency-Key, with the key, in one transaction. When the
   * account's key is already taken (and not expired), nothing is stored and the taker is answered.
   */
  async insertKeyed(task: NewTask, claim: KeyClaim): Promise<KeyedInsert> {
    return retryTransient(() => insertWithKey(this.db, claim, task));
  }

  /** The account's use of a key within its 24 hours, if any. */
  async findKey(accountId: string, keyHash: string, now: number): Promise<StoredKey | undefined> {
    return retryTransient(() => findLiveKey(this.db, accountId, keyHash, now));
  }

  /** Deletes expired idempotency keys; how many. */
  async pruneKeys(now: number): Promise<number> {
    return pruneExpiredKeys(this.db, now);
  }

  async get(id: string): Promise<TaskRow | undefined> {
    return retryTransient(() =>
      this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  /** A task as one account may see it; another account's task is indistinguishable from none. */
  async getForAccount(id: string, accountId: string): Promise<TaskView | undefined> {
    return retryTransient(() =>
      this.db
        .selectFrom('tasks')
        .select(TASK_VIEW_COLUMNS)
        .where('id', '=', id)
        .where('accountId', '=', accountId)
        .executeTakeFirst(),
    );
  }

  /** A task's state changes in order, for its own account only (ADR 0013). */
  async eventsForAccount(id: string, accountId: string): Promise<TaskEventRow[]> {
    return retryTransient(() => listTaskEvents(this.db, id, accountId));
  }

  /**
   * Leases up to `limit` due tasks in one statement. A lease that has run out (its worker died)
   * makes the row claimable again, which is how crashed workers' tasks are taken over.
   */
  async claimDue(opts: ClaimOptions): Promise<TaskRow[]> {
    const { owner, now, leaseMs, limit, states } = opts;
    if (states.length === 0 || limit <= 0) return [];
    const skipLocked = this.capabilities.supportsSkipLocked;
    return (
      this.db
        .updateTable('tasks')
        .set({ leaseOwner: owner, leaseUntil: now + leaseMs, updatedAt: now })
        .where('id', 'in', (eb) => {
          const q = eb
            .selectFrom('tasks')
            .select('id')
            .where('state', 'in', states)
            // `<=` so a task scheduled for "now" is never skipped by a coarse clock
            .where('nextRunAt', '<=', now)
            .where((w) => w.or([w('leaseUntil', 'is', null), w('leaseUntil', '<', now)]))
            // tasks due for a reason (a confirmation) first, then by schedule
            .orderBy(sql`due_reason is null`)
            .orderBy('nextRunAt')
            .limit(limit);
          // On SQLite the single writer serialises claims; on PostgreSQL concurrent claimers skip
          // each other's rows instead of waiting on them.
          return skipLocked ? q.forUpdate().skipLocked() : q;
        })
        // re-checked here too: without SKIP LOCKED a row may have been leased since the sub-select
        .where((w) => w.or([w('leaseUntil', 'is', null), w('leaseUntil', '<', now)]))
        .returningAll()
        .execute()
    );
  }

  /**
   * Applies `from -> to` only if the row is still in `from` (and still leased by `owner`, when
   * given). Returns the updated row, or undefined when another actor got there first.
   */
  async transition(
    id: string,
    from: TaskState,
    to: TaskState,
    patch: TaskPatch & { updatedAt: number },
    owner?: string,
    cancelSeen = false,
  ): Promise<TaskRow | undefined> {
    assertTransition(from, to);
    let q = this.db
      .updateTable('tasks')
      .set({ ...patch, ...dueForCancel(to, patch, cancelSeen), state: to })
      .where('id', '=', id)
      .where('state', '=', from);
    if (owner !== undefined) q = q.where('leaseOwner', '=', owner);
    return q.returningAll().executeTakeFirst();
  }

  /** Keeps the state, writes the patch and gives the lease back. Fails if the lease was lost. */
  async release(
    id: string,
    state: TaskState,
    owner: string,
    patch: TaskPatch & { updatedAt: number; nextRunAt: number },
    cancelSeen = false,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('tasks')
      .set({
        ...patch,
        ...dueForCancel(state, patch, cancelSeen),
        leaseOwner: null,
        leaseUntil: null,
      })
      .where('id', '=', id)
      .where('state', '=', state)
      .where('leaseOwner', '=', owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * QUEUED -> SUBMITTING on `channelId`, only while the channel has fewer than `maxOpen` tasks
   * that may hold an upstream slot, and while no other unanswered submit of the model on the
   * channel carries the same evidence (ADR 0011: two such submits, both lost, could not be told
   * apart). Checks and update share one transaction; on PostgreSQL the channel row is locked
   * first, so processes admitting to one channel take turns. Undefined when not admitted.
   */
  async admit(
    id: string,
    owner: string,
    channelId: string,
    maxOpen: number,
    patch: TaskPatch & { updatedAt: number; evidencePrompt: string; evidenceSeconds: number },
    /** the model's own cap on the account (s2v runs one task at a time, families §7) */
    maxOpenOfModel?: number,
  ): Promise<TaskRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockChannel(trx, channelId);
      const row = await trx
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channelId', '=', channelId)
        .where(holdsUpstreamSlot)
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= maxOpen) return undefined;
      const task = await trx
        .selectFrom('tasks')
        .select('model')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!task) return undefined;
      if (maxOpenOfModel !== undefined) {
        const ofModel = await trx
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('channelId', '=', channelId)
          .where('model', '=', task.model)
          .where(holdsUpstreamSlot)
          .executeTakeFirstOrThrow();
        if (Number(ofModel.n) >= maxOpenOfModel) return undefined;
      }
      const twin = await trx
        .selectFrom('tasks')
        .select('id')
        .where('channelId', '=', channelId)
        .where('model', '=', task.model)
        .where('id', '!=', id)
        .where((w) =>
          w.or([
            w('state', '=', 'SUBMITTING'),
            w.and([w('state', '=', 'UNCERTAIN'), w('slotReleasedAt', 'is', null)]),
          ]),
        )
        .where('evidencePrompt', '=', patch.evidencePrompt)
        .where('evidenceSeconds', '=', patch.evidenceSeconds)
        .limit(1)
        .executeTakeFirst();
      if (twin) return undefined;
      assertTransition('QUEUED', 'SUBMITTING');
      return (
        trx
          .updateTable('tasks')
          .set({ ...patch, channelId, state: 'SUBMITTING' })
          .where('id', '=', id)
          .where('state', '=', 'QUEUED')
          .where('leaseOwner', '=', owner)
          // a task whose cancel was asked for is never sent upstream
          .where('cancelRequestedAt', 'is', null)
          .returningAll()
          .executeTakeFirst()
      );
    });
  }

  /**
   * Makes up to `limit` queued tasks due now: the oldest task of each account in turn, accounts
   * with the fewest tasks upstream first, so one busy account cannot starve the others (fair
   * across accounts, first-in-first-out within one).
   */
  async wakeQueued(now: number, limit: number): Promise<number> {
    const queued = await this.db
      .selectFrom('tasks')
      .select(['id', 'accountId'])
      .where('state', '=', 'QUEUED')
      .where('nextRunAt', '>', now)
      .orderBy('createdAt')
      .limit(500)
      .execute();
    if (queued.length === 0) return 0;
    const open = await this.db
      .selectFrom('tasks')
      .select(['accountId', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'in', UPSTREAM_OPEN_STATES)
      .groupBy('accountId')
      .execute();
    const load = new Map(open.map((r) => [r.accountId, Number(r.n)]));
    const heads = new Map<string, string[]>();
    for (const t of queued) heads.set(t.accountId, [...(heads.get(t.accountId) ?? []), t.id]);
    const accounts = [...heads.keys()].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0));
    const picked: string[] = [];
    for (let round = 0; picked.length < limit && round < queued.length; round++) {
      for (const a of accounts) {
        const id = heads.get(a)?.[round];
        if (id !== undefined && picked.length < limit) picked.push(id);
      }
    }
    const res = await this.db
      .updateTable('tasks')
      .set({ nextRunAt: now })
      .where('id', 'in', picked)
      .where('state', '=', 'QUEUED')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async extendLeases(ids: string[], owner: string, until: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('tasks')
      .set({ leaseUntil: until })
      .where('id', 'in', ids)
      .where('leaseOwner', '=', owner)
      .execute();
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /**
   * Marks a client's cancel on a task of `accountId` still in a cancelable state, and makes it due
   * now so a worker acts on it. Undefined when there is no such task in such a state.
   */
  async requestCancel(id: string, accountId: string, now: number): Promise<TaskRow | undefined> {
    return this.db
      .updateTable('tasks')
      .set({
        cancelRequestedAt: sql`coalesce(cancel_requested_at, cast(${now} as bigint))`,
        nextRunAt: sql`case when next_run_at > cast(${now} as bigint) then cast(${now} as bigint) else next_run_at end`,
      })
      .where('id', '=', id)
      .where('accountId', '=', accountId)
      .where('state', 'in', CANCELABLE_STATES)
      .returningAll()
      .executeTakeFirst();
  }

  /** A page of one account's tasks for the list routes. */
  async listPage(filter: TaskListFilter): Promise<{ total: number; rows: ListedTaskRow[] }> {
    return listTaskPage(this.db, filter);
  }

  /** Recent tasks of an account, newest first. */
  async listForAccount(accountId: string, limit: number): Promise<TaskRow[]> {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('accountId', '=', accountId)
      .orderBy('createdAt', 'desc')
      .limit(limit)
      .execute();
  }

  /** The earliest moment any active task is due, to let idle workers sleep until then. */
  async nextDueAt(states: readonly TaskState[]): Promise<number | null> {
    const row = await this.db
      .selectFrom('tasks')
      .select(sql<number | null>`min(next_run_at)`.as('at'))
      .where('state', 'in', states)
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }
}

/**
 * A task released or moved into a cancelable state whose cancel was asked for while a worker held
 * it is due now, whatever the step scheduled: the next claim acts on the request. `cancelSeen`:
 * the step already saw the request (its decision chose the delay, e.g. a backoff after a failed
 * upstream cancel), so its schedule stands and a retry cannot turn into a busy loop.
 */
function dueForCancel(
  state: TaskState,
  patch: TaskPatch,
  cancelSeen: boolean,
): { nextRunAt?: ReturnType<typeof sql<number>> } {
  if (cancelSeen || patch.nextRunAt === undefined || patch.nextRunAt === null) return {};
  if (!CANCELABLE_STATES.includes(state) || patch.updatedAt === undefined) return {};
  const next = Number(patch.nextRunAt);
  const now = Number(patch.updatedAt);
  if (next <= now) return {};
  return {
    nextRunAt: sql<number>`case when cancel_requested_at is null then cast(${next} as bigint) else cast(${now} as bigint) end`,
  };
}
