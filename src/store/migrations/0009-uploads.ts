import type { Kysely } from 'kysely';

// Files uploaded through the SDKs' local-file flow (ADR 0017): one row per uploaded object. The
// object key is what the client names in `oss://…`; the bytes are in media storage under
// `storage_key`. Rows expire like DashScope's temporary uploads and are swept with their bytes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // `vidgate-uploads/<dir>/<file name>`; unique: an upload never overwrites another
    .addColumn('object_key', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uploads_expires_at').on('uploads').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('uploads').execute();
}
