import type { Kysely } from 'kysely';

// When a SUCCEEDED task's video was deleted at the end of its retention (issue 15): the task
// stays SUCCEEDED (what happened upstream does not change) and its body says the video expired.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('result_expired_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('result_expired_at').execute();
}
