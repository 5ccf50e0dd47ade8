import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTestPostgres } from '../../test/support/postgres.js';
import { DIALECTS, openBackend, type Backend } from '../../test/support/store-backends.js';
import { openDatabase } from './database.js';
import { UploadStore, type UploadRow } from './upload-store.js';

const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

const T0 = 1_800_000_000_000;

function row(id: string, objectKey: string, expiresAt = T0 + 1000): UploadRow {
  return {
    id,
    objectKey,
    accountId: 'acct_1',
    storageKey: `uploads/${id}`,
    bytes: 123,
    contentType: 'image/png',
    createdAt: T0,
    expiresAt,
  };
}

for (const dialect of DIALECTS) {
  describe(`upload store contract: ${dialect}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await openBackend(dialect, testPostgres);
    });
    after(() => backend.close());

    async function freshStore(t: { after(fn: () => Promise<void>): void }) {
      const db = await openDatabase(await backend.empty());
      t.after(() => db.close());
      return new UploadStore(db.kysely);
    }

    it('a key is stored once; a second insert under it changes nothing', async (t) => {
      const store = await freshStore(t);
      assert.equal(await store.insert(row('u1', 'vidgate-uploads/d/a.png')), true);
      assert.equal(await store.insert(row('u2', 'vidgate-uploads/d/a.png')), false);
      const found = await store.find('vidgate-uploads/d/a.png', T0);
      assert.deepEqual(found, row('u1', 'vidgate-uploads/d/a.png'));
    });

    it('an expired upload is not found, still holds its key, and is listed for the sweep', async (t) => {
      const store = await freshStore(t);
      await store.insert(row('u1', 'vidgate-uploads/d/old.png', T0 + 10));
      await store.insert(row('u2', 'vidgate-uploads/d/new.png', T0 + 10_000));
      assert.equal(await store.find('vidgate-uploads/d/old.png', T0 + 10), undefined);
      assert.equal(await store.exists('vidgate-uploads/d/old.png'), true);
      const due = await store.expired(T0 + 10, 10);
      assert.deepEqual(
        due.map((r) => r.id),
        ['u1'],
      );
      await store.delete('u1');
      assert.equal(await store.exists('vidgate-uploads/d/old.png'), false);
      assert.ok(await store.find('vidgate-uploads/d/new.png', T0 + 10));
    });
  });
}
