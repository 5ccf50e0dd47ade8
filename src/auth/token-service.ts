import type { AccountStore, TokenRecord } from '../store/account-store.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { displayPrefix, generateToken, hashToken } from './token-format.js';

export interface IssuedToken {
  record: TokenRecord;
  /** the secret, shown once and never stored */
  token: string;
}

/** Accounts and tokens as the CLI, bootstrap and the authenticate hook use them. */
export class TokenService {
  constructor(
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
  ) {}

  async ensureAccount(name: string): Promise<string> {
    const existing = await this.accounts.findAccountByName(name);
    if (existing) return existing.id;
    const id = newId('account');
    await this.accounts.createAccount({ id, name, createdAt: this.clock.now() });
    return id;
  }

  async issue(accountId: string, name: string, value?: string): Promise<IssuedToken> {
    const token = value ?? generateToken();
    const record: TokenRecord = {
      id: newId('token'),
      accountId,
      name,
      prefix: displayPrefix(token),
      createdAt: this.clock.now(),
      revokedAt: null,
    };
    await this.accounts.createToken({ ...record, hash: hashToken(token) });
    return { record, token };
  }

  async verify(token: string): Promise<TokenRecord | undefined> {
    if (token.length === 0 || token.length > 512) return undefined;
    return this.accounts.findActiveTokenByHash(hashToken(token));
  }

  async revoke(id: string): Promise<boolean> {
    return this.accounts.revokeToken(id, this.clock.now());
  }
}
