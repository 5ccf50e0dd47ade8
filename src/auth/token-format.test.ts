import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  displayPrefix,
  generateToken,
  hasValidChecksum,
  keyedTokenHash,
  legacyTokenHash,
} from './token-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHAPE = /^vg_[0-9A-Za-z]{38}$/;

/** The same token with the character at `i` swapped for a different base62 one. */
function withCharChanged(token: string, i: number): string {
  const c = token[i] ?? '';
  const replacement = BASE62[(BASE62.indexOf(c) + 1) % BASE62.length] ?? '0';
  return `${token.slice(0, i)}${replacement}${token.slice(i + 1)}`;
}

void describe('generateToken', () => {
  it('makes vg_ + 38 base62 characters with a valid checksum', () => {
    for (let i = 0; i < 200; i++) {
      const token = generateToken();
      assert.match(token, SHAPE);
      assert.ok(hasValidChecksum(token), token);
    }
  });

  it('never repeats itself', () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => generateToken()));
    assert.equal(tokens.size, 2000);
  });
});

void describe('hasValidChecksum', () => {
  it('detects a change to any single character after the prefix', () => {
    const token = generateToken();
    for (let i = 3; i < token.length; i++) {
      assert.equal(hasValidChecksum(withCharChanged(token, i)), false, `position ${i}`);
    }
  });

  it('detects swapped body and checksum halves and a wrong prefix', () => {
    const token = generateToken();
    assert.equal(hasValidChecksum(`vx_${token.slice(3)}`), false);
    assert.equal(hasValidChecksum(`VG_${token.slice(3)}`), false);
    const body = token.slice(3, -6);
    const sum = token.slice(-6);
    assert.equal(hasValidChecksum(`vg_${sum}${body}`), false);
  });

  it('refuses wrong lengths and look-alikes', () => {
    const token = generateToken();
    for (const text of ['', 'vg_', token.slice(0, -1), `${token}0`, `${token.slice(0, -6)}`]) {
      assert.equal(hasValidChecksum(text), false, JSON.stringify(text));
    }
  });
});

void describe('legacyTokenHash', () => {
  it('is stable: rows from before keyed hashes must still be found to be upgraded', () => {
    // sha256 test vectors (FIPS 180-2); a different hash would lock every legacy token out
    assert.equal(
      legacyTokenHash('abc'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(
      legacyTokenHash(''),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

void describe('keyedTokenHash', () => {
  it('is HMAC-SHA-256: stored hashes must keep matching across releases', () => {
    // RFC 4231 test case 2
    assert.equal(
      keyedTokenHash(Buffer.from('Jefe'), 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    const token = generateToken();
    const key = Buffer.alloc(32, 7);
    assert.equal(keyedTokenHash(key, token), keyedTokenHash(key, token));
    assert.match(keyedTokenHash(key, token), /^[0-9a-f]{64}$/);
  });

  it('differs by key, from the unkeyed hash, and for tokens one character apart', () => {
    const token = generateToken();
    const key = Buffer.alloc(32, 7);
    assert.notEqual(keyedTokenHash(key, token), keyedTokenHash(Buffer.alloc(32, 8), token));
    assert.notEqual(keyedTokenHash(key, token), legacyTokenHash(token));
    assert.notEqual(keyedTokenHash(key, token), keyedTokenHash(key, withCharChanged(token, 10)));
  });
});

void describe('displayPrefix', () => {
  it('shows the start of the token and never enough of it to use', () => {
    const token = generateToken();
    const shown = displayPrefix(token);
    assert.ok(token.startsWith(shown.replace('…', '')));
    assert.ok(shown.replace('…', '').length <= 8, shown);
    assert.ok(shown.startsWith('vg_'));
  });
});
