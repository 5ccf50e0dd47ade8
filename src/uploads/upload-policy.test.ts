import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { LinkSigner } from '../shared/link-signer.js';
import { newUploadDir, signPolicy, verifyPolicy, type UploadGrant } from './upload-policy.js';

const T0 = 1_800_000_000_000;
const links = new LinkSigner(randomBytes(32));
const grant: UploadGrant = {
  accountId: 'acct_1',
  dir: newUploadDir(),
  maxBytes: 20 * 1024 * 1024,
  expiresAt: T0 + 300_000,
};

describe('upload policies', () => {
  it('a signed policy verifies to its grant until it expires, in whole seconds', () => {
    const signed = signPolicy(links, grant);
    const ok = verifyPolicy(links, signed, T0);
    assert.deepEqual(ok, { ok: true, grant });
    assert.deepEqual(verifyPolicy(links, signed, T0 + 301_000), { ok: false, reason: 'expired' });
  });

  it('the folder is the upload bucket and an unguessable name', () => {
    assert.match(grant.dir, /^vidgate-uploads\/[A-Za-z0-9_-]{22}$/);
    assert.notEqual(newUploadDir(), newUploadDir());
  });

  it('a policy edited to another account or a larger size no longer verifies', () => {
    const signed = signPolicy(links, grant);
    const doc = JSON.parse(Buffer.from(signed.policy, 'base64').toString('utf8')) as {
      conditions: unknown[];
    };
    doc.conditions[2] = { 'x-vidgate-account': 'acct_2' };
    const edited = Buffer.from(JSON.stringify(doc)).toString('base64');
    assert.deepEqual(verifyPolicy(links, { ...signed, policy: edited }, T0), {
      ok: false,
      reason: 'invalid',
    });
  });

  it("another server's key, a result link's signature and garbage are all invalid", () => {
    const signed = signPolicy(links, grant);
    const other = new LinkSigner(randomBytes(32));
    assert.equal(verifyPolicy(other, signed, T0).ok, false);
    // a result link is signed over its path and expiry: it must not pass for a policy
    const link = links.sign(signed.policy, grant.expiresAt);
    assert.equal(verifyPolicy(links, { ...signed, signature: link.sig }, T0).ok, false);
    assert.equal(verifyPolicy(links, { policy: 'not base64 json', signature: 'x' }, T0).ok, false);
    assert.equal(verifyPolicy(links, { policy: '', signature: '' }, T0).ok, false);
  });
});
