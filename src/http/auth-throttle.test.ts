import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthThrottle, clientKey } from './auth-throttle.js';

void describe('AuthThrottle', () => {
  it('lets `limit` failures through per window, then names the wait', () => {
    const t = new AuthThrottle({ limit: 3, windowMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      assert.equal(t.retryAfterSeconds('a', 1000), null);
      t.recordFailure('a', 1000);
    }
    assert.equal(t.retryAfterSeconds('a', 1000), 10);
    assert.equal(t.retryAfterSeconds('a', 9_500), 2);
    assert.equal(t.retryAfterSeconds('a', 10_999), 1);
    assert.equal(t.retryAfterSeconds('b', 1000), null, 'another client is unaffected');
  });

  it('starts afresh once the window has passed', () => {
    const t = new AuthThrottle({ limit: 1, windowMs: 1000 });
    t.recordFailure('a', 0);
    assert.equal(t.retryAfterSeconds('a', 999), 1);
    assert.equal(t.retryAfterSeconds('a', 1000), null);
    t.recordFailure('a', 1000);
    assert.equal(t.retryAfterSeconds('a', 1500), 1);
  });

  it('remembers at most maxClients, forgetting the least recently failed', () => {
    const t = new AuthThrottle({ limit: 1, windowMs: 60_000, maxClients: 100 });
    for (let i = 0; i < 10_000; i++) t.recordFailure(`c${i}`, 0);
    assert.equal(t.size, 100);
    assert.equal(t.retryAfterSeconds('c0', 1), null, 'forgotten');
    assert.equal(t.retryAfterSeconds('c9999', 1), 60, 'remembered');
  });
});

void describe('clientKey', () => {
  it('keeps IPv4 addresses and unwraps IPv4-mapped IPv6 ones', () => {
    assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
    assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('counts IPv6 clients per /64', () => {
    const a = clientKey('2001:db8:1:2:aaaa::1');
    assert.equal(a, '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), a);
    assert.equal(clientKey('2001:db8:1:2::'), a);
    assert.notEqual(clientKey('2001:db8:1:3::1'), a);
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  });
});
