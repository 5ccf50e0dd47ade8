import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayPrefix, generateToken, hasValidChecksum, hashToken } from './token-format.js';

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

void describe('hashToken', () => {
  it('is stable: stored hashes must keep matching across releases', () => {
    // sha256 test vectors (FIPS 180-2); a different hash would lock every existing token out
    assert.equal(
      hashToken('abc'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(hashToken(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const token = generateToken();
    assert.equal(hashToken(token), hashToken(token));
    assert.match(hashToken(token), /^[0-9a-f]{64}$/);
  });

  it('differs for tokens that differ in one character', () => {
    const token = generateToken();
    assert.notEqual(hashToken(token), hashToken(withCharChanged(token, 10)));
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
