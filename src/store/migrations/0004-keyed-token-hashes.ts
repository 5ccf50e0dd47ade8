import { sql, type Kysely } from 'kysely';

// Token hashes become HMACs under a server key (ADR 0005, amended). A migration cannot compute
// them: it never sees the tokens. So every existing row is marked as the unkeyed `sha256` it
// holds, and is re-hashed the next time its token is used. The default is `sha256` on purpose:
// a process from before this migration, still running during a rolling upgrade, inserts rows
// without the column, and those rows do hold sha256 hashes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tokens')
    .addColumn('hash_scheme', 'text', (c) =>
      c
        .notNull()
        .defaultTo('sha256')
        .check(sql`hash_scheme in ('sha256', 'hmac-sha256')`),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tokens').dropColumn('hash_scheme').execute();
}
