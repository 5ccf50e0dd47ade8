import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../shared/clock.js';
import { encryptionKey, tokenHashKey } from '../shared/server-keys.js';
import { AccountStore } from '../store/account-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { generateToken, keyedTokenHash, legacyTokenHash } from './token-format.js';
import { TokenService, WeakTokenError } from './token-service.js';

const KEY = Buffer.alloc(32, 1);

void describe('TokenService', () => {
  let dir = '';
  let db: Db;
  let accounts: AccountStore;
  let accountId = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vidgate-tokens-'));
    db = await openDatabase({ kind: 'sqlite', path: join(dir, 'vidgate.db') });
    accounts = new AccountStore(db.kysely);
    accountId = await new TokenService(accounts, systemClock, KEY).ensureAccount('acme');
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rowOf = (id: string) =>
    db.kysely
      .selectFrom('tokens')
      .select(['hash', 'hashScheme'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('stores an HMAC of each new token under the server key, never the token', async () => {
    const tokens = new TokenService(accounts, systemClock, KEY);
    const issued = await tokens.issue(accountId, 'ci');
    assert.deepEqual(await rowOf(issued.record.id), {
      hash: keyedTokenHash(KEY, issued.token),
      hashScheme: 'hmac-sha256',
    });
    assert.equal((await tokens.verify(issued.token))?.id, issued.record.id);
  });

  it('does not accept a token hashed under another key', async () => {
    const issued = await new TokenService(accounts, systemClock, KEY).issue(accountId, 'a');
    const other = new TokenService(accounts, systemClock, Buffer.alloc(32, 2));
    assert.equal(await other.verify(issued.token), undefined);
  });

  it('finds a legacy sha256 row once that way and re-hashes it with the key', async () => {
    const token = generateToken();
    const record = {
      id: `tok_legacy_${randomBytes(4).toString('hex')}`,
      accountId,
      name: 'old',
      prefix: token.slice(0, 7),
      createdAt: 1,
      revokedAt: null,
    };
    // as a release before migration 0004 wrote it: no scheme, the column default applies
    await accounts.createToken({ ...record, hash: legacyTokenHash(token) });
    assert.equal((await rowOf(record.id)).hashScheme, 'sha256');

    const tokens = new TokenService(accounts, systemClock, KEY);
    assert.deepEqual(await tokens.verify(token), record);
    assert.deepEqual(await rowOf(record.id), {
      hash: keyedTokenHash(KEY, token),
      hashScheme: 'hmac-sha256',
    });
    assert.deepEqual(await tokens.verify(token), record, 'found by its keyed hash from now on');
    const legacyRows = await db.kysely
      .selectFrom('tokens')
      .select('id')
      .where('hash', '=', legacyTokenHash(token))
      .execute();
    assert.deepEqual(legacyRows, [], 'nothing checkable offline is left');
  });

  it('upgrades a legacy row once when two requests race on it', async () => {
    const token = generateToken();
    const id = `tok_race_${randomBytes(4).toString('hex')}`;
    await accounts.createToken({
      id,
      accountId,
      name: 'race',
      prefix: token.slice(0, 7),
      createdAt: 1,
      revokedAt: null,
      hash: legacyTokenHash(token),
    });
    const tokens = new TokenService(accounts, systemClock, KEY);
    const found = await Promise.all([tokens.verify(token), tokens.verify(token)]);
    assert.deepEqual(
      found.map((r) => r?.id),
      [id, id],
    );
    assert.equal((await rowOf(id)).hashScheme, 'hmac-sha256');
  });

  it('refuses revoked tokens, legacy or keyed, and does not upgrade them', async () => {
    const tokens = new TokenService(accounts, systemClock, KEY);
    const keyed = await tokens.issue(accountId, 'gone');
    await tokens.revoke(keyed.record.id);
    assert.equal(await tokens.verify(keyed.token), undefined);

    const token = generateToken();
    const id = `tok_revoked_${randomBytes(4).toString('hex')}`;
    await accounts.createToken({
      id,
      accountId,
      name: 'old-gone',
      prefix: token.slice(0, 7),
      createdAt: 1,
      revokedAt: 2,
      hash: legacyTokenHash(token),
    });
    assert.equal(await tokens.verify(token), undefined);
    assert.equal((await rowOf(id)).hashScheme, 'sha256');
  });

  it('takes a strong operator-chosen value and refuses a weak one', async () => {
    const tokens = new TokenService(accounts, systemClock, KEY);
    const chosen = `Operator-${randomBytes(24).toString('base64url')}`;
    const issued = await tokens.issue(accountId, 'chosen', chosen);
    assert.equal(issued.token, chosen);
    assert.equal((await tokens.verify(chosen))?.id, issued.record.id);
    await assert.rejects(tokens.issue(accountId, 'weak', 'sixteen-chars-ok'), WeakTokenError);
  });

  it('refuses empty and absurdly long tokens without a lookup', async () => {
    const tokens = new TokenService(accounts, systemClock, KEY);
    assert.equal(await tokens.verify(''), undefined);
    assert.equal(await tokens.verify('x'.repeat(513)), undefined);
  });
});

void describe('tokenHashKey', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vidgate-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is the same for every process on one data dir (server and CLI alike)', () => {
    const source = { dataDir: join(dir, 'a'), encryptionKey: undefined };
    const first = tokenHashKey(source);
    assert.equal(first.length, 32);
    assert.deepEqual(tokenHashKey({ ...source }), first);
  });

  it('comes from VIDGATE_ENCRYPTION_KEY when set, and is never that key itself', () => {
    const env = randomBytes(32);
    const withEnv = { dataDir: join(dir, 'b'), encryptionKey: env };
    const key = tokenHashKey(withEnv);
    assert.deepEqual(tokenHashKey({ dataDir: join(dir, 'c'), encryptionKey: env }), key);
    assert.notDeepEqual(key, env);
    assert.deepEqual(encryptionKey(withEnv), env);
    assert.notDeepEqual(tokenHashKey({ dataDir: join(dir, 'b'), encryptionKey: undefined }), key);
  });
});
