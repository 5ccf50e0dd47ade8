import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nestsDeeperThan } from './json-body.js';

const deeper = (text: string, limit: number): boolean =>
  nestsDeeperThan(Buffer.from(text, 'utf8'), limit);

/** The true nesting depth of a parsed JSON value. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

void describe('nestsDeeperThan', () => {
  it('counts objects and arrays alike', () => {
    assert.equal(deeper('{"a":[{"b":[1]}]}', 4), false);
    assert.equal(deeper('{"a":[{"b":[1]}]}', 3), true);
    assert.equal(deeper('[[[[]]]]', 4), false);
    assert.equal(deeper('[[[[[]]]]]', 4), true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.equal(deeper('{"a":"[[[[{{{{"}', 1), false);
    assert.equal(deeper('{"a":"\\"[[[[{{{{"}', 1), false);
    assert.equal(deeper('{"a":"\\\\"}', 1), false);
    // after an escaped backslash the quote does close the string
    assert.equal(deeper('{"a":"\\\\","b":[[1]]}', 2), true);
  });

  it('counts siblings at their own depth, not cumulatively', () => {
    assert.equal(deeper(`[${'[1],'.repeat(1000)}[1]]`, 2), false);
  });

  it('treats multi-byte text as text', () => {
    assert.equal(deeper('{"字🎬":"[[["}', 1), false);
  });

  it('is linear: a 28 MB body is scanned in well under a second', () => {
    const body = Buffer.alloc(28 * 1024 * 1024, 0x61);
    body[0] = 0x22;
    body[body.length - 1] = 0x22;
    const started = performance.now();
    assert.equal(nestsDeeperThan(body, 32), false);
    assert.ok(performance.now() - started < 1000);
  });

  it('agrees with the parsed depth of any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (v, limit) => {
        const text = JSON.stringify(v);
        assert.equal(deeper(text, limit), depthOf(v) > limit, text);
      }),
      { numRuns: 2000 },
    );
  });
});
