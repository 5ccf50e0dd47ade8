import type { Kysely } from 'kysely';
import type { TokenHashScheme } from '../auth/token-format.js';
import type { Database } from './schema.js';
import { retryTransient } from './transient.js';

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

  /** A hash stored without a scheme is the legacy `sha256` one (the column's default). */
  async createToken(
    token: TokenRecord & { hash: string; hashScheme?: TokenHashScheme },
  ): Promise<void> {
    await this.db.insertInto('tokens').values(token).execute();
  }

  /** The live (not revoked) token with this hash, made by `scheme` when one is given. */
  async findActiveTokenByHash(
    hash: string,
    scheme?: TokenHashScheme,
  ): Promise<TokenRecord | undefined> {
    let q = this.db
      .selectFrom('tokens')
      .select(['id', 'accountId', 'name', 'prefix', 'createdAt', 'revokedAt'])
      .where('hash', '=', hash)
      .where('revokedAt', 'is', null);
    if (scheme !== undefined) q = q.where('hashScheme', '=', scheme);
    // every request's token check: a store hiccup here would fail any route (ADR 0016)
    return retryTransient(() => q.executeTakeFirst());
  }

  /**
   * Replaces a legacy `sha256` hash with the keyed one. Conditional on the old hash, so two
   * requests upgrading the same token at once both succeed and the row is written once.
   */
  async upgradeTokenHash(id: string, legacyHash: string, keyedHash: string): Promise<boolean> {
    const res = await this.db
      .updateTable('tokens')
      .set({ hash: keyedHash, hashScheme: 'hmac-sha256' })
      .where('id', '=', id)
      .where('hash', '=', legacyHash)
      .where('hashScheme', '=', 'sha256')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
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
