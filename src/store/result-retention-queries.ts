import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface StoredResult {
  id: string;
  resultKey: string;
}

/** The results past their retention, and the mark that says one was deleted (issue 15). */
export class ResultRetentionQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** SUCCEEDED tasks that ended before `before` and still hold a stored result, oldest first. */
  async listExpired(before: number, limit: number): Promise<StoredResult[]> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['id', 'resultKey'])
      .where('state', '=', 'SUCCEEDED')
      .where('resultKey', 'is not', null)
      .where('finishedAt', '<', before)
      .orderBy('finishedAt')
      .limit(limit)
      .execute();
    return rows.flatMap((r) =>
      r.resultKey === null ? [] : [{ id: r.id, resultKey: r.resultKey }],
    );
  }

  /** Marks the result deleted, if it is still the one listed (conditional: one sweep wins). */
  async markExpired(r: StoredResult, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('tasks')
      .set({ resultKey: null, resultExpiredAt: now, updatedAt: now })
      .where('id', '=', r.id)
      .where('resultKey', '=', r.resultKey)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
