import type { Kysely, Selectable } from 'kysely';
import type { ChannelsTable, Database } from './schema.js';

export type ChannelRow = Selectable<ChannelsTable>;

/** Channels (upstream accounts). Settings arrive here already encrypted where secret. */
export class ChannelStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<ChannelRow[]> {
    return this.db.selectFrom('channels').selectAll().orderBy('createdAt').execute();
  }

  async get(id: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByName(name: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('channels').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async insert(row: ChannelRow): Promise<void> {
    await this.db.insertInto('channels').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<ChannelRow, 'id' | 'createdAt'>>): Promise<boolean> {
    const res = await this.db
      .updateTable('channels')
      .set(patch)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('channels').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }
}
