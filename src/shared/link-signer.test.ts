import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { LinkSigner } from './link-signer.js';

const NOW = 1_800_000_000_000;
const PATH = '/results/task_01abc.mp4';
const signer = new LinkSigner(randomBytes(32));

void describe('LinkSigner', () => {
  it('verifies its own signature until the expiry', () => {
    const { exp, sig } = signer.sign(PATH, NOW + 60_000);
    assert.equal(exp, Math.floor((NOW + 60_000) / 1000));
    assert.equal(signer.verify(PATH, exp, sig, NOW), 'ok');
    assert.equal(signer.verify(PATH, exp, sig, exp * 1000), 'ok', 'valid through its last ms');
  });

  it('reports a genuine but past link as expired', () => {
    const { exp, sig } = signer.sign(PATH, NOW);
    assert.equal(signer.verify(PATH, exp, sig, exp * 1000 + 1), 'expired');
    assert.equal(signer.verify(PATH, exp, sig, NOW + 86_400_000), 'expired');
  });

  it('rejects anything it did not sign as invalid', () => {
    const { exp, sig } = signer.sign(PATH, NOW + 60_000);
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const cases: Array<[string, number, string]> = [
      [PATH, exp, flipped],
      [PATH, exp + 1, sig],
      [PATH, exp - 1, sig],
      ['/results/task_01abd.mp4', exp, sig],
      [PATH, exp, ''],
      [PATH, exp, sig.slice(0, -1)],
      [PATH, exp, `${sig}A`],
    ];
    for (const [path, e, s] of cases) {
      assert.equal(signer.verify(path, e, s, NOW), 'invalid', `${path} ${e} ${s}`);
    }
    const other = new LinkSigner(randomBytes(32));
    assert.equal(other.verify(PATH, exp, sig, NOW), 'invalid', 'another secret');
  });

  it('checks the signature before the expiry, so forged links learn nothing', () => {
    const { exp, sig } = signer.sign(PATH, NOW);
    const later = exp * 1000 + 10_000;
    assert.equal(signer.verify(PATH, exp + 3600, sig, later), 'invalid');
    const lastChanged = `${sig.slice(0, -1)}${sig.endsWith('x') ? 'y' : 'x'}`;
    assert.equal(signer.verify(PATH, exp, lastChanged, later), 'invalid');
  });

  it('signs the same path and expiry alike, so any process with the secret can verify', () => {
    const secret = randomBytes(32);
    const a = new LinkSigner(secret).sign(PATH, NOW);
    const b = new LinkSigner(Buffer.from(secret)).sign(PATH, NOW);
    assert.deepEqual(a, b);
    assert.match(a.sig, /^[A-Za-z0-9_-]+$/, 'URL-safe without escaping');
  });
});
