import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnPacer } from './turn-pacer.js';

/** Counts event-loop turns: the counter moves once per check phase while `running()` holds. */
function turnCounter(running: () => boolean): { now: () => number } {
  let turn = 0;
  const tick = (): void => {
    turn += 1;
    if (running()) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => turn };
}

describe('TurnPacer', () => {
  it('starts at most perTurn callers per event-loop turn, in arrival order', async () => {
    const pacer = new TurnPacer(3);
    let done = false;
    const turns = turnCounter(() => !done);
    const started: { index: number; turn: number }[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, index) => {
        await pacer.take();
        started.push({ index, turn: turns.now() });
      }),
    );
    done = true;
    assert.deepEqual(
      started.map((s) => s.index),
      Array.from({ length: 10 }, (_, i) => i),
    );
    const perTurn = new Map<number, number>();
    for (const s of started) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
    assert.ok(Math.max(...perTurn.values()) <= 3, `per turn: ${JSON.stringify([...perTurn])}`);
    assert.equal(perTurn.size, 4);
  });

  it('lets a lone caller start at once, and again once a turn has passed', async () => {
    const pacer = new TurnPacer(1);
    let first = false;
    void pacer.take().then(() => (first = true));
    await Promise.resolve();
    assert.equal(first, true);
    await nextTurn();
    await nextTurn();
    let second = false;
    void pacer.take().then(() => (second = true));
    await Promise.resolve();
    assert.equal(second, true);
  });

  it('does not hold a caller that awaits I/O against the next one', async () => {
    const pacer = new TurnPacer(1);
    const order: string[] = [];
    const slow = (async () => {
      await pacer.take();
      order.push('slow started');
      await new Promise((r) => setTimeout(r, 50));
      order.push('slow done');
    })();
    const quick = (async () => {
      await pacer.take();
      order.push('quick started');
    })();
    await Promise.all([slow, quick]);
    assert.deepEqual(order, ['slow started', 'quick started', 'slow done']);
  });
});
