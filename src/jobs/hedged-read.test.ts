import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hedgedRead, type SettleCopy } from './hedged-read.js';

/** A promise settled from outside, so no case depends on how fast the machine is. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Reads answered by the test, in call order, and a record of settled slots. */
function rig(copies: number) {
  const answers = Array.from({ length: copies }, () => deferred<string>());
  let calls = 0;
  const settled: string[] = [];
  const slotsAsked: number[] = [];
  const settle =
    (name: string): SettleCopy =>
    () => {
      settled.push(name);
      return Promise.resolve();
    };
  const read = (): Promise<string> => {
    const answer = answers[calls++];
    if (!answer) throw new Error('more copies than expected');
    return answer.promise;
  };
  return { answers, settled, slotsAsked, settle, read, calls: () => calls };
}

const waitFor = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
};

describe('hedgedRead', () => {
  it('sends no second copy when the first answers in time', async () => {
    const r = rig(1);
    const out = hedgedRead(r.read, {
      afterMs: 60_000,
      settleFirst: r.settle('first'),
      takeSlot: () => {
        r.slotsAsked.push(1);
        return Promise.resolve(r.settle('second'));
      },
    });
    r.answers[0]?.resolve('one');
    assert.equal(await out, 'one');
    await waitFor(() => r.settled.length === 1);
    assert.deepEqual(r.settled, ['first']);
    assert.deepEqual(r.slotsAsked, []);
  });

  it('answers with the second copy when the first stalls, and settles both slots', async () => {
    const r = rig(2);
    const out = hedgedRead(r.read, {
      afterMs: 5,
      settleFirst: r.settle('first'),
      takeSlot: () => Promise.resolve(r.settle('second')),
    });
    await waitFor(() => r.calls() === 2);
    r.answers[1]?.resolve('two');
    assert.equal(await out, 'two');
    await waitFor(() => r.settled.length === 1);
    assert.deepEqual(r.settled, ['second'], 'the stalled copy still holds its slot');
    r.answers[0]?.resolve('late');
    await waitFor(() => r.settled.length === 2);
    assert.deepEqual(r.settled, ['second', 'first']);
  });

  it('fails at once when the first copy fails before a second is sent', async () => {
    const r = rig(1);
    const out = hedgedRead(r.read, {
      afterMs: 60_000,
      settleFirst: r.settle('first'),
      takeSlot: () => {
        r.slotsAsked.push(1);
        return Promise.resolve(r.settle('second'));
      },
    });
    r.answers[0]?.reject(new Error('reset'));
    await assert.rejects(out, /reset/);
    assert.deepEqual(r.slotsAsked, []);
  });

  it('waits for the first copy when the budget has no slot to spare', async () => {
    const r = rig(1);
    let asked = false;
    const out = hedgedRead(r.read, {
      afterMs: 5,
      settleFirst: r.settle('first'),
      takeSlot: () => {
        asked = true;
        return Promise.resolve(null);
      },
    });
    await waitFor(() => asked);
    r.answers[0]?.resolve('one');
    assert.equal(await out, 'one');
    assert.equal(r.calls(), 1);
  });

  it('keeps waiting for the second copy when the first fails after it was sent', async () => {
    const r = rig(2);
    const out = hedgedRead(r.read, {
      afterMs: 5,
      settleFirst: r.settle('first'),
      takeSlot: () => Promise.resolve(r.settle('second')),
    });
    await waitFor(() => r.calls() === 2);
    r.answers[0]?.reject(new Error('timeout'));
    await waitFor(() => r.settled.includes('first'));
    r.answers[1]?.resolve('two');
    assert.equal(await out, 'two');
  });

  it('fails with the first error when both copies fail', async () => {
    const r = rig(2);
    const out = hedgedRead(r.read, {
      afterMs: 5,
      settleFirst: r.settle('first'),
      takeSlot: () => Promise.resolve(r.settle('second')),
    });
    await waitFor(() => r.calls() === 2);
    r.answers[0]?.reject(new Error('first: timeout'));
    r.answers[1]?.reject(new Error('second: reset'));
    await assert.rejects(out, /first: timeout/);
    await waitFor(() => r.settled.length === 2);
  });
});
