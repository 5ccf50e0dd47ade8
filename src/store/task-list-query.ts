import type { Kysely } from 'kysely';
import type { TaskState } from '../tasks/status.js';
import type { Database } from './schema.js';
import type { TaskRow } from './task-rows.js';

/** One account's tasks in a creation-time window, as the task list routes filter them. */
export interface TaskListFilter {
  accountId: string;
  /** inclusive, ms */
  from: number;
  /** inclusive, ms */
  to: number;
  model?: string;
  /** DashScope's `task_id` parameter: that one task, if it is in the window */
  taskId?: string;
  /** the internal states a wire status stands for; an empty list matches nothing */
  states?: readonly TaskState[];
  /** 1-based */
  pageNo: number;
  pageSize: number;
}

export type ListedTaskRow = Pick<
  TaskRow,
  | 'id'
  | 'accountId'
  | 'tokenId'
  | 'state'
  | 'model'
  | 'createdAt'
  | 'scheduledAt'
  | 'finishedAt'
  | 'updatedAt'
>;

/** A page of the account's tasks, newest first, and how many match in all. */
export async function listTaskPage(
  db: Kysely<Database>,
  f: TaskListFilter,
): Promise<{ total: number; rows: ListedTaskRow[] }> {
  if (f.states?.length === 0) return { total: 0, rows: [] };
  let q = db
    .selectFrom('tasks')
    .where('accountId', '=', f.accountId)
    .where('createdAt', '>=', f.from)
    .where('createdAt', '<=', f.to);
  if (f.model !== undefined) q = q.where('model', '=', f.model);
  if (f.taskId !== undefined) q = q.where('id', '=', f.taskId);
  if (f.states !== undefined) q = q.where('state', 'in', f.states);
  const count = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      'id',
      'accountId',
      'tokenId',
      'state',
      'model',
      'createdAt',
      'scheduledAt',
      'finishedAt',
      'updatedAt',
    ])
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(f.pageSize)
    .offset((f.pageNo - 1) * f.pageSize)
    .execute();
  return { total: Number(count.n), rows };
}
