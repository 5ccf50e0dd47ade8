import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTransition, type TaskState } from '../../tasks/status.js';
import {
  decideCancel,
  decideCancelBeforeUpstream,
  decideCancelStart,
  type CancelObservation,
} from './cancel.js';
import type { DecisionClock, TaskAction } from './task-action.js';

const NOW = 1_800_000_000_000;
/** a fake clock: fixed time, fixed jitter draw */
const c: DecisionClock = { now: NOW, random: () => 0.5 };
const CANCELED = {
  kind: 'move',
  to: 'CANCELED',
  patch: { finishedAt: NOW, usage: null, dueReason: null },
} as const;

function ends(actions: readonly TaskAction[]): TaskAction[] {
  return actions.filter((a) => a.kind === 'move' || a.kind === 'later');
}

describe('cancel before anything went upstream (CHECKING, QUEUED)', () => {
  it('cancels a task whose cancel was asked for, unbilled; leaves the others alone', () => {
    for (const state of ['CHECKING', 'QUEUED'] as const) {
      const a = decideCancelBeforeUpstream({ cancelRequestedAt: NOW - 10 }, c);
      assert.deepEqual(a, [CANCELED]);
      for (const m of a ?? []) if (m.kind === 'move') assertTransition(state, m.to);
    }
    assert.equal(decideCancelBeforeUpstream({ cancelRequestedAt: null }, c), null);
  });
});

describe('decideCancelStart', () => {
  const pending = { state: 'PENDING' as const, cancelRequestedAt: NOW - 5, upstreamTaskId: 'up-1' };

  it('cancels upstream a PENDING task with a request on a channel that can cancel', () => {
    assert.deepEqual(decideCancelStart(pending, true), { kind: 'cancel', upstreamTaskId: 'up-1' });
  });

  it('does nothing without a request, or in a state where the upstream cannot cancel', () => {
    assert.deepEqual(decideCancelStart({ ...pending, cancelRequestedAt: null }, true), {
      kind: 'none',
    });
    const states: TaskState[] = ['RUNNING', 'FETCHING', 'SUBMITTING', 'UNCERTAIN'];
    for (const state of states)
      assert.deepEqual(decideCancelStart({ ...pending, state }, true), { kind: 'none' }, state);
  });

  it('drops the request where it cannot be carried out, so the task is not claimed for it', () => {
    for (const [task, can] of [
      [pending, false],
      [{ ...pending, upstreamTaskId: null }, true],
    ] as const) {
      const start = decideCancelStart(task, can);
      assert.equal(start.kind, 'drop');
      if (start.kind === 'drop')
        assert.deepEqual(ends(start.actions), [
          { kind: 'later', afterMs: 0, patch: { cancelRequestedAt: null } },
        ]);
    }
  });
});

describe('decideCancel (PENDING, after the upstream answered)', () => {
  const decide = (obs: CancelObservation) => decideCancel(obs, c);

  it('a done cancel ends the task CANCELED with no usage', () => {
    const a = decide({ kind: 'canceled' });
    assert.deepEqual(a, [CANCELED]);
    assertTransition('PENDING', 'CANCELED');
  });

  it('a refusal (no longer PENDING upstream) drops the request and polls at once', () => {
    const a = decide({ kind: 'refused', code: 'UnsupportedOperation' });
    assert.deepEqual(ends(a), [{ kind: 'later', afterMs: 0, patch: { cancelRequestedAt: null } }]);
    assert.equal(a.filter((x) => x.kind === 'log').length, 1);
  });

  it('a failed cancel keeps the request and asks again, never before Retry-After', () => {
    // backoffMs attempt 3 at draw 0.5: 3/4 of 2000
    assert.deepEqual(ends(decide({ kind: 'failed', error: 'reset' })), [
      { kind: 'later', afterMs: 1500 },
    ]);
    assert.deepEqual(ends(decide({ kind: 'failed', error: '429', retryAfterMs: 4000 })), [
      { kind: 'later', afterMs: 4000 },
    ]);
  });
});
