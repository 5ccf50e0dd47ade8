import type { Kysely } from 'kysely';
import type { Database, UploadsTable } from './schema.js';

export type UploadRow = UploadsTable;

/** The rows of files uploaded through the SDKs' upload flow (ADR 0017). */
export class UploadStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the row; false when the object key is taken (an upload never overwrites another). */
  async insert(row: UploadRow): Promise<boolean> {
    const done = await this.db
      .insertInto('uploads')
      .values(row)
      .onConflict((oc) => oc.column('objectKey').doNothing())
      .returning('id')
      .executeTakeFirst();
    return done !== undefined;
  }

  /** The live upload under `objectKey`, if any. */
  async find(objectKey: string, now: number): Promise<UploadRow | undefined> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('objectKey', '=', objectKey)
      .where('expiresAt', '>', now)
      .executeTakeFirst();
  }

  /** Whether the key is taken, expired rows included (their bytes may not be swept yet). */
  async exists(objectKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('uploads')
      .select('id')
      .where('objectKey', '=', objectKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Up to `limit` expired rows, oldest first: the sweep deletes their bytes, then them. */
  async expired(now: number, limit: number): Promise<UploadRow[]> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('expiresAt', '<=', now)
      .orderBy('expiresAt')
      .limit(limit)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }
}
