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
import {
  channel,
  evidenceOf,
  T0,
  task,
  freshStoreOf,
  type TestEnd,
} from '../../test/support/store-fixtures.js';
import { ChannelStore } from './channel-store.js';
import { TaskStore } from './task-store.js';

// see store.contract.test.ts: the cluster boots while the SQLite suite runs
const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

/** The queries of the life upstream (upstream-task-queries.ts) on both dialects. */
for (const dialect of DIALECTS) {
  describe(`upstream task queries contract: ${dialect}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await openBackend(dialect, testPostgres);
    });
    after(() => backend.close());

    const freshStore = (t: TestEnd) => freshStoreOf(backend, t);

    it('admits no more than maxOpen tasks to a channel with 10 concurrent admitters', async (t) => {
      const { db, location, tasks } = await freshStore(t);
      await new ChannelStore(db.kysely).insert(channel('ch-1'));
      await tasks.insert(task('busy', { state: 'RUNNING', channelId: 'ch-1' }));
      await tasks.insert(task('done', { state: 'SUCCEEDED', channelId: 'ch-1' }));
      const ids = Array.from({ length: 40 }, (_, i) => `t-${i}`);
      for (const id of ids) await tasks.insert(task(id, { leaseOwner: 'w', leaseUntil: T0 + 1e6 }));
      await tasks.insert(task('not-mine', { leaseOwner: 'other', leaseUntil: T0 + 1e6 }));
      assert.equal(
        await tasks.admit('not-mine', 'w', 'ch-1', 4, { updatedAt: T0, ...evidenceOf('not-mine') }),
        undefined,
      );

      const peers = await peersOf(db, location, 10);
      t.after(() => closePeers(db, peers));
      const admitAll = (candidates: string[], maxOpen: number) =>
        Promise.all(
          peers.map(async (peer, i) => {
            const store = new TaskStore(peer.kysely, peer.capabilities);
            const won: string[] = [];
            for (const id of candidates.filter((_, k) => k % peers.length === i)) {
              const row = await store.admit(id, 'w', 'ch-1', maxOpen, {
                updatedAt: T0 + 1,
                ...evidenceOf(id),
              });
              if (row) won.push(row.id);
            }
            return won;
          }),
        ).then((r) => r.flat());

      const admitted = await admitAll(ids.slice(0, 30), 4);
      assert.equal(admitted.length, 3, `admitted ${admitted.join(', ')} next to one running`);
      assert.equal(await tasks.countOpenOnChannel('ch-1'), 4);
      for (const id of admitted) assert.equal((await tasks.get(id))?.state, 'SUBMITTING');

      // a finished upstream slot lets exactly one more in
      await tasks.transition('busy', 'RUNNING', 'FETCHING', { updatedAt: T0 + 2 });
      const more = await admitAll(ids.slice(30), 4);
      assert.equal(more.length, 1);
      assert.equal(await tasks.countOpenOnChannel('ch-1'), 4);
      assert.equal((await tasks.countByState()).SUBMITTING, 4);
    });

    it('admits one of several twins (same model and evidence) racing from 8 connections', async (t) => {
      const { db, location, tasks } = await freshStore(t);
      await new ChannelStore(db.kysely).insert(channel('ch-1'));
      const ids = Array.from({ length: 16 }, (_, i) => `twin-${i}`);
      for (const id of ids) await tasks.insert(task(id, { leaseOwner: 'w', leaseUntil: T0 + 1e6 }));
      const peers = await peersOf(db, location, 8);
      t.after(() => closePeers(db, peers));
      const same = { evidencePrompt: 'one prompt', evidenceSeconds: 5 };
      const won = await Promise.all(
        ids.map((id, i) => {
          const peer = peers[i % peers.length];
          assert.ok(peer);
          return new TaskStore(peer.kysely, peer.capabilities).admit(id, 'w', 'ch-1', 100, {
            updatedAt: T0 + 1,
            ...same,
          });
        }),
      );
      assert.equal(won.filter((r) => r !== undefined).length, 1);
      // a twin with another duration leaves other evidence and may go at once
      const other = await tasks.admit(
        ids.find((id) => !won.some((r) => r?.id === id)) ?? '',
        'w',
        'ch-1',
        100,
        {
          updatedAt: T0 + 2,
          evidencePrompt: 'one prompt',
          evidenceSeconds: 10,
        },
      );
      assert.equal(other?.state, 'SUBMITTING');
    });

    it('attaches one upstream task to at most one lost submit, whoever races', async (t) => {
      const { db, location, tasks } = await freshStore(t);
      await new ChannelStore(db.kysely).insert(channel('ch-1'));
      const ids = Array.from({ length: 8 }, (_, i) => `lost-${i}`);
      for (const id of ids)
        await tasks.insert(
          task(id, {
            state: 'UNCERTAIN',
            channelId: 'ch-1',
            leaseOwner: 'w',
            leaseUntil: T0 + 1e6,
          }),
        );
      const peers = await peersOf(db, location, 8);
      t.after(() => closePeers(db, peers));
      const won = await Promise.all(
        ids.map((id, i) => {
          const peer = peers[i % peers.length];
          assert.ok(peer);
          return new TaskStore(peer.kysely, peer.capabilities).attachLost(id, 'w', 'ch-1', 'up-1', {
            updatedAt: T0 + 1,
          });
        }),
      );
      assert.equal(won.filter((r) => r !== undefined).length, 1);
      assert.deepEqual([...(await tasks.ownedUpstreamIds('ch-1', ['up-1', 'up-2']))], ['up-1']);
      const unanswered = await tasks.listUnanswered('ch-1', 'wan2.2-t2v-plus');
      assert.equal(unanswered.length, 7);
    });

    it('stops counting a lost submit against the running limit once its slot is released', async (t) => {
      const { db, tasks } = await freshStore(t);
      await new ChannelStore(db.kysely).insert(channel('ch-1'));
      await tasks.insert(task('u1', { state: 'UNCERTAIN', channelId: 'ch-1' }));
      await tasks.insert(task('u2', { state: 'UNCERTAIN', channelId: 'ch-1', slotReleasedAt: T0 }));
      await tasks.insert(task('s1', { state: 'SUBMITTING', channelId: 'ch-1' }));
      assert.equal(await tasks.countOpenOnChannel('ch-1'), 2);
    });
  });
}
