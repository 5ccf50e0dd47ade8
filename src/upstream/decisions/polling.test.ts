import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamView } from '../../providers/provider.js';
import { SAFETY_NET_POLL_MS } from '../poll-delay.js';
import { evidenceOfRequest } from '../submit-evidence.js';
import {
  decidePoll,
  decidePollStart,
  decideView,
  SAFETY_NET_STEP_BACK_MS,
  SWEEP_YIELD_MS,
  type PolledTask,
  type PollContext,
} from './polling.js';
import type { TaskAction } from './task-action.js';

const NOW = 1_800_000_000_000;
const DAY = 24 * 3600 * 1000;

/** A fake clock: a fixed `now` and a fixed draw for jitter, so every backoff is exact. */
function ctx(over: Partial<PollContext> = {}): PollContext {
  return { now: NOW, random: () => 0.5, watched: false, sweepWaiting: false, ...over };
}

function task(over: Partial<PolledTask> = {}): PolledTask {
  return {
    state: 'RUNNING',
    dueReason: null,
    etaAt: NOW + 60_000,
    submittedAt: NOW - 30_000,
    adoptedAt: null,
    scheduledAt: NOW - 29_000,
    upstreamTaskId: 'up-1',
    evidencePrompt: SENT.prompt,
    evidenceSeconds: SENT.seconds,
    ...over,
  };
}

/** what the task's submit left on the row at admission: the prompt 'a cat', 5 seconds */
const SENT = evidenceOfRequest('a cat', 5);
const usage = { output_video_duration: 5 };

function only(actions: TaskAction[], kind: TaskAction['kind']): TaskAction[] {
  return actions.filter((a) => a.kind === kind);
}

/** The one action that ends the step (move or later); a decision has exactly one. */
function ending(actions: TaskAction[]): TaskAction {
  const ends = actions.filter((a) => a.kind === 'move' || a.kind === 'later');
  assert.equal(ends.length, 1, `one ending action in ${JSON.stringify(actions)}`);
  const [end] = ends;
  assert.ok(end);
  return end;
}

describe('decidePollStart', () => {
  it('waits for a task without channel or upstream id', () => {
    for (const [hasChannel, upstreamTaskId] of [
      [false, 'up-1'],
      [true, null],
    ] as const) {
      const start = decidePollStart(task({ upstreamTaskId }), hasChannel, ctx());
      assert.equal(start.kind, 'skip');
      if (start.kind === 'skip')
        assert.deepEqual(start.actions, [{ kind: 'later', afterMs: 5000 }]);
    }
  });

  it('queries a confirmation with the needed budget and a hedge, even while the sweep waits', () => {
    const start = decidePollStart(
      task({ dueReason: 'confirm' }),
      true,
      ctx({ sweepWaiting: true, watched: true }),
    );
    assert.deepEqual(start, { kind: 'query', purpose: 'confirm', use: 'needed', hedge: true });
  });

  it('steps aside for a waiting sweep, otherwise polls by whether the sweep watches', () => {
    assert.deepEqual(decidePollStart(task(), true, ctx({ sweepWaiting: true })), {
      kind: 'skip',
      actions: [{ kind: 'later', afterMs: SWEEP_YIELD_MS }],
    });
    assert.deepEqual(decidePollStart(task(), true, ctx({ watched: true })), {
      kind: 'query',
      purpose: 'safetyNet',
      use: 'spare',
      hedge: false,
    });
    assert.deepEqual(decidePollStart(task(), true, ctx()), {
      kind: 'query',
      purpose: 'poll',
      use: 'needed',
      hedge: false,
    });
  });
});

describe('decidePoll without an answer', () => {
  it('a denied slot waits what the budget said; a safety net steps back further', () => {
    const obs = { kind: 'noSlot', retryAfterMs: 300 } as const;
    assert.deepEqual(decidePoll(task(), 'poll', obs, ctx()), [{ kind: 'later', afterMs: 300 }]);
    assert.deepEqual(decidePoll(task({ dueReason: 'confirm' }), 'confirm', obs, ctx()), [
      { kind: 'later', afterMs: 300 },
    ]);
    assert.deepEqual(decidePoll(task(), 'safetyNet', obs, ctx()), [
      { kind: 'later', afterMs: 300 + SAFETY_NET_STEP_BACK_MS },
    ]);
  });

  it('a denied or failed confirmation keeps its reason (no patch clears it)', () => {
    for (const obs of [{ kind: 'noSlot', retryAfterMs: 300 }, { kind: 'queryFailed' }] as const) {
      const end = ending(decidePoll(task({ dueReason: 'confirm' }), 'confirm', obs, ctx()));
      assert.equal(end.kind, 'later');
      if (end.kind === 'later') assert.equal(end.patch?.dueReason, undefined);
    }
  });

  it('a failed confirmation comes back sooner than a failed poll, never before Retry-After', () => {
    const failed = { kind: 'queryFailed' } as const;
    // backoffMs with random 0.5: 3/4 of 500 * 2^(attempt-1)
    assert.deepEqual(decidePoll(task(), 'confirm', failed, ctx()), [
      { kind: 'later', afterMs: 375 },
    ]);
    assert.deepEqual(decidePoll(task(), 'poll', failed, ctx()), [{ kind: 'later', afterMs: 1500 }]);
    const slow = { kind: 'queryFailed', retryAfterMs: 4000 } as const;
    assert.deepEqual(decidePoll(task(), 'confirm', slow, ctx()), [
      { kind: 'later', afterMs: 4000 },
    ]);
  });
});

describe('decideView', () => {
  const view = (v: UpstreamView) => decideView(task(), v, ctx(), {});

  it('a task still running is polled again, nearer its ETA when unwatched', () => {
    const end = ending(view({ kind: 'RUNNING', scheduledTime: NOW - 20_000 }));
    assert.deepEqual(end, {
      kind: 'later',
      afterMs: 15_000,
      patch: { dueReason: null, scheduledAt: NOW - 20_000 },
    });
    const watched = decideView(task(), { kind: 'RUNNING' }, ctx({ watched: true }), {});
    assert.deepEqual(ending(watched), {
      kind: 'later',
      afterMs: 60_000 + SAFETY_NET_POLL_MS,
      patch: { dueReason: null, scheduledAt: NOW - 29_000 },
    });
  });

  it('a change of upstream state moves the task and schedules its next poll', () => {
    const end = ending(decideView(task({ state: 'PENDING' }), { kind: 'RUNNING' }, ctx(), {}));
    assert.equal(end.kind, 'move');
    if (end.kind === 'move') {
      assert.equal(end.to, 'RUNNING');
      assert.equal(end.patch.nextRunAt, NOW + 15_000);
      assert.equal(end.patch.dueReason, null);
    }
  });

  it('a stale list (the sweep said finished, the query says running) clears the reason', () => {
    const end = ending(decideView(task({ dueReason: 'confirm' }), { kind: 'RUNNING' }, ctx(), {}));
    assert.equal(end.kind === 'later' && end.patch?.dueReason, null);
  });

  it('a success is fetched next, with its facts, and its run time observed', () => {
    const actions = view({
      kind: 'SUCCEEDED',
      videoUrl: 'https://x/v.mp4',
      usage,
      origPrompt: 'a cat',
      endTime: NOW - 1000,
    });
    assert.deepEqual(only(actions, 'observeRunTime'), [{ kind: 'observeRunTime', ms: 29_000 }]);
    const end = ending(actions);
    assert.equal(end.kind, 'move');
    if (end.kind === 'move') {
      assert.equal(end.to, 'FETCHING');
      assert.equal(end.patch.upstreamVideoUrl, 'https://x/v.mp4');
      assert.equal(end.patch.usage, JSON.stringify(usage));
      assert.equal(end.patch.finishedAt, NOW - 1000);
    }
  });

  it('an adopted task whose result shows another prompt or length is failed, never fetched', () => {
    for (const other of [
      { origPrompt: 'a dog', usage },
      { origPrompt: 'a cat', usage: { output_video_duration: 10 } },
    ]) {
      const actions = decideView(
        task({ adoptedAt: NOW - 5000 }),
        { kind: 'SUCCEEDED', videoUrl: 'https://x/v.mp4', ...other },
        ctx(),
        {},
      );
      const end = ending(actions);
      assert.equal(end.kind === 'move' && end.to, 'FAILED');
      assert.equal(end.kind === 'move' && end.patch.errorCode, 'InternalError');
      assert.equal(only(actions, 'log').length, 1);
      assert.equal(only(actions, 'observeRunTime').length, 0);
    }
    // the same evidence on an adopted task is delivered
    const same = decideView(
      task({ adoptedAt: NOW - 5000 }),
      { kind: 'SUCCEEDED', videoUrl: 'https://x/v.mp4', origPrompt: 'a cat', usage },
      ctx(),
      {},
    );
    const delivered = ending(same);
    assert.equal(delivered.kind === 'move' && delivered.to, 'FETCHING');
    // an adopted row that lost its submit's evidence cannot be shown to be its own
    const unknown = decideView(
      task({ adoptedAt: NOW - 5000, evidencePrompt: null }),
      { kind: 'SUCCEEDED', videoUrl: 'https://x/v.mp4', origPrompt: 'a cat', usage },
      ctx(),
      {},
    );
    const refused = ending(unknown);
    assert.equal(refused.kind === 'move' && refused.to, 'FAILED');
  });

  it('a failure or a cancel upstream ends the task with what the upstream said', () => {
    const failed = ending(view({ kind: 'FAILED', code: 'DataInspectionFailed', message: 'no' }));
    assert.deepEqual(failed, {
      kind: 'move',
      to: 'FAILED',
      patch: {
        dueReason: null,
        errorCode: 'DataInspectionFailed',
        errorMessage: 'no',
        finishedAt: NOW,
      },
    });
    assert.deepEqual(ending(view({ kind: 'CANCELED' })), {
      kind: 'move',
      to: 'CANCELED',
      patch: { dueReason: null, finishedAt: NOW },
    });
  });

  it('an unknown task is asked again, until a day after the submit', () => {
    assert.equal(ending(view({ kind: 'UNKNOWN' })).kind, 'later');
    const old = decideView(task({ submittedAt: NOW - DAY }), { kind: 'UNKNOWN' }, ctx(), {});
    const end = ending(old);
    assert.equal(end.kind === 'move' && end.patch.errorCode, 'UpstreamTaskExpired');
  });

  it('carries the submit facts into whatever the first view decides', () => {
    const submit = { upstreamTaskId: 'up-9', etaAt: NOW + 120_000 };
    const end = ending(decideView(task({ state: 'PENDING' }), { kind: 'PENDING' }, ctx(), submit));
    assert.equal(end.kind, 'later');
    if (end.kind === 'later') {
      assert.equal(end.patch?.upstreamTaskId, 'up-9');
      // the ETA from the submit decides the delay, not the row's old one
      assert.equal(end.afterMs, 15_000);
    }
  });
});
