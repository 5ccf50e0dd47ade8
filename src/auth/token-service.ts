import type { AccountStore, TokenRecord } from '../store/account-store.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { displayPrefix, generateToken, keyedTokenHash, legacyTokenHash } from './token-format.js';
import { isStrongToken, TOKEN_STRENGTH_RULE } from './token-strength.js';

export interface IssuedToken {
  record: TokenRecord;
  /** the secret, shown once and never stored */
  token: string;
}

/** A token value chosen by the operator that is too easy to guess to be accepted. */
export class WeakTokenError extends Error {
  constructor() {
    super(`token ${TOKEN_STRENGTH_RULE}`);
    this.name = 'WeakTokenError';
  }
}

/** Longer than any token anyone issues; refused before hashing. */
const MAX_TOKEN_LENGTH = 512;

/** Accounts and tokens as the CLI, bootstrap and the authenticate hook use them. */
export class TokenService {
  /**
   * @param hashKey the key of stored token hashes (`tokenHashKey` in shared/server-keys.ts);
   * every process on one database must be given the same one
   */
  constructor(
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
    private readonly hashKey: Buffer,
  ) {}

  async ensureAccount(name: string): Promise<string> {
    const existing = await this.accounts.findAccountByName(name);
    if (existing) return existing.id;
    const id = newId('account');
    await this.accounts.createAccount({ id, name, createdAt: this.clock.now() });
    return id;
  }

  /** A new token; `value` is an operator-chosen one, refused when weak (WeakTokenError). */
  async issue(accountId: string, name: string, value?: string): Promise<IssuedToken> {
    if (value !== undefined && !isStrongToken(value)) throw new WeakTokenError();
    const token = value ?? generateToken();
    const record: TokenRecord = {
      id: newId('token'),
      accountId,
      name,
      prefix: displayPrefix(token),
      createdAt: this.clock.now(),
      revokedAt: null,
    };
    await this.accounts.createToken({
      ...record,
      hash: keyedTokenHash(this.hashKey, token),
      hashScheme: 'hmac-sha256',
    });
    return { record, token };
  }

  /**
   * The live token's record, or undefined. Lookups are by hash, so no stored value is compared
   * byte by byte in this process: a timing difference could only tell an HMAC output an
   * attacker cannot choose.
   */
  async verify(token: string): Promise<TokenRecord | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const keyed = keyedTokenHash(this.hashKey, token);
    const found = await this.accounts.findActiveTokenByHash(keyed, 'hmac-sha256');
    if (found) return found;
    // rows from before migration 0004, or written by a process not yet upgraded, hold the
    // unkeyed hash: found once more that way, then re-hashed so the row stops being checkable
    // offline
    const legacy = legacyTokenHash(token);
    const old = await this.accounts.findActiveTokenByHash(legacy, 'sha256');
    if (!old) return undefined;
    await this.accounts.upgradeTokenHash(old.id, legacy, keyed);
    return old;
  }

  async revoke(id: string): Promise<boolean> {
    return this.accounts.revokeToken(id, this.clock.now());
  }
}
