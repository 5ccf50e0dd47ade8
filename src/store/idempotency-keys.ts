import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { NewTask } from './task-rows.js';

/** How long a key keeps answering with its task (ADR 0014); older keys are as if never used. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** A create's key as the store keeps it: hashes only, never the client's text. */
export interface KeyClaim {
  accountId: string;
  keyHash: string;
  bodyHash: string;
}

/** What an earlier create under a key left: the task it made and the body it was made from. */
export interface StoredKey {
  taskId: string;
  bodyHash: string;
  createdAt: number;
}

export type KeyedInsert = { inserted: true } | { inserted: false; existing: StoredKey };

function oldestLive(now: number): number {
  return now - IDEMPOTENCY_KEY_TTL_MS;
}

/** The account's unexpired use of a key, if any. */
export async function findLiveKey(
  db: Kysely<Database>,
  accountId: string,
  keyHash: string,
  now: number,
): Promise<StoredKey | undefined> {
  return db
    .selectFrom('idempotencyKeys')
    .select(['taskId', 'bodyHash', 'createdAt'])
    .where('accountId', '=', accountId)
    .where('keyHash', '=', keyHash)
    .where('createdAt', '>', oldestLive(now))
    .executeTakeFirst();
}

/**
 * Stores the key and the task in one transaction, or neither. When the key is taken, the row
 * that took it is answered instead and no task is stored: on PostgreSQL the insert waits for a
 * concurrent holder of the key to commit (or roll back) before it decides, and on SQLite the
 * single writer has already committed it, so the read after the conflict sees the winner.
 */
export async function insertWithKey(
  db: Kysely<Database>,
  claim: KeyClaim,
  task: NewTask,
): Promise<KeyedInsert> {
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    // an expired use of the key holds the unique slot; it goes first, in the same transaction
    await trx
      .deleteFrom('idempotencyKeys')
      .where('accountId', '=', claim.accountId)
      .where('keyHash', '=', claim.keyHash)
      .where('createdAt', '<=', oldestLive(task.createdAt))
      .execute();
    const taken = await trx
      .insertInto('idempotencyKeys')
      .values({ ...claim, taskId: task.id, createdAt: task.createdAt })
      .onConflict((oc) => oc.columns(['accountId', 'keyHash']).doNothing())
      .returning('taskId')
      .executeTakeFirst();
    if (!taken) {
      const existing = await trx
        .selectFrom('idempotencyKeys')
        .select(['taskId', 'bodyHash', 'createdAt'])
        .where('accountId', '=', claim.accountId)
        .where('keyHash', '=', claim.keyHash)
        .executeTakeFirstOrThrow();
      // this create's own earlier attempt, committed although its answer was lost (ADR 0016)
      if (existing.taskId === task.id) return { inserted: true };
      return { inserted: false, existing };
    }
    await trx.insertInto('tasks').values(task).execute();
    return { inserted: true };
  });
}

/** Deletes keys past their time; the number deleted. */
export async function pruneExpiredKeys(db: Kysely<Database>, now: number): Promise<number> {
  const res = await db
    .deleteFrom('idempotencyKeys')
    .where('createdAt', '<=', oldestLive(now))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
