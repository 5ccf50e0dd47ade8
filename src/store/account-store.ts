import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface Account {
  id: string;
  name: string;
  createdAt: number;
}

export interface TokenRecord {
  id: string;
  accountId: string;
  name: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Accounts and their tokens. Tokens are looked up by hash only. */
export class AccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async countAccounts(): Promise<number> {
    const row = await this.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createAccount(account: Account): Promise<void> {
    await this.db.insertInto('accounts').values(account).execute();
  }

  async findAccountByName(name: string): Promise<Account | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async findAccount(id: string): Promise<Account | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listAccounts(): Promise<Account[]> {
    return this.db.selectFrom('accounts').selectAll().orderBy('createdAt').execute();
  }

  async createToken(token: TokenRecord & { hash: string }): Promise<void> {
    await this.db.insertInto('tokens').values(token).execute();
  }

  /** The live (not revoked) token with this hash. */
  async findActiveTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return this.db
      .selectFrom('tokens')
      .select(['id', 'accountId', 'name', 'prefix', 'createdAt', 'revokedAt'])
      .where('hash', '=', hash)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
  }

  async listTokens(accountId?: string): Promise<TokenRecord[]> {
    let q = this.db
      .selectFrom('tokens')
      .select(['id', 'accountId', 'name', 'prefix', 'createdAt', 'revokedAt']);
    if (accountId !== undefined) q = q.where('accountId', '=', accountId);
    return q.orderBy('createdAt').execute();
  }

  /** Returns false when no live token has this id. */
  async revokeToken(id: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('tokens')
      .set({ revokedAt: now })
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
