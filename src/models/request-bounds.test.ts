import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countChars,
  MAX_UNKNOWN_BYTES,
  MAX_UNKNOWN_FIELDS,
  MAX_URL_CHARS,
} from './request-bounds.js';
import { validateRequest } from './validate-request.js';

const URL_OK = 'https://example.com/first.png';

function i2v(input: Record<string, unknown>, parameters: Record<string, unknown> = {}) {
  return validateRequest('first-frame', {
    model: 'wan2.6-i2v',
    input: { img_url: URL_OK, ...input },
    parameters,
  });
}

describe('request bounds', () => {
  it('counts characters as DashScope does: one per Unicode character', () => {
    assert.equal(countChars('abc'), 3);
    assert.equal(countChars('海上日出'), 4);
    assert.equal(countChars('🌊🌊'), 2);
  });

  it('truncates a prompt over the documented length, as DashScope would', () => {
    const res = i2v({ prompt: '🌊'.repeat(1600), negative_prompt: 'n'.repeat(700) });
    assert.ok(res.ok, JSON.stringify(res));
    assert.equal(countChars(String(res.body.input.prompt)), 1500);
    assert.equal(String(res.body.input.negative_prompt).length, 500);
  });

  it('refuses a prompt over four times the documented length, naming field and limits', () => {
    const res = i2v({ prompt: 'x'.repeat(6001) });
    assert.ok(!res.ok);
    assert.equal(res.code, 'InvalidParameter');
    assert.match(res.message, /'input\.prompt' has 6001 characters/);
    assert.match(res.message, /up to 1500/);
    assert.match(res.message, /more than 6000/);
    assert.ok(i2v({ prompt: 'x'.repeat(6000) }).ok, 'exactly the bound is accepted');
    const neg = i2v({ negative_prompt: 'y'.repeat(2001) });
    assert.ok(!neg.ok);
    assert.match(neg.message, /'input\.negative_prompt'/);
  });

  it('passes the SDKs’ own fields and a few unknown ones, refuses a pile of them', () => {
    const sdk = i2v({ extend_prompt: true }, { with_audio: false, steps: 30, ratio: '16:9' });
    assert.ok(sdk.ok, JSON.stringify(sdk));
    const few = Object.fromEntries(
      Array.from({ length: MAX_UNKNOWN_FIELDS }, (_, i) => [`x${i}`, i]),
    );
    assert.ok(i2v(few).ok);
    const many = i2v({ ...few, one_more: 1 });
    assert.ok(!many.ok);
    assert.match(many.message, /Field 'input' has 17 fields vidgate does not know/);
    const big = i2v({}, { blob: 'b'.repeat(MAX_UNKNOWN_BYTES) });
    assert.ok(!big.ok);
    assert.match(big.message, /'parameters'.*\(blob\).*at most 4096/);
  });

  it('refuses an over-long media URL with InvalidURL naming the field', () => {
    const long = `https://example.com/${'a'.repeat(MAX_URL_CHARS)}`;
    const res = i2v({ img_url: long });
    assert.ok(!res.ok);
    assert.equal(res.code, 'InvalidURL');
    assert.match(res.message, /'input\.img_url'/);
    const r2v = validateRequest('references', {
      model: 'wan2.6-r2v',
      input: { prompt: 'character1 waves', reference_urls: [URL_OK, long] },
    });
    assert.ok(!r2v.ok);
    assert.match(r2v.message, /'input\.reference_urls\[1\]'/);
  });
});
