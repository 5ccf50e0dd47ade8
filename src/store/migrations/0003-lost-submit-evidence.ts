import type { Kysely } from 'kysely';

// What lost submits are told apart by (ADR 0011): the evidence a create leaves in the upstream's
// answers, when a task was adopted through the task list, and when an unanswered submit that
// the list does not show stopped counting against the account's running limit.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('evidence_prompt', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('evidence_seconds', 'integer').execute();
  await db.schema.alterTable('tasks').addColumn('adopted_at', 'bigint').execute();
  await db.schema.alterTable('tasks').addColumn('slot_released_at', 'bigint').execute();
  await db.schema
    .createIndex('tasks_channel_model')
    .on('tasks')
    .columns(['channel_id', 'model', 'state'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tasks_channel_model').execute();
  for (const c of ['slot_released_at', 'adopted_at', 'evidence_seconds', 'evidence_prompt'])
    await db.schema.alterTable('tasks').dropColumn(c).execute();
}
