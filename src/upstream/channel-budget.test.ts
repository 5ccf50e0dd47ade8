import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../channels/channel-limits.js';
import { MemoryRateLimiter } from '../ratelimit/memory-rate-limiter.js';
import { ChannelBudgets, confirmationReserveOf } from './channel-budget.js';
import { LIMIT_WINDOW_MS } from './upstream-window.js';

const Q = 20;

function budgetOf(limiter = new MemoryRateLimiter(), clock = { now: () => 0 }) {
  const budgets = new ChannelBudgets(limiter, clock);
  const channel = { id: 'c', limits: { ...DEFAULT_LIMITS, queriesPerSecond: Q } };
  return { budget: budgets.of(channel), budgets, channel, limiter, clock };
}

async function takeAll(take: () => Promise<{ ok: boolean }>): Promise<number> {
  let n = 0;
  while ((await take()).ok) n++;
  return n;
}

describe('channel budget', () => {
  it('lets spare queries fill the account only up to the confirmations reserve', async () => {
    const { budget } = budgetOf();
    const spare = await takeAll(() => budget.takeQuery('spare'));
    assert.equal(spare, Q - confirmationReserveOf(Q));
    // the reserve is still there for confirmations (and the sweep), up to the account's limit
    const rest = await takeAll(() => budget.takeQuery());
    assert.equal(spare + rest, Q);
    assert.equal(await budget.takeHedge(), null, 'no hedge once the account is full');
  });

  it('caps the sweep at half the account, and the share counts on the account key too', async () => {
    const { budget } = budgetOf();
    let sweep = 0;
    while ((await budget.takeSweepShare(false)).ok) {
      assert.equal((await budget.takeQuery()).ok, true);
      sweep++;
    }
    assert.equal(sweep, Q / 2);
    assert.equal(await takeAll(() => budget.takeQuery()), Q / 2);
  });

  it('halves the sweep share while confirmations are owed', async () => {
    const { budget } = budgetOf();
    const owed = await takeAll(() => budget.takeSweepShare(true));
    assert.equal(owed, Q / 4);
    // the same key: the full share only tops it up to half the account
    assert.equal(await takeAll(() => budget.takeSweepShare(false)), Q / 2 - Q / 4);
  });

  it('holds a slot until it is settled, then frees it one window later', async () => {
    let now = 1_000_000;
    const { budget } = budgetOf(new MemoryRateLimiter(), { now: () => now });
    const taken = [];
    for (let i = 0; i < Q; i++) {
      const t = await budget.takeQuery();
      assert.equal(t.ok, true);
      taken.push(t);
    }
    now += LIMIT_WINDOW_MS * 5;
    assert.equal((await budget.takeQuery()).ok, false, 'unanswered queries still count');
    for (const t of taken) if (t.ok) await t.settle();
    assert.equal((await budget.takeQuery()).ok, false, 'answered just now: still in the window');
    now += LIMIT_WINDOW_MS;
    assert.equal((await budget.takeQuery()).ok, true);
  });

  it('keeps submits and queries apart, and tells each channel its own sweep wait', async () => {
    const { budget, budgets, channel } = budgetOf();
    assert.equal(await takeAll(() => budget.takeSubmit()), DEFAULT_LIMITS.submitPerSecond);
    assert.equal((await budget.takeQuery()).ok, true);
    budget.sweepWaiting = true;
    assert.equal(budgets.of(channel).sweepWaiting, true, 'the wait outlives one budget object');
    assert.equal(budgets.of({ ...channel, id: 'other' }).sweepWaiting, false);
    budget.sweepWaiting = false;
    assert.equal(budgets.of(channel).sweepWaiting, false);
  });

  it('keeps at least one slot for reserves on tiny accounts', () => {
    assert.equal(confirmationReserveOf(1), 1);
    assert.equal(confirmationReserveOf(3), 1);
    assert.equal(confirmationReserveOf(20), 5);
  });
});
