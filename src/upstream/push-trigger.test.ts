import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newId } from '../shared/ids.js';
import { LinkSigner } from '../shared/link-signer.js';
import { AccountStore } from '../store/account-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { TaskStore, type NewTask } from '../store/task-store.js';
import type { TaskState } from '../tasks/status.js';
import { PushTrigger, pushTokenOf } from './push-trigger.js';

const NOW = 1_800_000_000_000;
const CHANNEL = 'chn_a';

/*
 * The completion push on a real SQLite store: a genuine push makes the open task it names due
 * for a query (once), anything else changes nothing.
 */
void describe('PushTrigger', () => {
  let dir = '';
  let db: Db;
  let store: TaskStore;
  let rings = 0;
  const links = new LinkSigner(randomBytes(32));
  // the channel's provider reads the ids (its own test: providers/dashscope/push-events.test.ts);
  // here a channel whose pushes carry `data.task_id`, and no other channel with a push
  const idsOf = (channelId: string, body: unknown): Promise<string[] | null> => {
    if (channelId !== CHANNEL) return Promise.resolve(null);
    const data = typeof body === 'object' && body !== null && 'data' in body ? body.data : null;
    const id = typeof data === 'object' && data !== null && 'task_id' in data ? data.task_id : null;
    return Promise.resolve(typeof id === 'string' && /^[\w-]+$/.test(id) ? [id] : []);
  };
  const trigger = () =>
    new PushTrigger({
      tasks: store,
      idsOf,
      links,
      clock: { now: () => NOW },
      onDue: () => rings++,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vg-push-'));
    db = await openDatabase({ kind: 'sqlite', path: join(dir, 'db.sqlite') });
    await new AccountStore(db.kysely).createAccount({ id: 'acc', name: 'a', createdAt: NOW });
    store = new TaskStore(db.kysely, db.capabilities);
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(state: TaskState, upstreamTaskId: string, channelId = CHANNEL) {
    const id = newId('task', NOW);
    const row: NewTask = {
      id,
      accountId: 'acc',
      tokenId: 'tok',
      model: 'wan2.6-i2v',
      mode: 'first-frame',
      request: '{}',
      state,
      nextRunAt: NOW + 600_000,
      createdAt: NOW,
      updatedAt: NOW,
      dispatchDeadline: NOW + 3_600_000,
      channelId,
      upstreamTaskId,
      submittedAt: NOW,
    };
    await store.insert(row);
    return id;
  }

  const event = (taskId: string) => ({
    specversion: '1.0',
    type: 'dashscope:System:AsyncTaskFinish',
    source: 'acs.dashscope',
    data: { task_id: taskId, task_status: 'SUCCEEDED' },
  });

  it('makes the named open task due at once, and only once', async () => {
    const id = await open('RUNNING', 'up-1');
    const token = pushTokenOf(links, CHANNEL);
    const first = await trigger().accept(CHANNEL, token, event('up-1'));
    assert.deepEqual(first, { kind: 'accepted', ids: 1, due: 1 });
    const row = await store.get(id);
    assert.equal(row?.dueReason, 'confirm');
    assert.equal(row?.nextRunAt, NOW);
    assert.equal(row?.state, 'RUNNING', 'the push never changes a status');
    assert.equal(rings, 1);
    // a repeat (EventBridge delivers at least once) costs nothing more
    assert.deepEqual(await trigger().accept(CHANNEL, token, event('up-1')), {
      kind: 'accepted',
      ids: 1,
      due: 0,
    });
    assert.equal(rings, 1);
  });

  it('refuses a token of another channel or a made-up one, touching nothing', async () => {
    const id = await open('PENDING', 'up-2');
    const other = pushTokenOf(links, 'chn_b');
    assert.deepEqual(await trigger().accept(CHANNEL, other, event('up-2')), { kind: 'forged' });
    assert.deepEqual(await trigger().accept(CHANNEL, 'x'.repeat(43), event('up-2')), {
      kind: 'forged',
    });
    const signedElsewhere = pushTokenOf(new LinkSigner(randomBytes(32)), CHANNEL);
    assert.deepEqual(await trigger().accept(CHANNEL, signedElsewhere, event('up-2')), {
      kind: 'forged',
    });
    assert.equal((await store.get(id))?.dueReason, null);
  });

  it('drops ids of other channels, of finished tasks and of tasks it never made', async () => {
    await open('RUNNING', 'up-3', 'chn_b');
    await open('SUCCEEDED', 'up-4');
    const token = pushTokenOf(links, CHANNEL);
    for (const id of ['up-3', 'up-4', 'up-unknown']) {
      assert.deepEqual(await trigger().accept(CHANNEL, token, event(id)), {
        kind: 'accepted',
        ids: 1,
        due: 0,
      });
    }
    for (const body of [null, 'text', 42, [], { data: { task_id: 'has spaces' } }]) {
      assert.deepEqual(await trigger().accept(CHANNEL, token, body), {
        kind: 'accepted',
        ids: 0,
        due: 0,
      });
    }
  });

  it('refuses a genuine token of a channel whose upstream has no push', async () => {
    const token = pushTokenOf(links, 'chn_b');
    assert.deepEqual(await trigger().accept('chn_b', token, { data: { task_id: 'up-3' } }), {
      kind: 'forged',
    });
  });
});
