import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { newId } from '../shared/ids.js';
import { TransitionError, type TaskState } from '../tasks/status.js';
import { openDatabase, type Db } from './database.js';
import { TaskStore, type NewTask } from './task-store.js';

const T0 = 1_800_000_000_000;
const LEASE_MS = 60_000;
const ACTIVE: TaskState[] = ['QUEUED', 'PENDING', 'RUNNING'];

let dir = '';
let path = '';
let db: Db;
let store: TaskStore;
let accountId = '';

function task(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: newId('task', T0),
    accountId,
    tokenId: 'tok_test',
    model: 'wan2.6-i2v',
    mode: 'first-frame',
    request: '{}',
    state: 'QUEUED',
    nextRunAt: T0,
    createdAt: T0,
    updatedAt: T0,
    dispatchDeadline: T0 + 3_600_000,
    channelId: null,
    upstreamTaskId: null,
    leaseOwner: null,
    leaseUntil: null,
    submittedAt: null,
    scheduledAt: null,
    finishedAt: null,
    etaAt: null,
    uncertainSince: null,
    errorCode: null,
    errorMessage: null,
    usage: null,
    upstreamVideoUrl: null,
    resultKey: null,
    resultBytes: null,
    origPrompt: null,
    evidencePrompt: null,
    evidenceSeconds: null,
    adoptedAt: null,
    slotReleasedAt: null,
    actualPrompt: null,
    ...overrides,
  };
}

async function insert(overrides: Partial<NewTask> = {}): Promise<string> {
  const t = task(overrides);
  await store.insert(t);
  return t.id;
}

async function stateOf(id: string): Promise<TaskState | undefined> {
  return (await store.get(id))?.state;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-task-store-'));
  path = join(dir, 'tasks.db');
  db = await openDatabase({ kind: 'sqlite', path });
  store = new TaskStore(db.kysely, db.capabilities);
  accountId = newId('account', T0);
  await db.kysely
    .insertInto('accounts')
    .values({ id: accountId, name: 'store-test', createdAt: T0 })
    .execute();
});

beforeEach(async () => {
  await db.kysely.deleteFrom('tasks').execute();
});

after(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('TaskStore.transition', () => {
  it('lets exactly one of two concurrent transitions from the same state win', async () => {
    for (const [a, b] of [
      ['SUBMITTING', 'FAILED'],
      ['SUBMITTING', 'CANCELED'],
      ['FAILED', 'CANCELED'],
    ] as const) {
      const id = await insert();
      const results = await Promise.all([
        store.transition(id, 'QUEUED', a, { updatedAt: T0 + 1 }),
        store.transition(id, 'QUEUED', b, { updatedAt: T0 + 1 }),
      ]);
      const winners = results.filter((r) => r !== undefined);
      assert.equal(winners.length, 1, `${a} vs ${b}`);
      assert.equal(await stateOf(id), winners[0]?.state);
    }
  });

  it('lets exactly one win across two connections to the same file', async () => {
    const other = await openDatabase({ kind: 'sqlite', path });
    try {
      const otherStore = new TaskStore(other.kysely, other.capabilities);
      const id = await insert({ state: 'RUNNING' });
      const results = await Promise.all([
        store.transition(id, 'RUNNING', 'FETCHING', { updatedAt: T0 + 1 }),
        otherStore.transition(id, 'RUNNING', 'CANCELED', { updatedAt: T0 + 1 }),
      ]);
      assert.equal(results.filter((r) => r !== undefined).length, 1);
      const final = await stateOf(id);
      assert.ok(final === 'FETCHING' || final === 'CANCELED', final);
    } finally {
      await other.close();
    }
  });

  it('returns the updated row, with the patch applied', async () => {
    const id = await insert();
    const row = await store.transition(id, 'QUEUED', 'FAILED', {
      updatedAt: T0 + 5,
      errorCode: 'RequestTimeOut',
      finishedAt: T0 + 5,
    });
    assert.equal(row?.state, 'FAILED');
    assert.equal(row?.errorCode, 'RequestTimeOut');
    assert.equal(Number(row?.finishedAt), T0 + 5);
  });

  it('does nothing when the row is no longer in the expected state', async () => {
    const id = await insert({ state: 'PENDING' });
    assert.equal(await store.transition(id, 'QUEUED', 'SUBMITTING', { updatedAt: T0 }), undefined);
    assert.equal(await stateOf(id), 'PENDING');
  });

  it('requires the lease owner when one is given', async () => {
    const id = await insert({ leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS });
    const stolen = await store.transition(id, 'QUEUED', 'FAILED', { updatedAt: T0 }, 'wrk_b');
    assert.equal(stolen, undefined);
    assert.equal(await stateOf(id), 'QUEUED');
    const own = await store.transition(id, 'QUEUED', 'FAILED', { updatedAt: T0 }, 'wrk_a');
    assert.equal(own?.state, 'FAILED');
  });

  it('refuses an illegal move before touching the row', async () => {
    const id = await insert({ state: 'SUCCEEDED' });
    await assert.rejects(
      store.transition(id, 'SUCCEEDED', 'RUNNING', { updatedAt: T0 }),
      TransitionError,
    );
    assert.equal(await stateOf(id), 'SUCCEEDED');
  });
});

void describe('TaskStore.claimDue', () => {
  const claim = (owner: string, now: number, limit = 10, states = ACTIVE) =>
    store.claimDue({ owner, now, leaseMs: LEASE_MS, limit, states });

  it('claims only due tasks, earliest first, up to the limit', async () => {
    const late = await insert({ nextRunAt: T0 + 30 });
    const early = await insert({ nextRunAt: T0 + 10 });
    const now = await insert({ nextRunAt: T0 + 20 });
    const future = await insert({ nextRunAt: T0 + 10_000 });
    const first = await claim('wrk_a', T0 + 30, 2);
    assert.deepEqual(
      first.map((r) => r.id),
      [early, now],
    );
    const second = await claim('wrk_a', T0 + 30, 10);
    assert.deepEqual(
      second.map((r) => r.id),
      [late],
    );
    const row = await store.get(future);
    assert.equal(row?.leaseOwner, null, 'a task not yet due stays unleased');
  });

  it('claims a task scheduled for exactly now', async () => {
    const id = await insert({ nextRunAt: T0 });
    assert.deepEqual(
      (await claim('wrk_a', T0)).map((r) => r.id),
      [id],
    );
  });

  it('claims only the requested states', async () => {
    await insert({ state: 'SUCCEEDED' });
    await insert({ state: 'FETCHING' });
    const queued = await insert({ state: 'QUEUED' });
    assert.deepEqual(
      (await claim('wrk_a', T0, 10, ['QUEUED'])).map((r) => r.id),
      [queued],
    );
    assert.deepEqual(await claim('wrk_a', T0, 10, []), []);
  });

  it('leases what it claims, and a live lease keeps others out', async () => {
    const id = await insert();
    const [row] = await claim('wrk_a', T0);
    assert.equal(row?.id, id);
    assert.equal(row?.leaseOwner, 'wrk_a');
    assert.equal(Number(row?.leaseUntil), T0 + LEASE_MS);
    assert.deepEqual(await claim('wrk_b', T0 + LEASE_MS - 1), []);
    assert.deepEqual(await claim('wrk_a', T0 + 1), [], 'not even the owner claims it twice');
  });

  it('makes a task with an expired lease claimable again', async () => {
    const id = await insert({ leaseOwner: 'wrk_dead', leaseUntil: T0 + 100 });
    assert.deepEqual(await claim('wrk_b', T0 + 50), []);
    const [row] = await claim('wrk_b', T0 + 101);
    assert.equal(row?.id, id);
    assert.equal(row?.leaseOwner, 'wrk_b');
    assert.equal(Number(row?.leaseUntil), T0 + 101 + LEASE_MS);
  });
});

void describe('TaskStore.release', () => {
  it('fails for a worker that does not hold the lease', async () => {
    const id = await insert({ leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS });
    const ok = await store.release(id, 'QUEUED', 'wrk_b', { updatedAt: T0, nextRunAt: T0 + 999 });
    assert.equal(ok, false);
    const row = await store.get(id);
    assert.equal(row?.leaseOwner, 'wrk_a');
    assert.equal(Number(row?.nextRunAt), T0);
  });

  it('fails when the state changed under the lease', async () => {
    const id = await insert({ state: 'RUNNING', leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS });
    const ok = await store.release(id, 'PENDING', 'wrk_a', { updatedAt: T0, nextRunAt: T0 + 1 });
    assert.equal(ok, false);
  });

  it('gives the lease back and reschedules for the owner', async () => {
    const id = await insert({ leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS });
    const ok = await store.release(id, 'QUEUED', 'wrk_a', { updatedAt: T0, nextRunAt: T0 + 500 });
    assert.equal(ok, true);
    const row = await store.get(id);
    assert.equal(row?.leaseOwner, null);
    assert.equal(row?.leaseUntil, null);
    assert.equal(Number(row?.nextRunAt), T0 + 500);
    assert.equal(row?.state, 'QUEUED');
  });
});

void describe('TaskStore.admit', () => {
  const CHANNEL = 'chan_test';
  let n = 0;
  // every admission here carries evidence of its own, as requests with distinct prompts do
  const evidence = () => ({ evidencePrompt: `prompt-${++n}`, evidenceSeconds: 5 });

  it('refuses when the channel already has maxOpen tasks that may hold an upstream slot', async () => {
    await insert({ state: 'SUBMITTING', channelId: CHANNEL });
    await insert({ state: 'RUNNING', channelId: CHANNEL });
    // neither finished tasks nor other channels count
    await insert({ state: 'SUCCEEDED', channelId: CHANNEL });
    await insert({ state: 'RUNNING', channelId: 'chan_other' });
    const id = await insert({ leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS });
    assert.equal(
      await store.admit(id, 'wrk_a', CHANNEL, 2, { updatedAt: T0 + 1, ...evidence() }),
      undefined,
    );
    assert.equal(await stateOf(id), 'QUEUED');
    assert.equal(await store.countOpenOnChannel(CHANNEL), 2);

    const row = await store.admit(id, 'wrk_a', CHANNEL, 3, { updatedAt: T0 + 1, ...evidence() });
    assert.equal(row?.state, 'SUBMITTING');
    assert.equal(row?.channelId, CHANNEL);
    assert.equal(await store.countOpenOnChannel(CHANNEL), 3);
  });

  it('admits only for the lease owner and only from QUEUED', async () => {
    const id = await insert({ leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS });
    assert.equal(
      await store.admit(id, 'wrk_b', CHANNEL, 5, { updatedAt: T0 + 1, ...evidence() }),
      undefined,
    );
    const pending = await insert({ state: 'PENDING', leaseOwner: 'wrk_a' });
    assert.equal(
      await store.admit(pending, 'wrk_a', CHANNEL, 5, { updatedAt: T0 + 1, ...evidence() }),
      undefined,
    );
    assert.equal(await stateOf(id), 'QUEUED');
  });

  it('never admits past maxOpen when admissions race', async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4].map(() => insert({ leaseOwner: 'wrk_a', leaseUntil: T0 + LEASE_MS })),
    );
    const results = await Promise.all(
      ids.map((id) => store.admit(id, 'wrk_a', CHANNEL, 2, { updatedAt: T0 + 1, ...evidence() })),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 2);
    assert.equal(await store.countOpenOnChannel(CHANNEL), 2);
  });
});

void describe('TaskStore: what the status sweep writes', () => {
  const NOW = T0 + 100_000;
  const open = (patch: Partial<NewTask>) =>
    insert({
      channelId: null,
      upstreamTaskId: `up-${newId('task', T0)}`,
      submittedAt: T0,
      ...patch,
    });
  const claimTwo = async (now: number) =>
    (await store.claimDue({ owner: 'w1', now, leaseMs: LEASE_MS, limit: 2, states: ACTIVE })).map(
      (r) => r.id,
    );

  it('moves PENDING to RUNNING from the list only on rows no worker holds', async () => {
    const free = await open({ state: 'PENDING', nextRunAt: NOW + 60_000 });
    const held = await open({ state: 'PENDING', leaseOwner: 'w1', leaseUntil: NOW + 5_000 });
    const expired = await open({ state: 'PENDING', leaseOwner: 'w1', leaseUntil: NOW - 1 });
    const already = await open({ state: 'FETCHING' });
    const moved = await store.markStarted(
      [free, held, expired, already].map((id) => ({ id, startedAt: T0 + 5_000 })),
      NOW,
    );
    assert.equal(moved, 2);
    assert.equal(await stateOf(free), 'RUNNING');
    assert.equal((await store.get(free))?.scheduledAt, T0 + 5_000);
    assert.equal((await store.get(free))?.nextRunAt, NOW + 60_000, 'its poll schedule is kept');
    assert.equal(await stateOf(held), 'PENDING');
    assert.equal(await stateOf(expired), 'RUNNING');
    assert.equal(await stateOf(already), 'FETCHING');
  });

  it('keeps the rank of a task found again: first found, first claimed', async () => {
    const old = await open({ state: 'RUNNING', nextRunAt: NOW + 60_000 });
    const fresh = await open({ state: 'RUNNING', nextRunAt: NOW + 60_000 });
    assert.equal(await store.markDue([fresh], NOW), 1);
    // found again later, but first found before `fresh`
    assert.equal(await store.markDue([old], NOW + 3_000, NOW - 3_000), 1);
    assert.equal((await store.get(old))?.dueReason, 'confirm');
    assert.deepEqual(await claimTwo(NOW + 3_001), [old, fresh]);
  });

  it('puts tasks the list shows finished ahead of every scheduled poll, in the order found', async () => {
    const scheduled = await open({ state: 'RUNNING', nextRunAt: NOW - 600_000 });
    const first = await open({ state: 'RUNNING', nextRunAt: NOW + 60_000 });
    const second = await open({ state: 'RUNNING', nextRunAt: NOW + 120_000 });
    const finished = await open({ state: 'SUCCEEDED', nextRunAt: NOW + 60_000 });
    assert.equal(await store.markDue([first, finished], NOW), 1);
    assert.equal(await store.markDue([second], NOW + 1), 1);
    assert.deepEqual(
      await claimTwo(NOW + 2),
      [first, second],
      'found-finished tasks before a poll that was due ten minutes ago',
    );
    assert.equal((await store.get(scheduled))?.leaseOwner, null);
    assert.equal((await store.get(finished))?.nextRunAt, NOW + 60_000);
  });
});
