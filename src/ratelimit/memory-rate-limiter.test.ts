import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRateLimiter } from './memory-rate-limiter.js';

describe('MemoryRateLimiter holds', () => {
  it('counts a held event until it is settled, then a window after its completion', async () => {
    const l = new MemoryRateLimiter();
    const first = await l.tryAcquire('k', 1, 1000, 0, 60_000);
    assert.equal(first.ok, true, 'first slot');
    // still in flight 5 s later: the slot stays taken although the window has passed
    assert.equal((await l.tryAcquire('k', 1, 1000, 5000)).ok, false, 'held while in flight');
    if (first.ok) await l.settle('k', first.stamp, 5200);
    // completed at 5200: free again only a full window after the completion
    assert.equal((await l.tryAcquire('k', 1, 1000, 6100)).ok, false, 'window after completion');
    assert.equal((await l.tryAcquire('k', 1, 1000, 6201)).ok, true, 'free after the window');
  });

  it('tells a caller blocked by a request in flight to retry a window later, not after the hold', async () => {
    const l = new MemoryRateLimiter();
    await l.tryAcquire('k', 1, 1000, 0, 60_000);
    assert.deepEqual(await l.tryAcquire('k', 1, 1000, 300), { ok: false, retryAfterMs: 1000 });
  });
});
