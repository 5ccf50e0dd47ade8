import type { Kysely } from 'kysely';
import { assertTransition } from '../tasks/status.js';
import type { StoreCapabilities } from './dialects.js';
import type { Database, DueReason } from './schema.js';
import {
  holdsUpstreamSlot,
  type OpenTaskRef,
  type TaskPatch,
  type TaskRow,
  type UnansweredRow,
} from './task-rows.js';

/**
 * The task queries of the life upstream that are not a single task's own transition: the
 * running-limit count and lock, lost-submit reconciliation (ADR 0011) and the status sweep
 * (ADR 0010). TaskStore extends it; the split only keeps each file readable.
 */
export class UpstreamTaskQueries {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly capabilities: StoreCapabilities,
  ) {}

  protected async lockChannel(trx: Kysely<Database>, channelId: string): Promise<void> {
    if (!this.capabilities.supportsRowLocks) return;
    await trx.selectFrom('channels').select('id').where('id', '=', channelId).forUpdate().execute();
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

  /** The open tasks of a channel among upstream ids (a completion push names them). */
  async findOpenByUpstreamIds(channelId: string, upstreamTaskIds: string[]): Promise<string[]> {
    if (upstreamTaskIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('tasks')
      .select('id')
      .where('channelId', '=', channelId)
      .where('upstreamTaskId', 'in', upstreamTaskIds)
      .where('state', 'in', ['PENDING', 'RUNNING'])
      .execute();
    return rows.map((r) => r.id);
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
}
