import type { Kysely } from 'kysely';

// Signed webhooks (issue 15 item 4): endpoints per account, one delivery per endpoint and task
// event, and one log row per attempt. Deliveries are made from task_events (the outbox, ADR 0013).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    // JSON array of event types (`task.succeeded`, …)
    .addColumn('event_types', 'text', (c) => c.notNull())
    // the `whsec_…` signing secret sealed like channel keys (channels/secret-box.ts)
    .addColumn('secret', 'text', (c) => c.notNull())
    // task events up to this time (minus a grace for late commits) have their deliveries
    .addColumn('cursor_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    // the first failed attempt since the last success; three days of it disable the endpoint
    .addColumn('failing_since', 'bigint')
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_account')
    .on('webhook_endpoints')
    .column('account_id')
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event_at', 'bigint', (c) => c.notNull())
    // derived from endpoint, task and seq: a retry, a re-send after a crash and a replay agree
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    // pending | delivered | failed (given up)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('latency_ms', 'integer')
    // at most 512 bytes of the receiver's answer, or why nothing was sent
    .addColumn('response_excerpt', 'text')
    .addColumn('delivered_at', 'bigint')
    // one delivery per endpoint and event, however many processes scan the outbox
    .addUniqueConstraint('webhook_deliveries_event', ['endpoint_id', 'task_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    // ≤ 512 bytes of the answer, or the reason nothing was sent or answered
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
