import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attributeLostSubmits,
  type UnansweredSubmit,
  type UnownedCandidate,
} from './lost-submit-attribution.js';
import { evidenceOfRequest, hashPrompt } from './submit-evidence.js';

const SKEW = 2000;
const WINDOW = 10_000;

function lost(id: string, sentAt: number, lostAt: number, prompt = id): UnansweredSubmit {
  return {
    id,
    sentAt,
    windowEnd: lostAt + WINDOW,
    lost: true,
    evidence: evidenceOfRequest(prompt, 5),
  };
}

function inFlight(id: string, sentAt: number, prompt = id): UnansweredSubmit {
  return { id, sentAt, windowEnd: undefined, lost: false, evidence: evidenceOfRequest(prompt, 5) };
}

function made(id: string, createdAt: number, prompt?: string): UnownedCandidate {
  return {
    id,
    createdAt,
    seen: prompt === undefined ? {} : { prompt: hashPrompt(prompt), seconds: 5 },
  };
}

describe('attributeLostSubmits', () => {
  it('never crosses two lost submits whose tasks were created in the other order', () => {
    // A left first, B 100 ms later; the upstream created B's task first (reversed order)
    const submits = [lost('A', 1000, 2600), lost('B', 1100, 2600)];
    const blind = attributeLostSubmits(submits, [made('up-B', 1500), made('up-A', 2000)], SKEW);
    assert.equal(blind.attached.size, 0, 'nearest-time matching would have crossed them');
    assert.deepEqual(blind.possible.get('A'), ['up-B', 'up-A']);
    assert.deepEqual(blind.owners.get('up-A'), ['A', 'B']);

    // once one task shows its prompt, both are settled: the other has a single possible maker
    const told = attributeLostSubmits(submits, [made('up-B', 1500), made('up-A', 2000, 'A')], SKEW);
    assert.equal(told.attached.get('A'), 'up-A');
    assert.equal(told.attached.get('B'), 'up-B');
  });

  it('does not adopt a task while another submit that may have made it is still in flight', () => {
    const during = attributeLostSubmits(
      [inFlight('S', 1000), lost('L', 1050, 2500)],
      [made('up-L', 1200), made('up-S', 1800)],
      SKEW,
    );
    assert.equal(during.attached.size, 0);
    // S heard its answer (up-S is owned now and no candidate): L's task is the one left
    const after = attributeLostSubmits([lost('L', 1050, 2500)], [made('up-L', 1200)], SKEW);
    assert.equal(after.attached.get('L'), 'up-L');
  });

  it('gives a task to the only submit whose window holds it, then settles the rest', () => {
    // E's window closed long before up-2 was created; up-1 could be E's or F's until up-2 is F's
    const submits = [lost('E', 0, 1000), lost('F', 5000, 30_000)];
    const a = attributeLostSubmits(submits, [made('up-1', 500), made('up-2', 20_000)], SKEW);
    assert.equal(a.attached.get('F'), 'up-2');
    assert.equal(a.attached.get('E'), 'up-1');
  });

  it('attaches neither of two tasks that only one submit could have made', () => {
    const a = attributeLostSubmits(
      [lost('A', 1000, 2000)],
      [made('x', 1200), made('y', 1300)],
      SKEW,
    );
    assert.equal(a.attached.size, 0);
    assert.deepEqual(a.possible.get('A'), ['x', 'y']);
  });

  it('leaves a submit that made nothing with no possible task, so it can be sent again', () => {
    const a = attributeLostSubmits(
      [lost('R', 1000, 1004), lost('M', 1070, 1080)],
      [made('up-M', 1072, 'M')],
      SKEW,
    );
    assert.equal(a.attached.get('M'), 'up-M');
    assert.deepEqual(a.possible.get('R'), []);
  });

  it('rules out a task whose evidence contradicts the request', () => {
    const a = attributeLostSubmits(
      [lost('A', 1000, 2000, 'a cat')],
      [made('x', 1200, 'a dog')],
      SKEW,
    );
    assert.equal(a.attached.size, 0);
    assert.deepEqual(a.possible.get('A'), []);
    assert.deepEqual(a.owners.get('x'), []);
  });

  it('ignores tasks created outside every window', () => {
    const a = attributeLostSubmits(
      [lost('A', 10_000, 12_000)],
      [made('x', 40_000), made('y', 1000)],
      SKEW,
    );
    assert.equal(a.attached.size, 0);
    assert.deepEqual(a.possible.get('A'), []);
  });
});
