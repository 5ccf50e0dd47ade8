import type {
  Expression,
  ExpressionBuilder,
  Insertable,
  Selectable,
  SqlBool,
  Updateable,
} from 'kysely';
import { UPSTREAM_OPEN_STATES } from '../tasks/status.js';
import type { Database, TasksTable } from './schema.js';

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
export function holdsUpstreamSlot(eb: ExpressionBuilder<Database, 'tasks'>): Expression<SqlBool> {
  return eb.and([
    eb('state', 'in', UPSTREAM_OPEN_STATES),
    eb.or([eb('state', '!=', 'UNCERTAIN'), eb('slotReleasedAt', 'is', null)]),
  ]);
}

/** What the status sweep needs of an open upstream task. */
export type OpenTaskRef = Pick<TaskRow, 'id' | 'state' | 'upstreamTaskId' | 'submittedAt'>;
