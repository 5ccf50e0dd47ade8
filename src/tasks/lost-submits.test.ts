import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchLostSubmits } from './lost-submits.js';

describe('matchLostSubmits', () => {
  it('does not let a submit that created nothing take its neighbour’s task', () => {
    // R was reset before the upstream read it; M and L created tasks whose answers were lost
    const submits = [
      { id: 'R', sentAt: 1000, lostAt: 1004 },
      { id: 'M', sentAt: 1070, lostAt: 1080 },
      { id: 'L', sentAt: 1140, lostAt: 3140 },
    ];
    const candidates = [
      { id: 'up-L', createdAt: 1150 },
      { id: 'up-M', createdAt: 1072 },
    ];
    const m = matchLostSubmits(submits, candidates, 1000);
    assert.equal(m.get('M'), 'up-M');
    assert.equal(m.get('L'), 'up-L');
    assert.equal(m.has('R'), false);
  });

  it('ignores candidates outside every window', () => {
    const m = matchLostSubmits(
      [{ id: 'A', sentAt: 10_000, lostAt: 12_000 }],
      [{ id: 'x', createdAt: 20_000 }],
      1000,
    );
    assert.equal(m.size, 0);
  });
});
