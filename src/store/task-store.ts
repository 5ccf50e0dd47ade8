import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type Selectable,
  type SqlBool,
  type Updateable,
} from 'kysely';
import { assertTransition, UPSTREAM_OPEN_STATES, type TaskState } from '../tasks/status.js';
import type { StoreCapabilities } from './dialects.js';
import type { Database, DueReason, TasksTable } from './schema.js';
import { listTaskEvents, type TaskEventRow } from './task-events.js';

export type TaskRow = Selectable<TasksTable>;
export type NewTask = Insertable<TasksTable>;
/** Fields a status change or a reschedule may write; identity and ownership columns excluded. */
export type TaskPatch = Omit<
  Updateable<TasksTable>,
  'id' | 'accountId' | 'tokenId' | 'model' | 'mode' | 'request' | 'state' | 'createdAt'
>;

/** What reconciliation needs of a submit whose answer has not arrived. */
export type UnansweredRow = Pick<
  TaskRow,
  | 'id'
  | 'state'
  | 'submittedAt'
  | 'uncertainSince'
  | 'evidencePrompt'
  | 'evidenceSeconds'
  | 'slotReleasedAt'
>;

/**
 * Rows that count against a channel's running limit: every state in which an upstream task may
 * exist, except a lost submit the list has not shown once it stopped holding its slot (ADR 0011).
 */
function holdsUpstreamSlot(eb: ExpressionBuilder<Database, 'tasks'>): Expression<SqlBool> {
  return eb.and([
    eb('state', 'in', UPSTREAM_OPEN_STATES),
    eb.or([eb('state', '!=', 'UNCERTAIN'), eb('slotReleasedAt', 'is', null)]),
  ]);
}

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
] as const satisfies readonly (keyof TaskRow)[];
export type TaskView = Pick<TaskRow, (typeof TASK_VIEW_COLUMNS)[number]>;

/** What the status sweep needs of an open upstream task. */
export type OpenTaskRef = Pick<TaskRow, 'id' | 'state' | 'upstreamTaskId' | 'submittedAt'>;

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  states: readonly TaskState[];
}

/** Tasks: the only module that writes task rows. Every status change is a conditional update. */
export class TaskStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async insert(task: NewTask): Promise<void> {
    await this.db.insertInto('tasks').values(task).execute();
  }

  async get(id: string): Promise<TaskRow | undefined> {
    return this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A task as one account may see it; another account's task is indistinguishable from none. */
  async getForAccount(id: string, accountId: string): Promise<TaskView | undefined> {
    return this.db
      .selectFrom('tasks')
      .select(TASK_VIEW_COLUMNS)
      .where('id', '=', id)
      .where('accountId', '=', accountId)
      .executeTakeFirst();
  }

  /** A task's state changes in order, for its own account only (ADR 0013). */
  async eventsForAccount(id: string, accountId: string): Promise<TaskEventRow[]> {
    return listTaskEvents(this.db, id, accountId);
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
  ): Promise<TaskRow | undefined> {
    assertTransition(from, to);
    let q = this.db
      .updateTable('tasks')
      .set({ ...patch, state: to })
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
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('tasks')
      .set({ ...patch, leaseOwner: null, leaseUntil: null })
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
      return trx
        .updateTable('tasks')
        .set({ ...patch, channelId, state: 'SUBMITTING' })
        .where('id', '=', id)
        .where('state', '=', 'QUEUED')
        .where('leaseOwner', '=', owner)
        .returningAll()
        .executeTakeFirst();
    });
  }

  private async lockChannel(trx: Kysely<Database>, channelId: string): Promise<void> {
    if (!this.capabilities.supportsRowLocks) return;
    await trx.selectFrom('channels').select('id').where('id', '=', channelId).forUpdate().execute();
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

  /** Submits of one model on one channel whose answer has not arrived: in flight or lost. */
  async listUnanswered(channelId: string, model: string): Promise<UnansweredRow[]> {
    return this.db
      .selectFrom('tasks')
      .select([
        'id',
        'state',
        'submittedAt',
        'uncertainSince',
        'evidencePrompt',
        'evidenceSeconds',
        'slotReleasedAt',
      ])
      .where('channelId', '=', channelId)
      .where('model', '=', model)
      .where('state', 'in', ['SUBMITTING', 'UNCERTAIN'])
      .orderBy('submittedAt')
      .execute();
  }

  /** Which of these upstream task ids a vidgate task on the channel already owns. */
  async ownedUpstreamIds(channelId: string, upstreamIds: readonly string[]): Promise<Set<string>> {
    const owned = new Set<string>();
    for (let i = 0; i < upstreamIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('tasks')
        .select('upstreamTaskId')
        .where('channelId', '=', channelId)
        .where('upstreamTaskId', 'in', upstreamIds.slice(i, i + 500))
        .execute();
      for (const r of rows) if (r.upstreamTaskId) owned.add(r.upstreamTaskId);
    }
    return owned;
  }

  /**
   * UNCERTAIN -> PENDING with the upstream task found for a lost submit, only while no task on
   * the channel owns that upstream task: one upstream task never gets two vidgate tasks.
   */
  async attachLost(
    id: string,
    owner: string,
    channelId: string,
    upstreamTaskId: string,
    patch: TaskPatch & { updatedAt: number },
  ): Promise<TaskRow | undefined> {
    assertTransition('UNCERTAIN', 'PENDING');
    return this.db.transaction().execute(async (trx) => {
      await this.lockChannel(trx, channelId);
      const owned = await trx
        .selectFrom('tasks')
        .select('id')
        .where('channelId', '=', channelId)
        .where('upstreamTaskId', '=', upstreamTaskId)
        .executeTakeFirst();
      if (owned) return undefined;
      return trx
        .updateTable('tasks')
        .set({ ...patch, upstreamTaskId, state: 'PENDING', leaseOwner: null, leaseUntil: null })
        .where('id', '=', id)
        .where('state', '=', 'UNCERTAIN')
        .where('channelId', '=', channelId)
        .where('leaseOwner', '=', owner)
        .returningAll()
        .executeTakeFirst();
    });
  }

  /** Makes unleased lost submits due now: reconciling one may have settled its neighbours. */
  async makeUncertainDue(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('tasks')
      .set({ nextRunAt: now })
      .where('id', 'in', ids)
      .where('state', '=', 'UNCERTAIN')
      .where('nextRunAt', '>', now)
      .execute();
  }

  /** Open upstream tasks of a channel, oldest submit first: what the status sweep looks at. */
  async listOpenOnChannel(channelId: string, limit: number): Promise<OpenTaskRef[]> {
    return this.db
      .selectFrom('tasks')
      .select(['id', 'state', 'upstreamTaskId', 'submittedAt'])
      .where('channelId', '=', channelId)
      .where('state', 'in', ['PENDING', 'RUNNING'])
      .where('upstreamTaskId', 'is not', null)
      .orderBy('submittedAt')
      .limit(limit)
      .execute();
  }

  /**
   * Makes tasks due at once for `reason` (the sweep saw them finish upstream), ahead of every
   * scheduled poll (claimDue takes reasons first). Among themselves they are ranked by `foundAt`,
   * when the sweep first found each finished, so a task found again keeps its place. A task
   * already due for the reason keeps its place too.
   */
  async markDue(
    ids: string[],
    now: number,
    foundAt = now,
    reason: DueReason = 'confirm',
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const res = await this.db
      .updateTable('tasks')
      .set({ nextRunAt: Math.min(foundAt, now), dueReason: reason })
      .where('id', 'in', ids)
      .where('state', 'in', ['PENDING', 'RUNNING'])
      .where((w) => w.or([w('dueReason', 'is', null), w('nextRunAt', '>', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * PENDING → RUNNING from the task list, without a per-task query. Conditional like every
   * transition, and only for rows no worker holds: a worker holding one applies its own answer.
   */
  async markStarted(tasks: { id: string; startedAt: number }[], now: number): Promise<number> {
    assertTransition('PENDING', 'RUNNING');
    let moved = 0;
    for (const t of tasks) {
      const res = await this.db
        .updateTable('tasks')
        .set({ state: 'RUNNING', scheduledAt: t.startedAt, updatedAt: now })
        .where('id', '=', t.id)
        .where('state', '=', 'PENDING')
        .where((w) => w.or([w('leaseUntil', 'is', null), w('leaseUntil', '<', now)]))
        .executeTakeFirst();
      moved += Number(res.numUpdatedRows);
    }
    return moved;
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

  /** Tasks that may hold an upstream slot on a channel (the account's running limit). */
  async countOpenOnChannel(channelId: string): Promise<number> {
    const row = await this.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channelId', '=', channelId)
      .where(holdsUpstreamSlot)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
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
