import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ResolutionTier } from './output-size.js';
import { TIER_PIXELS, firstFrameOutputSize, parseSize } from './output-size.js';

void describe('firstFrameOutputSize', () => {
  const cases: Array<[number, number, ResolutionTier, number, number]> = [
    // DashScope's documented example.
    [750, 1000, '720P', 816, 1104],
    [1920, 1080, '1080P', 1920, 1072],
    [1280, 720, '720P', 1280, 720],
    [720, 1280, '720P', 720, 1280],
    [832, 480, '480P', 832, 480],
    [1000, 1000, '480P', 624, 624],
    [1000, 1000, '720P', 960, 960],
    [4000, 3000, '1080P', 1648, 1232],
  ];
  for (const [w, h, tier, ew, eh] of cases) {
    void it(`${w}x${h} at ${tier} -> ${ew}x${eh}`, () => {
      assert.deepEqual(firstFrameOutputSize(w, h, tier), { width: ew, height: eh });
    });
  }

  void it('keeps sides aligned, under budget and close to the image aspect ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 8000 }),
        fc.integer({ min: 100, max: 8000 }),
        fc.constantFrom<ResolutionTier>('480P', '720P', '1080P'),
        (w, h, tier) => {
          fc.pre(w / h <= 4 && h / w <= 4);
          const out = firstFrameOutputSize(w, h, tier);
          assert.equal(out.width % 16, 0);
          assert.equal(out.height % 16, 0);
          assert.ok(out.width * out.height <= TIER_PIXELS[tier]);
          // Flooring loses less than one 16px step per side.
          assert.ok((out.width + 16) * (out.height + 16) > TIER_PIXELS[tier]);
          const drift = Math.abs(Math.log(out.width / out.height / (w / h)));
          assert.ok(drift < 0.06, `aspect drift ${drift} for ${w}x${h}`);
        },
      ),
    );
  });

  void it('rejects non-positive sizes', () => {
    assert.throws(() => firstFrameOutputSize(0, 100, '720P'), RangeError);
    assert.throws(() => firstFrameOutputSize(100, Number.NaN, '720P'), RangeError);
  });
});

void describe('parseSize', () => {
  void it('parses W*H strings', () => {
    assert.deepEqual(parseSize('1280*720'), { width: 1280, height: 720 });
    assert.deepEqual(parseSize(' 832 * 480 '), { width: 832, height: 480 });
  });

  void it('rejects malformed sizes', () => {
    for (const bad of ['', '1280x720', '1280*', '*720', '0*720', '-1*720', '1.5*2', '12*34*56']) {
      assert.equal(parseSize(bad), null, bad);
    }
  });
});
