import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTestPostgres } from '../../test/support/postgres.js';
import {
  closePeers,
  DIALECTS,
  openBackend,
  peersOf,
  type Backend,
} from '../../test/support/store-backends.js';
import { AccountStore } from './account-store.js';
import { openDatabase } from './database.js';
import { IDEMPOTENCY_KEY_TTL_MS } from './idempotency-keys.js';
import { TaskStore, type KeyClaim, type NewTask } from './task-store.js';

const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

const T0 = 1_700_000_000_000;

function keyedTask(id: string, accountId: string, createdAt: number): NewTask {
  return {
    id,
    accountId,
    tokenId: `tok-of-${accountId}`,
    model: 'wan2.2-t2v-plus',
    mode: 't2v',
    request: `{"model":"wan2.2-t2v-plus","for":"${id}"}`,
    state: 'QUEUED',
    nextRunAt: createdAt,
    createdAt,
    updatedAt: createdAt,
    dispatchDeadline: createdAt + 600_000,
  };
}

function claim(accountId: string, keyHash = 'key-1', bodyHash = 'body-1'): KeyClaim {
  return { accountId, keyHash, bodyHash };
}

for (const dialect of DIALECTS) {
  describe(`idempotency keys store contract: ${dialect}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await openBackend(dialect, testPostgres);
    });
    after(() => backend.close());

    async function freshStore(t: { after(fn: () => Promise<void>): void }) {
      const location = await backend.empty();
      const db = await openDatabase(location);
      t.after(() => db.close());
      const accounts = new AccountStore(db.kysely);
      await accounts.createAccount({ id: 'acc-1', name: 'one', createdAt: T0 });
      await accounts.createAccount({ id: 'acc-2', name: 'two', createdAt: T0 });
      const tasks = new TaskStore(db.kysely, db.capabilities);
      const taskIds = async () =>
        (await db.kysely.selectFrom('tasks').select('id').orderBy('id').execute()).map((r) => r.id);
      return { db, location, tasks, taskIds };
    }

    it('stores the key with its task; the key again stores nothing and names the first task', async (t) => {
      const { tasks, taskIds } = await freshStore(t);
      assert.deepEqual(await tasks.insertKeyed(keyedTask('t1', 'acc-1', T0), claim('acc-1')), {
        inserted: true,
      });
      const again = await tasks.insertKeyed(
        keyedTask('t2', 'acc-1', T0 + 5),
        claim('acc-1', 'key-1', 'body-2'),
      );
      assert.deepEqual(again, {
        inserted: false,
        existing: { taskId: 't1', bodyHash: 'body-1', createdAt: T0 },
      });
      assert.deepEqual(await taskIds(), ['t1']);
      assert.deepEqual(await tasks.findKey('acc-1', 'key-1', T0 + 5), {
        taskId: 't1',
        bodyHash: 'body-1',
        createdAt: T0,
      });
      assert.equal(await tasks.findKey('acc-1', 'key-2', T0 + 5), undefined);
    });

    it('keeps the keys of two accounts apart', async (t) => {
      const { tasks, taskIds } = await freshStore(t);
      await tasks.insertKeyed(keyedTask('t1', 'acc-1', T0), claim('acc-1'));
      const other = await tasks.insertKeyed(keyedTask('t2', 'acc-2', T0), claim('acc-2'));
      assert.deepEqual(other, { inserted: true });
      assert.deepEqual(await taskIds(), ['t1', 't2']);
      assert.equal((await tasks.findKey('acc-2', 'key-1', T0))?.taskId, 't2');
      assert.equal((await tasks.findKey('acc-1', 'key-1', T0))?.taskId, 't1');
    });

    it('stores neither key nor task when the task cannot be stored', async (t) => {
      const { tasks, taskIds } = await freshStore(t);
      await tasks.insert(keyedTask('t1', 'acc-1', T0));
      // the same task id again violates the tasks' primary key after the key row was written
      await assert.rejects(tasks.insertKeyed(keyedTask('t1', 'acc-1', T0), claim('acc-1')));
      assert.equal(await tasks.findKey('acc-1', 'key-1', T0), undefined);
      assert.deepEqual(await tasks.insertKeyed(keyedTask('t2', 'acc-1', T0), claim('acc-1')), {
        inserted: true,
      });
      assert.deepEqual(await taskIds(), ['t1', 't2']);
    });

    it('forgets a key 24 hours after its create, on the clock it is given', async (t) => {
      const { tasks, taskIds } = await freshStore(t);
      await tasks.insertKeyed(keyedTask('t1', 'acc-1', T0), claim('acc-1'));
      await tasks.insertKeyed(keyedTask('t9', 'acc-2', T0 + 1000), claim('acc-2'));
      const lastLive = T0 + IDEMPOTENCY_KEY_TTL_MS - 1;
      assert.equal((await tasks.findKey('acc-1', 'key-1', lastLive))?.taskId, 't1');
      const early = await tasks.insertKeyed(keyedTask('t2', 'acc-1', lastLive), claim('acc-1'));
      assert.equal(early.inserted, false);

      const expired = T0 + IDEMPOTENCY_KEY_TTL_MS;
      assert.equal(await tasks.findKey('acc-1', 'key-1', expired), undefined);
      const late = await tasks.insertKeyed(
        keyedTask('t3', 'acc-1', expired),
        claim('acc-1', 'key-1', 'body-2'),
      );
      assert.deepEqual(late, { inserted: true });
      assert.deepEqual(await tasks.findKey('acc-1', 'key-1', expired), {
        taskId: 't3',
        bodyHash: 'body-2',
        createdAt: expired,
      });
      assert.deepEqual(await taskIds(), ['t1', 't3', 't9']);

      // pruning takes acc-2's key once its 24 hours are over, and never a live one
      assert.equal(await tasks.pruneKeys(T0 + 1000 + IDEMPOTENCY_KEY_TTL_MS - 1), 0);
      assert.equal(await tasks.pruneKeys(T0 + 1000 + IDEMPOTENCY_KEY_TTL_MS), 1);
      assert.equal(await tasks.findKey('acc-2', 'key-1', T0 + 1000), undefined);
      assert.equal((await tasks.findKey('acc-1', 'key-1', expired))?.taskId, 't3');
    });

    it('stores one task for 24 concurrent creates with one key from 8 connections', async (t) => {
      const { db, location, tasks, taskIds } = await freshStore(t);
      const peers = await peersOf(db, location, 8);
      t.after(() => closePeers(db, peers));
      const ids = Array.from({ length: 24 }, (_, i) => `t${String(i).padStart(2, '0')}`);
      const outcomes = await Promise.all(
        ids.map((id, i) => {
          const peer = peers[i % peers.length];
          assert.ok(peer);
          return new TaskStore(peer.kysely, peer.capabilities).insertKeyed(
            keyedTask(id, 'acc-1', T0 + i),
            claim('acc-1'),
          );
        }),
      );
      const stored = await taskIds();
      assert.equal(stored.length, 1, `one task, not ${stored.join(', ')}`);
      const [winner] = stored;
      assert.equal(outcomes.filter((o) => o.inserted).length, 1);
      for (const o of outcomes) if (!o.inserted) assert.equal(o.existing.taskId, winner);
      assert.equal((await tasks.findKey('acc-1', 'key-1', T0 + 24))?.taskId, winner);
    });
  });
}
