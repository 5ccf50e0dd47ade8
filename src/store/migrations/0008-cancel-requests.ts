import type { Kysely } from 'kysely';

// When a client asked to cancel the task. The API cancels a task itself only while nothing was
// sent upstream (CHECKING, QUEUED); from the submit on, the worker holding the task reads this
// mark and cancels the upstream task while it is still PENDING there (ADR 0015). A mark instead
// of a state change lets a cancel never race a submit: only the lease holder moves the task.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('cancel_requested_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('cancel_requested_at').execute();
}
