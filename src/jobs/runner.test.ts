import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { silentLogger } from '../shared/logger.js';
import { Runner } from './runner.js';

interface Item {
  id: string;
}

/** A promise the test settles itself, so no step depends on how long anything takes. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve = (): void => undefined;
  let reject = (_e: Error): void => undefined;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Lets the runner's loop go round until `done` holds (it yields one turn per claim). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (done()) return;
    await nextTurn();
  }
  assert.fail(`never: ${what}`);
}

/** A queue of items claimed in order, handled until the test releases each one. */
function workload(ids: string[]) {
  const queue = [...ids];
  const releases = new Map<string, ReturnType<typeof deferred>>();
  const started: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  return {
    started,
    releases,
    get mostAtOnce() {
      return mostAtOnce;
    },
    get running() {
      return running;
    },
    claim: (limit: number): Promise<Item[]> =>
      Promise.resolve(queue.splice(0, limit).map((id) => ({ id }))),
    handle: async (item: Item): Promise<void> => {
      const d = deferred();
      releases.set(item.id, d);
      started.push(item.id);
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        await d.promise;
      } finally {
        running--;
      }
    },
  };
}

const clock = { now: () => 0 };

describe('Runner', () => {
  it('never handles more items at once than its concurrency, and takes the next as one ends', async () => {
    const w = workload(['a', 'b', 'c', 'd', 'e']);
    // idle sleeps are long: every step forward here comes from a wake or a finished item
    const r = new Runner<Item>({
      name: 't',
      concurrency: 2,
      idleMs: 3_600_000,
      clock,
      logger: silentLogger,
      ...w,
    });
    r.start();
    await until(() => w.started.length === 2, 'two items started');
    assert.deepEqual(w.started, ['a', 'b']);
    assert.equal(r.busy, 2);
    w.releases.get('a')?.resolve();
    await until(() => w.started.length === 3, 'a third item once one ended');
    assert.equal(w.started[2], 'c');
    for (const id of ['b', 'c']) w.releases.get(id)?.resolve();
    await until(() => w.started.length === 5, 'all started');
    for (const id of ['d', 'e']) w.releases.get(id)?.resolve();
    await r.stop();
    assert.equal(w.mostAtOnce, 2);
    assert.equal(r.busy, 0);
  });

  it('keeps going after a failed item or a failed claim, and records the error', async () => {
    const w = workload(['x', 'y']);
    let claims = 0;
    const r = new Runner<Item>({
      name: 't',
      concurrency: 1,
      idleMs: 3_600_000,
      clock,
      logger: silentLogger,
      claim: (limit) => (++claims === 1 ? Promise.reject(new Error('store down')) : w.claim(limit)),
      handle: w.handle,
    });
    r.start();
    assert.equal(w.started.length, 0);
    await until(() => r.lastError === 'store down', 'the claim error recorded');
    r.wake();
    await until(() => w.started.length === 1, 'claims again after the failure');
    w.releases.get('x')?.reject(new Error('step broke'));
    await until(() => w.started.length === 2, 'the next item after a failed one');
    assert.equal(r.lastError, 'step broke');
    w.releases.get('y')?.resolve();
    await r.stop();
  });

  it('stops claiming at once and waits for the items it holds', async () => {
    const w = workload(['p', 'q', 'r']);
    const r = new Runner<Item>({
      name: 't',
      concurrency: 1,
      idleMs: 3_600_000,
      clock,
      logger: silentLogger,
      ...w,
    });
    r.start();
    await until(() => w.started.length === 1, 'one item started');
    let stopped = false;
    const stopping = r.stop().then(() => {
      stopped = true;
    });
    await nextTurn();
    assert.equal(stopped, false, 'an item in flight holds the stop');
    w.releases.get('p')?.resolve();
    await stopping;
    assert.deepEqual(w.started, ['p'], 'nothing more was claimed after the stop');
  });

  it('heartbeats the items in flight, and no others', async () => {
    const w = workload(['h']);
    const beats: string[][] = [];
    const beat = deferred();
    const r = new Runner<Item>({
      name: 't',
      concurrency: 2,
      idleMs: 3_600_000,
      heartbeatMs: 1,
      heartbeat: (ids) => {
        beats.push(ids);
        beat.resolve();
        return Promise.resolve();
      },
      clock,
      logger: silentLogger,
      ...w,
    });
    r.start();
    await until(() => w.started.length === 1, 'the item started');
    await beat.promise;
    assert.deepEqual(beats[0], ['h']);
    w.releases.get('h')?.resolve();
    await r.stop();
  });
});
