import type { Kysely } from 'kysely';

// Why a task is due, said in a column of its own. Before, a task the status sweep found finished
// was made due an hour in the past so that claims (earliest next_run_at first) took it ahead of
// scheduled polls, and the worker read "an hour ago" as "this poll is a confirmation". Claims now
// take tasks with a reason first, and the reason stays until the confirming query is answered.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('due_reason', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('due_reason').execute();
}
