import type { Kysely } from 'kysely';

// Idempotency-Key on creates (ADR 0014): one row per key an account used, written in the
// transaction that stores the task, so a key never exists without its task nor a keyed task
// without its key. The key itself is kept as a hash (it is client text); the body as a hash of
// its canonical form, to tell a retry from a different request under the same key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('account_id', 'text', (c) => c.notNull())
    // sha256 hex of the header's value
    .addColumn('key_hash', 'text', (c) => c.notNull())
    // sha256 hex of the route's mode and the canonical body
    .addColumn('body_hash', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // the unique constraint concurrent creates with one key meet: the loser reads the winner's row
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key_hash'])
    .execute();
  // expired keys are pruned by age
  await db.schema
    .createIndex('idempotency_keys_created_at')
    .on('idempotency_keys')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
