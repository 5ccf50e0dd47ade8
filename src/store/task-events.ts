import type { Kysely, Selectable } from 'kysely';
import type { Database, TaskEventsTable } from './schema.js';

/**
 * One change of a task's state. The store never writes these itself: a trigger on `tasks`
 * (migration 0005, ADR 0013) appends one in the statement that changes the state.
 */
export type TaskEventRow = Selectable<TaskEventsTable>;

/** A task's events in order, for the account that owns it; empty for anyone else. */
export function listTaskEvents(
  db: Kysely<Database>,
  taskId: string,
  accountId: string,
): Promise<TaskEventRow[]> {
  return db
    .selectFrom('taskEvents')
    .selectAll()
    .where('taskId', '=', taskId)
    .where('accountId', '=', accountId)
    .orderBy('seq')
    .execute();
}
