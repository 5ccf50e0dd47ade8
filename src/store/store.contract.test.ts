import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { withTestPostgres } from '../../test/support/postgres.js';
import {
  closePeers,
  DIALECTS,
  openBackend,
  peersOf,
  type Backend,
} from '../../test/support/store-backends.js';
import { TransitionError, type TaskState } from '../tasks/status.js';
import { AccountStore } from './account-store.js';
import { ChannelStore } from './channel-store.js';
import { migrate, openDatabase } from './database.js';
import { migrationProvider } from './migrations/index.js';
import { TaskStore } from './task-store.js';
import {
  channel,
  T0,
  task,
  freshStoreOf,
  type TestEnd,
} from '../../test/support/store-fixtures.js';

// The cluster boots while the SQLite suite runs; the PostgreSQL suite awaits it (and reports a
// failure to start). Were that suite filtered out, the cluster is stopped when the process exits.
const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

const APP_TABLES = [
  'accounts',
  'channels',
  'idempotency_keys',
  'rate_events',
  'rate_limit_keys',
  'task_events',
  'tasks',
  'tokens',
];

for (const dialect of DIALECTS) {
  describe(`store contract: ${dialect}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await openBackend(dialect, testPostgres);
    });
    after(() => backend.close());

    const freshStore = (t: TestEnd) => freshStoreOf(backend, t);

    it('migrates a new database up, down and up again; re-opening is a no-op', async (t) => {
      const location = await backend.fresh();
      const db = await openDatabase(location);
      t.after(() => db.close());
      const tableNames = async () =>
        (await db.kysely.introspection.getTables()).map((x) => x.name).sort();
      const appTables = await tableNames();
      for (const name of APP_TABLES)
        assert.ok(appTables.includes(name), `table ${name} missing from ${appTables.join(', ')}`);
      const expected = Object.keys(await migrationProvider.getMigrations()).sort();
      const applied = () =>
        sql<{ name: string }>`select name from kysely_migration order by name`
          .execute(db.kysely)
          .then((r) => r.rows.map((x) => x.name));
      assert.deepEqual(await applied(), expected);

      await new AccountStore(db.kysely).createAccount({ id: 'acc-1', name: 'one', createdAt: T0 });
      const again = await openDatabase(location);
      await again.close();
      assert.deepEqual(await applied(), expected);
      assert.equal(await new AccountStore(db.kysely).countAccounts(), 1);

      const migrator = new Migrator({ db: db.kysely, provider: migrationProvider });
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      assert.equal(down.error, undefined);
      assert.deepEqual(await tableNames(), []);
      assert.deepEqual(await applied(), []);
      await migrate(db.kysely);
      assert.deepEqual(await tableNames(), appTables);
      assert.deepEqual(await applied(), expected);
    });

    it('stores accounts and tokens; tokens are found by hash until revoked', async (t) => {
      const { db } = await freshStore(t);
      const accounts = new AccountStore(db.kysely);
      await accounts.createAccount({ id: 'acc-2', name: 'two', createdAt: T0 + 5 });
      await assert.rejects(accounts.createAccount({ id: 'acc-3', name: 'two', createdAt: T0 }));
      assert.equal(await accounts.countAccounts(), 2);
      assert.deepEqual(await accounts.findAccountByName('two'), {
        id: 'acc-2',
        name: 'two',
        createdAt: T0 + 5,
      });
      assert.equal(await accounts.findAccount('nope'), undefined);
      assert.deepEqual(
        (await accounts.listAccounts()).map((a) => a.id),
        ['acc-1', 'acc-2'],
      );

      const token = {
        id: 'tok-1',
        accountId: 'acc-2',
        name: 'ci',
        prefix: 'vgw_abc',
        createdAt: T0 + 7,
        revokedAt: null,
      };
      await accounts.createToken({ ...token, hash: 'h1' });
      assert.deepEqual(await accounts.findActiveTokenByHash('h1'), token);
      assert.deepEqual(await accounts.listTokens('acc-1'), []);
      assert.deepEqual(await accounts.listTokens('acc-2'), [token]);
      assert.equal(await accounts.revokeToken('tok-1', T0 + 9), true);
      assert.equal(await accounts.revokeToken('tok-1', T0 + 10), false);
      assert.equal(await accounts.findActiveTokenByHash('h1'), undefined);
      assert.deepEqual(await accounts.listTokens(), [{ ...token, revokedAt: T0 + 9 }]);
    });

    it('stores, updates and deletes channels', async (t) => {
      const { db } = await freshStore(t);
      const channels = new ChannelStore(db.kysely);
      await channels.insert(channel('ch-2', { createdAt: T0 + 1 }));
      await channels.insert(channel('ch-1'));
      await assert.rejects(channels.insert(channel('ch-3', { name: 'name-ch-1' })));
      assert.deepEqual(await channels.get('ch-1'), channel('ch-1'));
      assert.deepEqual(
        await channels.findByName('name-ch-2'),
        channel('ch-2', { createdAt: T0 + 1 }),
      );
      assert.equal(
        await channels.update('ch-1', { pausedUntil: T0 + 60_000, pauseReason: '429' }),
        true,
      );
      assert.equal(await channels.update('missing', { enabled: 0 }), false);
      assert.deepEqual(
        await channels.get('ch-1'),
        channel('ch-1', { pausedUntil: T0 + 60_000, pauseReason: '429' }),
      );
      assert.deepEqual(
        (await channels.list()).map((c) => c.id),
        ['ch-1', 'ch-2'],
      );
      assert.equal(await channels.delete('ch-2'), true);
      assert.equal(await channels.delete('ch-2'), false);
    });

    it('round-trips bigint timestamps as exact JS numbers', async (t) => {
      const { tasks } = await freshStore(t);
      const big = Number.MAX_SAFE_INTEGER;
      await tasks.insert(
        task('t-big', {
          nextRunAt: big,
          leaseUntil: big - 1,
          resultBytes: 5_000_000_123,
          createdAt: T0 + 1,
          finishedAt: 0,
        }),
      );
      const row = await tasks.get('t-big');
      assert.ok(row);
      for (const [field, value] of [
        ['nextRunAt', big],
        ['leaseUntil', big - 1],
        ['resultBytes', 5_000_000_123],
        ['createdAt', T0 + 1],
        ['finishedAt', 0],
        ['attempts', 0],
      ] as const) {
        assert.equal(typeof row[field], 'number', field);
        assert.equal(row[field], value, field);
      }
      assert.equal(row.submittedAt, null);
      assert.equal(await tasks.nextDueAt(['QUEUED']), big);
      assert.equal(await tasks.nextDueAt(['RUNNING']), null);
      assert.deepEqual(await tasks.countByState(), { QUEUED: 1 });
    });

    it('shows a task only to its own account', async (t) => {
      const { db, tasks } = await freshStore(t);
      await new AccountStore(db.kysely).createAccount({ id: 'acc-2', name: 'two', createdAt: T0 });
      await tasks.insert(task('t-1'));
      await tasks.insert(task('t-2', { accountId: 'acc-2', createdAt: T0 + 1 }));
      await tasks.insert(task('t-3', { createdAt: T0 + 2 }));
      assert.equal((await tasks.getForAccount('t-1', 'acc-1'))?.id, 't-1');
      assert.equal(await tasks.getForAccount('t-1', 'acc-2'), undefined);
      assert.equal(await tasks.getForAccount('t-404', 'acc-1'), undefined);
      assert.deepEqual(
        (await tasks.listForAccount('acc-1', 10)).map((r) => r.id),
        ['t-3', 't-1'],
      );
      assert.deepEqual(
        (await tasks.listForAccount('acc-1', 1)).map((r) => r.id),
        ['t-3'],
      );
    });

    it('applies a transition only from the expected state and lease', async (t) => {
      const { tasks } = await freshStore(t);
      await tasks.insert(task('t-1', { leaseOwner: 'w1', leaseUntil: T0 + 1000 }));
      const patch = { updatedAt: T0 + 1 };
      await assert.rejects(tasks.transition('t-1', 'QUEUED', 'RUNNING', patch), TransitionError);
      assert.equal(await tasks.transition('t-1', 'CHECKING', 'QUEUED', patch), undefined);
      assert.equal(await tasks.transition('t-1', 'QUEUED', 'SUBMITTING', patch, 'w2'), undefined);
      const moved = await tasks.transition(
        't-1',
        'QUEUED',
        'SUBMITTING',
        { ...patch, channelId: 'ch-1' },
        'w1',
      );
      assert.ok(moved);
      assert.equal(moved.state, 'SUBMITTING');
      assert.equal(moved.channelId, 'ch-1');
      assert.equal(moved.updatedAt, T0 + 1);
      assert.equal((await tasks.get('t-1'))?.state, 'SUBMITTING');
    });

    it('lets exactly one of two concurrent transitions from one state win', async (t) => {
      const { db, location, tasks } = await freshStore(t);
      const ids = Array.from({ length: 25 }, (_, i) => `t-${i}`);
      for (const id of ids) await tasks.insert(task(id));
      const [a, b] = await peersOf(db, location, 2);
      assert.ok(a && b);
      t.after(() => closePeers(db, [a, b]));
      const storeA = new TaskStore(a.kysely, a.capabilities);
      const storeB = new TaskStore(b.kysely, b.capabilities);
      const outcomes = await Promise.all(
        ids.map((id) =>
          Promise.all([
            storeA.transition(id, 'QUEUED', 'CANCELED', { updatedAt: T0 + 1 }),
            storeB.transition(id, 'QUEUED', 'FAILED', { updatedAt: T0 + 2, errorCode: 'X' }),
          ]),
        ),
      );
      for (const [i, [byA, byB]] of outcomes.entries()) {
        const winners = [byA, byB].filter((r) => r !== undefined);
        assert.equal(winners.length, 1, `task ${ids[i]}: ${winners.length} winners`);
        const stored = await tasks.get(ids[i] ?? '');
        assert.equal(stored?.state, winners[0]?.state);
        assert.equal(stored?.updatedAt, winners[0]?.updatedAt);
      }
    });

    it('release keeps the state, returns the lease, and needs to hold it', async (t) => {
      const { tasks } = await freshStore(t);
      await tasks.insert(task('t-1', { state: 'RUNNING', leaseOwner: 'w1', leaseUntil: T0 + 99 }));
      const patch = { updatedAt: T0 + 5, nextRunAt: T0 + 5000 };
      assert.equal(await tasks.release('t-1', 'RUNNING', 'w2', patch), false);
      assert.equal(await tasks.release('t-1', 'PENDING', 'w1', patch), false);
      assert.equal(await tasks.release('t-1', 'RUNNING', 'w1', patch), true);
      const row = await tasks.get('t-1');
      assert.deepEqual(
        [row?.state, row?.leaseOwner, row?.leaseUntil, row?.nextRunAt],
        ['RUNNING', null, null, T0 + 5000],
      );
    });

    it('claims due rows by state, due time and lease; expired leases are taken over', async (t) => {
      const { tasks } = await freshStore(t);
      await tasks.insert(task('due', { nextRunAt: T0 }));
      await tasks.insert(task('due-later', { nextRunAt: T0 + 10 }));
      await tasks.insert(task('running', { state: 'RUNNING', nextRunAt: T0 - 5 }));
      await tasks.insert(task('future', { nextRunAt: T0 + 1000 }));
      await tasks.insert(task('done', { state: 'SUCCEEDED', nextRunAt: T0 }));
      const claim = (owner: string, now: number, states: TaskState[] = ['QUEUED', 'RUNNING']) =>
        tasks.claimDue({ owner, now, leaseMs: 100, limit: 10, states });

      const first = await claim('w1', T0 + 10);
      assert.deepEqual(first.map((r) => r.id).sort(), ['due', 'due-later', 'running']);
      assert.ok(first.every((r) => r.leaseOwner === 'w1' && r.leaseUntil === T0 + 110));
      assert.deepEqual(await claim('w2', T0 + 110), [], 'a lease is live until leaseUntil');
      assert.deepEqual(
        await tasks.claimDue({ owner: 'w2', now: T0, leaseMs: 1, limit: 0, states: ['QUEUED'] }),
        [],
      );

      await tasks.extendLeases(['due', 'running'], 'w2', T0 + 10_000);
      await tasks.extendLeases(['due'], 'w1', T0 + 500);
      const taken = await claim('w2', T0 + 111);
      assert.deepEqual(taken.map((r) => r.id).sort(), ['due-later', 'running']);
      assert.equal((await tasks.get('due'))?.leaseOwner, 'w1');
      assert.equal(
        await tasks.transition('running', 'RUNNING', 'FAILED', { updatedAt: T0 + 112 }, 'w1'),
        undefined,
        'the old owner lost the lease',
      );
      assert.deepEqual((await claim('w3', T0 + 1000, ['QUEUED'])).map((r) => r.id).sort(), [
        'due',
        'due-later',
        'future',
      ]);
    });

    it('never claims a row twice with 8 concurrent claimers', async (t) => {
      const { db, location } = await freshStore(t);
      const ids = Array.from({ length: 200 }, (_, i) => `t-${String(i).padStart(3, '0')}`);
      await db.kysely
        .insertInto('tasks')
        .values(ids.map((id, i) => task(id, { nextRunAt: T0 - (i % 7) })))
        .execute();
      const peers = await peersOf(db, location, 8);
      t.after(() => closePeers(db, peers));
      const claimed = await Promise.all(
        peers.map(async (peer, i) => {
          const store = new TaskStore(peer.kysely, peer.capabilities);
          const mine: string[] = [];
          for (;;) {
            const rows = await store.claimDue({
              owner: `w${i}`,
              now: T0,
              leaseMs: 60_000,
              limit: 10,
              states: ['QUEUED'],
            });
            if (rows.length === 0) return mine;
            assert.ok(rows.length <= 10);
            assert.ok(rows.every((r) => r.leaseOwner === `w${i}`));
            mine.push(...rows.map((r) => r.id));
          }
        }),
      );
      const all = claimed.flat();
      assert.equal(all.length, 200, 'each row claimed exactly once');
      assert.deepEqual([...all].sort(), ids);
      for (const [i, mine] of claimed.entries()) {
        const owners = await db.kysely
          .selectFrom('tasks')
          .select('leaseOwner')
          .distinct()
          .where('id', 'in', mine.length > 0 ? mine : ['-'])
          .execute();
        if (mine.length > 0) assert.deepEqual(owners, [{ leaseOwner: `w${i}` }]);
      }
    });
  });
}
