import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { retryDelayMs, WEBHOOK_RETRY_WINDOW_MS } from './retry-schedule.js';
import { newSigningSecret, signatureHeaders, webhookIdOf } from './signing.js';

void describe('webhook signing (Standard Webhooks)', () => {
  it("matches the specification's example signature", () => {
    // the example of the Standard Webhooks reference libraries' own tests
    const h = signatureHeaders(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    assert.equal(h['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.equal(h['webhook-timestamp'], '1614265330');
  });

  it('is accepted by the standardwebhooks package, and a changed body is not', () => {
    const secret = newSigningSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'task.succeeded', data: { id: 1 } });
    const headers = signatureHeaders(secret, 'msg_1', Math.floor(Date.now() / 1000), body);
    const wh = new Webhook(secret);
    assert.deepEqual(wh.verify(body, headers), JSON.parse(body));
    assert.throws(() => wh.verify(body.replace('1', '2'), headers));
    assert.throws(() => new Webhook(newSigningSecret()).verify(body, headers), 'another secret');
  });

  it('gives one event for one endpoint one webhook-id, and others another', () => {
    const id = webhookIdOf('whep_a', 'task_1', 7);
    assert.equal(webhookIdOf('whep_a', 'task_1', 7), id);
    assert.match(id, /^msg_[A-Za-z0-9_-]{24}$/);
    const others = [
      webhookIdOf('whep_b', 'task_1', 7),
      webhookIdOf('whep_a', 'task_2', 7),
      webhookIdOf('whep_a', 'task_1', 8),
    ];
    for (const o of others) assert.notEqual(o, id);
  });
});

void describe('webhook retry schedule', () => {
  it('backs off 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly', () => {
    const s = (n: number) => retryDelayMs(n) / 1000;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 30].map(s), [5, 30, 120, 600, 1800, 3600, 3600, 3600]);
    assert.equal(retryDelayMs(2, 0.01), 300, 'the test aid scales it');
  });

  it('keeps trying for more than 24 hours', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < WEBHOOK_RETRY_WINDOW_MS) elapsed += retryDelayMs(++attempts);
    assert.ok(WEBHOOK_RETRY_WINDOW_MS >= 24 * 3600_000);
    assert.ok(attempts > 24, `${attempts} attempts in the window`);
  });
});
