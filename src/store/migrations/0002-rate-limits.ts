import type { Kysely } from 'kysely';

// Sliding-window rate limiting shared by every process on one database (SqlRateLimiter).
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per key: acquirers upsert it first, which serialises them per key on both dialects.
  await db.schema
    .createTable('rate_limit_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('rate_events')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rate_events_key_at')
    .on('rate_events')
    .columns(['key', 'at'])
    .execute();
  await db.schema
    .createIndex('rate_events_expires')
    .on('rate_events')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_events').execute();
  await db.schema.dropTable('rate_limit_keys').execute();
}
