import { sql, type Kysely } from 'kysely';

/**
 * The task states as this migration first wrote them. Frozen on purpose: a migration must build
 * the same schema on a new database as it did on the old ones, so a state added later is added by
 * its own migration, never by editing this list or reading the live TASK_STATES.
 */
const TASK_STATES_0001 = [
  'CHECKING',
  'QUEUED',
  'SUBMITTING',
  'UNCERTAIN',
  'PENDING',
  'RUNNING',
  'FETCHING',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
] as const;

// Timestamps are integer milliseconds since the epoch (bigint) on every dialect: one representation,
// no time-zone surprises, and cheap comparisons in the claim query.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('models', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('limits', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('paused_until', 'bigint')
    .addColumn('pause_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  const states = sql.join(TASK_STATES_0001.map((s) => sql.lit(s)));
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in (${states})`))
    .addColumn('channel_id', 'text')
    .addColumn('upstream_task_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_run_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('dispatch_deadline', 'bigint', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint')
    .addColumn('scheduled_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('eta_at', 'bigint')
    .addColumn('uncertain_since', 'bigint')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('usage', 'text')
    .addColumn('upstream_video_url', 'text')
    .addColumn('result_key', 'text')
    .addColumn('result_bytes', 'bigint')
    .addColumn('orig_prompt', 'text')
    .addColumn('actual_prompt', 'text')
    .execute();

  await db.schema.createIndex('tasks_due').on('tasks').columns(['state', 'next_run_at']).execute();
  await db.schema
    .createIndex('tasks_account')
    .on('tasks')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('tasks_channel')
    .on('tasks')
    .columns(['channel_id', 'state'])
    .execute();
  await db.schema.createIndex('tasks_upstream').on('tasks').column('upstream_task_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['tasks', 'channels', 'tokens', 'accounts'])
    await db.schema.dropTable(t).execute();
}
