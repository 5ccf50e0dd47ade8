import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseBoundedJson } from './json-depth.js';

const LONG = 64 * 1024;

function parsed(text: string): unknown {
  const out = parseBoundedJson(Buffer.from(text, 'utf8'));
  assert.ok(out.ok, out.ok ? '' : out.message);
  return out.value;
}

describe('parseBoundedJson', () => {
  it('gives what JSON.parse gives for a create body with a long data URI and a CJK prompt', () => {
    const body = JSON.stringify({
      model: 'wan2.6-i2v',
      input: {
        prompt: `海 ${'浪'.repeat(3000)}`,
        img_url: `data:image/png;base64,${Buffer.alloc(300_000, 7).toString('base64')}`,
      },
      parameters: { duration: 5 },
    });
    assert.deepEqual(parsed(body), JSON.parse(body));
  });

  it('agrees with JSON.parse on any value next to long strings, long keys included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'binary' }), (v, tail) => {
        const text = JSON.stringify({
          v,
          plain: 'A'.repeat(LONG) + 'B',
          // escapes and non-ASCII in a long string: parsed by JSON.parse as it is
          mixed: 'C'.repeat(LONG) + tail,
          ['K'.repeat(LONG)]: [v, 'D'.repeat(LONG)],
        });
        assert.deepEqual(parsed(text), JSON.parse(text));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a long string with a raw control character, as JSON.parse does', () => {
    const text = `{"img_url":"${'A'.repeat(LONG)}\u0001"}`;
    assert.throws(() => JSON.parse(text));
    const out = parseBoundedJson(Buffer.from(text, 'utf8'));
    assert.equal(out.ok, false);
    assert.equal(out.ok ? '' : out.code, 'BadRequest.InvalidJson');
  });

  it('leaves client text that looks like a placeholder alone', () => {
    const text = JSON.stringify({
      a: 'vidgate-lifted-00000000000000000000000000000000-0',
      b: 'E'.repeat(LONG),
    });
    assert.deepEqual(parsed(text), JSON.parse(text));
  });

  it('refuses nesting deeper than 32 levels before parsing', () => {
    const out = parseBoundedJson(Buffer.from('['.repeat(33) + ']'.repeat(33)));
    assert.equal(out.ok ? '' : out.code, 'InvalidParameter');
  });
});
