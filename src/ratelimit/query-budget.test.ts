import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { confirmationReserveOf, takeQuerySlot, takeSweepShare } from './query-budget.js';

const Q = 20;

async function takeAll(take: () => Promise<{ ok: boolean }>): Promise<number> {
  let n = 0;
  while ((await take()).ok) n++;
  return n;
}

describe('query budget', () => {
  it('lets safety-net polls fill the account only up to the confirmations reserve', async () => {
    const l = new MemoryRateLimiter();
    const safety = await takeAll(() => takeQuerySlot(l, 'c', Q, 0, { safetyNet: true }));
    assert.equal(safety, Q - confirmationReserveOf(Q));
    // the reserve is still there for confirmations (and the sweep), up to the account's limit
    const rest = await takeAll(() => takeQuerySlot(l, 'c', Q, 0));
    assert.equal(safety + rest, Q);
  });

  it('caps the sweep at half the account, and the share counts on the account key too', async () => {
    const l = new MemoryRateLimiter();
    let sweep = 0;
    while ((await takeSweepShare(l, 'c', Q, 0)).ok) {
      assert.equal((await takeQuerySlot(l, 'c', Q, 0)).ok, true);
      sweep++;
    }
    assert.equal(sweep, Q / 2);
    assert.equal(await takeAll(() => takeQuerySlot(l, 'c', Q, 0)), Q / 2);
  });

  it('halves the sweep share while confirmations are owed', async () => {
    const l = new MemoryRateLimiter();
    const owed = await takeAll(() => takeSweepShare(l, 'c', Q, 0, { owed: true }));
    assert.equal(owed, Q / 4);
    // the same key: the full share only tops it up to half the account
    assert.equal(await takeAll(() => takeSweepShare(l, 'c', Q, 0)), Q / 2 - Q / 4);
  });

  it('keeps at least one slot for safety nets and reserves on tiny accounts', () => {
    assert.equal(confirmationReserveOf(1), 1);
    assert.equal(confirmationReserveOf(3), 1);
    assert.equal(confirmationReserveOf(20), 5);
  });
});
