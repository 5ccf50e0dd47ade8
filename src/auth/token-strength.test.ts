import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateToken } from './token-format.js';
import { isStrongToken, MIN_TOKEN_LENGTH, TOKEN_STRENGTH_RULE } from './token-strength.js';

void describe('isStrongToken', () => {
  it('accepts generated tokens and the usual ways of making a random secret', () => {
    for (let i = 0; i < 200; i++) {
      assert.ok(isStrongToken(generateToken()), 'vg_ token');
      assert.ok(isStrongToken(randomBytes(32).toString('base64')), 'openssl rand -base64 32');
      assert.ok(isStrongToken(randomBytes(24).toString('base64url')), '32 base64url characters');
      assert.ok(isStrongToken(randomBytes(32).toString('hex')), 'openssl rand -hex 32');
    }
  });

  it('accepts a long mixed passphrase', () => {
    assert.ok(isStrongToken('Correct-Horse-Battery-Staple-2024!'));
    assert.ok(isStrongToken('vg_kill_drill_token_0123456789abcdefghijklmnop'));
  });

  it(`refuses anything shorter than ${MIN_TOKEN_LENGTH} characters, however random`, () => {
    assert.equal(isStrongToken(''), false);
    assert.equal(isStrongToken('a-long-enough-bootstrap-token'), false);
    assert.equal(isStrongToken(generateToken().slice(0, MIN_TOKEN_LENGTH - 1)), false);
    assert.equal(isStrongToken(randomBytes(15).toString('hex')), false, '30 hex characters');
  });

  it('refuses long strings of one or two classes that are not random', () => {
    assert.equal(isStrongToken('passwordpasswordpasswordpassword'), false);
    assert.equal(isStrongToken('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), false);
    assert.equal(isStrongToken('abababababababababababababababab12'), false);
    assert.equal(isStrongToken('00000000000000000000000000000000'), false);
  });

  it('refuses a short pattern repeated until it is long and mixed', () => {
    assert.equal(isStrongToken('Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!'), false);
    assert.equal(isStrongToken('Password1Password1Password1Pass'), false, '31 characters');
  });

  it('counts characters, not UTF-16 units', () => {
    assert.equal(isStrongToken('🔑'.repeat(20)), false);
  });

  it('states the rule without quoting any value', () => {
    assert.match(TOKEN_STRENGTH_RULE, /at least 32 characters/);
    assert.match(TOKEN_STRENGTH_RULE, /at least 3 of lowercase, uppercase, digits and symbols/);
  });
});
