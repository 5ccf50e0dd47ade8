import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withTestPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { AccountStore } from './account-store.js';
import { ChannelStore } from './channel-store.js';
import { openDatabase, type Db, type StoreLocation } from './database.js';
import { registerPostgresDialect } from './postgres-dialect.js';
import { TaskStore, type NewTask } from './task-store.js';
import { channel, T0, task as fixtureTask } from '../../test/support/store-fixtures.js';

registerPostgresDialect();

const LATER = T0 + 60_000;

/** A task scheduled a minute out, so that being made due now shows. */
const task = (id: string, patch: Partial<NewTask> = {}): NewTask =>
  fixtureTask(id, { nextRunAt: LATER, ...patch });

/** The store side of cancel (ADR 0015), on both dialects: the SQL differs only in its casts. */
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`cancel requests: ${dialect}`, () => {
    let dir = '';
    let pg: TestPostgres | undefined;
    let db: Db;
    let tasks: TaskStore;
    before(async () => {
      let location: StoreLocation;
      if (dialect === 'sqlite') {
        dir = mkdtempSync(join(tmpdir(), 'vidgate-cancel-'));
        location = { kind: 'sqlite', path: join(dir, 'db.sqlite') };
      } else {
        pg = await withTestPostgres();
        location = { kind: 'postgres', url: await pg.createDatabase() };
      }
      db = await openDatabase(location);
      await new AccountStore(db.kysely).createAccount({ id: 'acc-1', name: 'one', createdAt: T0 });
      await new ChannelStore(db.kysely).insert(channel('ch-1', { name: 'one', models: '["*"]' }));
      tasks = new TaskStore(db.kysely, db.capabilities);
    });
    after(async () => {
      await db?.close();
      await pg?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('marks a cancelable task of the account once, due now; nothing else', async () => {
      await tasks.insert(task('t-queued'));
      await tasks.insert(task('t-running', { state: 'RUNNING' }));
      const marked = await tasks.requestCancel('t-queued', 'acc-1', T0 + 5);
      assert.equal(marked?.cancelRequestedAt, T0 + 5);
      assert.equal(Number(marked?.nextRunAt), T0 + 5);
      // a second request keeps the first time
      assert.equal(
        (await tasks.requestCancel('t-queued', 'acc-1', T0 + 9))?.cancelRequestedAt,
        T0 + 5,
      );
      assert.equal(await tasks.requestCancel('t-queued', 'acc-2', T0 + 5), undefined);
      assert.equal(await tasks.requestCancel('t-running', 'acc-1', T0 + 5), undefined);
      assert.equal((await tasks.get('t-running'))?.cancelRequestedAt, null);
    });

    it('never admits a task whose cancel was asked for: it cannot be submitted', async () => {
      await tasks.insert(task('t-admit', { leaseOwner: 'w1', leaseUntil: LATER }));
      await tasks.requestCancel('t-admit', 'acc-1', T0);
      const patch = { updatedAt: T0, evidencePrompt: 'p', evidenceSeconds: 5 };
      assert.equal(await tasks.admit('t-admit', 'w1', 'ch-1', 5, patch), undefined);
      assert.equal((await tasks.get('t-admit'))?.state, 'QUEUED');
      // the same task without a request is admitted
      await tasks.insert(task('t-admit2', { leaseOwner: 'w1', leaseUntil: LATER }));
      const ok = await tasks.admit('t-admit2', 'w1', 'ch-1', 5, { ...patch, evidencePrompt: 'q' });
      assert.equal(ok?.state, 'SUBMITTING');
    });

    it('makes a released or moved task with a request due now, whatever was scheduled', async () => {
      for (const [id, requested] of [
        ['t-rel-yes', true],
        ['t-rel-no', false],
      ] as const) {
        await tasks.insert(task(id, { state: 'PENDING', leaseOwner: 'w1', leaseUntil: LATER }));
        if (requested) await tasks.requestCancel(id, 'acc-1', T0);
        await tasks.release(id, 'PENDING', 'w1', { updatedAt: T0 + 1, nextRunAt: LATER });
        assert.equal(Number((await tasks.get(id))?.nextRunAt), requested ? T0 + 1 : LATER, id);
      }
      // a step that saw the request chose its delay (a backoff): it stands, no busy loop
      await tasks.insert(task('t-seen', { state: 'PENDING', leaseOwner: 'w1', leaseUntil: LATER }));
      await tasks.requestCancel('t-seen', 'acc-1', T0);
      await tasks.release('t-seen', 'PENDING', 'w1', { updatedAt: T0 + 1, nextRunAt: LATER }, true);
      assert.equal(Number((await tasks.get('t-seen'))?.nextRunAt), LATER);
      await tasks.insert(task('t-move', { state: 'SUBMITTING', leaseOwner: 'w1' }));
      await tasks.requestCancel('t-move', 'acc-1', T0);
      await tasks.transition(
        't-move',
        'SUBMITTING',
        'PENDING',
        { updatedAt: T0 + 2, nextRunAt: LATER },
        'w1',
      );
      assert.equal(Number((await tasks.get('t-move'))?.nextRunAt), T0 + 2);
      // a task that went on running keeps its schedule: its request is moot
      await tasks.transition('t-move', 'PENDING', 'RUNNING', {
        updatedAt: T0 + 3,
        nextRunAt: LATER,
      });
      assert.equal(Number((await tasks.get('t-move'))?.nextRunAt), LATER);
    });
  });
}
