import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { withTestPostgres, type TestPostgres } from '../../../test/support/postgres.js';
import { generateToken, keyedTokenHash, legacyTokenHash } from '../../auth/token-format.js';
import { TokenService } from '../../auth/token-service.js';
import { systemClock } from '../../shared/clock.js';
import { AccountStore } from '../account-store.js';
import { migrate, openDatabase, type StoreLocation } from '../database.js';
import { registerPostgresDialect } from '../postgres-dialect.js';
import { migrationProvider } from './index.js';
import type { Database } from '../schema.js';

registerPostgresDialect();

const KEY = Buffer.alloc(32, 9);
let postgres: Promise<TestPostgres> | undefined;

async function location(dialect: 'sqlite' | 'postgres', dir: string): Promise<StoreLocation> {
  if (dialect === 'sqlite') return { kind: 'sqlite', path: join(dir, `${dialect}.db`) };
  postgres ??= withTestPostgres();
  return { kind: 'postgres', url: await (await postgres).createDatabase() };
}

/** Back to the release before 0004 (its down step), holding one sha256 token as it wrote it. */
async function legacyStore(kysely: Kysely<Database>, token: string): Promise<void> {
  const migrator = new Migrator({ db: kysely, provider: migrationProvider });
  assert.equal((await migrator.migrateTo('0003-lost-submit-evidence')).error, undefined);
  await sql`insert into accounts (id, name, created_at) values ('acc_1', 'default', 1)`.execute(
    kysely,
  );
  await sql`insert into tokens (id, account_id, name, hash, prefix, created_at)
            values ('tok_old', 'acc_1', 'bootstrap', ${legacyTokenHash(token)}, 'vg_old…', 1)`.execute(
    kysely,
  );
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  void describe(`migration 0004 (keyed token hashes): ${dialect}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidgate-0004-'));
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (dialect === 'postgres') await (await postgres)?.stop();
    });

    it('marks existing rows sha256; their tokens keep working and are re-hashed on use', async () => {
      const db = await openDatabase(await location(dialect, dir));
      try {
        const k = db.kysely;
        const token = generateToken();
        await legacyStore(k, token);
        await migrate(k);

        const row = () =>
          k
            .selectFrom('tokens')
            .select(['hash', 'hashScheme'])
            .where('id', '=', 'tok_old')
            .executeTakeFirstOrThrow();
        assert.deepEqual(await row(), { hash: legacyTokenHash(token), hashScheme: 'sha256' });

        const tokens = new TokenService(new AccountStore(k), systemClock, KEY);
        assert.equal((await tokens.verify(token))?.id, 'tok_old');
        assert.deepEqual(await row(), {
          hash: keyedTokenHash(KEY, token),
          hashScheme: 'hmac-sha256',
        });

        await assert.rejects(
          sql`update tokens set hash_scheme = 'md5' where id = 'tok_old'`.execute(k),
          'only known schemes are stored',
        );
      } finally {
        await db.close();
      }
    });
  });
}
