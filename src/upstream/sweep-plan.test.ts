import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListedTask } from '../providers/provider.js';
import type { OpenTaskRef } from '../store/task-store.js';
import {
  leftRunning,
  rankFound,
  readListedPage,
  windowRange,
  windowStarts,
  windowsWithUnseen,
  type SweepMemory,
} from './sweep-plan.js';

const T0 = 1_800_000_000_000;

function open(n: number, state: OpenTaskRef['state'] = 'PENDING', stepMs = 250): OpenTaskRef[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    state,
    upstreamTaskId: `u${i}`,
    submittedAt: T0 + i * stepMs,
  }));
}

function listed(id: string, status: string, createdAt = T0, startedAt?: number): ListedTask {
  return { upstreamTaskId: id, model: 'wan2.6-i2v', status, createdAt, startedAt };
}

function memory(): SweepMemory {
  return { running: new Map(), found: new Map() };
}

describe('sweep windows', () => {
  it('start about a page apart on whole seconds, each later than the last, and tile time', () => {
    const tasks = open(10, 'PENDING', 300); // T0 … T0+2.7 s
    const starts = windowStarts(tasks, 3, T0 + 10_000);
    // pages start at tasks 0, 3, 6, 9: T0, T0+0.9 s (same second: merged), T0+1.8 s, T0+2.7 s
    assert.deepEqual(starts, [T0, T0 + 1000, T0 + 2000]);
    const now = T0 + 10_000;
    const ranges = starts.map((_, i) => windowRange(starts, i, now));
    for (let i = 1; i < ranges.length; i++)
      assert.equal(ranges[i]?.[0], (ranges[i - 1]?.[1] ?? 0) + 1, 'no gap, no overlap');
    assert.equal(ranges[ranges.length - 1]?.[1], now + 1000, 'the last window reaches past now');
    // every task's submit second is inside exactly one window
    for (const t of tasks) {
      const second = Math.floor(Number(t.submittedAt) / 1000) * 1000;
      assert.equal(ranges.filter(([a, b]) => second >= a && second <= b).length, 1);
    }
  });

  it('marks the window of an unseen task and the next one (it may be created a second late)', () => {
    const tasks = open(6, 'PENDING', 1000);
    const starts = windowStarts(tasks, 2, T0 + 10_000); // T0, T0+2s, T0+4s
    const unseen = windowsWithUnseen(tasks, starts, (t) => t.id === 't2');
    assert.deepEqual([...unseen].sort(), [1, 2]);
    assert.deepEqual([...windowsWithUnseen(tasks, starts, () => false)], []);
  });
});

describe('reading a list page', () => {
  it('moves PENDING tasks the list shows running, remembers them, and reports finished ones', () => {
    const ours = new Map(open(3).map((t) => [t.upstreamTaskId ?? '', t]));
    const mem = memory();
    mem.found.set('u0', T0 - 1);
    const reading = readListedPage(
      [
        listed('u0', 'RUNNING', T0 + 1500, T0 + 2000),
        listed('u1', 'SUCCEEDED'),
        listed('u2', 'PENDING'),
        listed('foreign', 'SUCCEEDED'),
      ],
      ours,
      mem,
      T0 + 5000,
    );
    assert.deepEqual(reading.started, [{ id: 't0', startedAt: T0 + 2000 }]);
    assert.deepEqual(reading.finished, ['u1'], 'a foreign task is none of ours');
    assert.equal(mem.running.get('u0'), T0 + 1000, 'creation second, floored');
    assert.equal(mem.found.has('u0'), false, 'running again: no longer owed');
  });

  it('does not move a task already RUNNING in the store', () => {
    const ours = new Map(open(1, 'RUNNING').map((t) => [t.upstreamTaskId ?? '', t]));
    const reading = readListedPage([listed('u0', 'RUNNING')], ours, memory(), T0);
    assert.deepEqual(reading.started, []);
  });

  it('finds tasks that left RUNNING: shown before, in the window, missing from its full read', () => {
    const running = new Map([
      ['a', T0],
      ['b', T0 + 1000],
      ['c', T0 + 5000],
    ]);
    assert.deepEqual(leftRunning(running, new Set(['b']), [T0, T0 + 2000]), ['a']);
    assert.deepEqual(leftRunning(running, new Set(['a', 'b']), [T0, T0 + 2000]), []);
  });

  it('ranks found tasks by when each was first found, whenever found again', () => {
    const ours = new Map(open(3).map((t) => [t.upstreamTaskId ?? '', t]));
    const mem = memory();
    assert.deepEqual([...rankFound(['u0'], mem, ours, T0)], [[T0, ['t0']]]);
    const again = rankFound(['u0', 'u1', 'foreign'], mem, ours, T0 + 3000);
    assert.deepEqual(
      [...again],
      [
        [T0, ['t0']],
        [T0 + 3000, ['t1']],
      ],
    );
  });
});
