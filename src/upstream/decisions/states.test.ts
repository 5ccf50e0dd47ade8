import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '../../providers/provider-error.js';
import { assertTransition, TASK_STATES, type TaskState } from '../../tasks/status.js';
import type { LostSubmitVerdict } from '../lost-submits.js';
import { evidenceOfRequest } from '../submit-evidence.js';
import { decideChecked } from './checking.js';
import { decideFetched } from './fetching.js';
import { decideDispatch, decideDispatchable, FULL_CHANNEL_BACKSTOP_MS } from './queued.js';
import { CHANNEL_PAUSE_MS, decideAbandonedSubmit, decideSubmitted } from './submitting.js';
import type { DecisionClock, TaskAction } from './task-action.js';
import { decideReconcile, type ReconcileAction } from './uncertain.js';

const NOW = 1_800_000_000_000;
const DAY = 24 * 3600 * 1000;
/** a fake clock: fixed time, fixed jitter draw */
const c: DecisionClock = { now: NOW, random: () => 0.5 };
const SENT = evidenceOfRequest('a cat', 5);

function ending(actions: readonly (TaskAction | ReconcileAction)[]): TaskAction {
  const ends = actions.filter((a) => a.kind === 'move' || a.kind === 'later');
  assert.ok(ends.length <= 1, `at most one ending action in ${JSON.stringify(actions)}`);
  const [end] = ends;
  assert.ok(end && (end.kind === 'move' || end.kind === 'later'), 'an ending action');
  return end;
}

/** The move that ends the step; fails the test when it ends otherwise. */
function moved(actions: readonly (TaskAction | ReconcileAction)[]): TaskAction & { kind: 'move' } {
  const end = ending(actions);
  assert.equal(end.kind, 'move', `a move in ${JSON.stringify(actions)}`);
  return end;
}

/** Every move a decision asks for must be a legal transition from the state it decides for. */
function assertLegal(from: TaskState, actions: readonly (TaskAction | ReconcileAction)[]): void {
  for (const a of actions) if (a.kind === 'move') assertTransition(from, a.to);
}

describe('CHECKING: decideChecked', () => {
  it('queues checked media, fails refused media, retries a check that could not run', () => {
    const ok = decideChecked({ attempts: 0 }, { kind: 'checked', ok: true }, c);
    assert.deepEqual(ending(ok), { kind: 'move', to: 'QUEUED', patch: { nextRunAt: NOW } });
    const refused = decideChecked(
      { attempts: 0 },
      { kind: 'checked', ok: false, code: 'InvalidParameter.DataInspection', message: 'bad' },
      c,
    );
    const end = ending(refused);
    assert.equal(end.kind === 'move' && end.to, 'FAILED');
    assert.equal(end.kind === 'move' && end.patch.errorCode, 'InvalidParameter.DataInspection');
    const broken = decideChecked({ attempts: 1 }, { kind: 'checkFailed', error: 'disk' }, c);
    // backoff attempt 3 at draw 0.5: 3/4 of 2000
    assert.deepEqual(ending(broken), { kind: 'later', afterMs: 1500 });
    for (const a of [ok, refused, broken]) assertLegal('CHECKING', a);
  });
});

describe('QUEUED: decideDispatchable and decideDispatch', () => {
  const queued = { model: 'wan2.6-i2v', dispatchDeadline: NOW, attempts: 2 };

  it('fails a task past its dispatch deadline, and only then', () => {
    assert.equal(decideDispatchable(queued, c), null);
    const late = decideDispatchable({ ...queued, dispatchDeadline: NOW - 1 }, c);
    assert.ok(late);
    assert.equal(moved(late).patch.errorCode, 'RequestTimeOut');
  });

  it('fails a model no channel serves; waits for one that is paused or full', () => {
    const none = decideDispatch(queued, { kind: 'noCandidate', anyServes: false }, c);
    assert.equal(moved(none).patch.errorCode, 'ModelUnavailable');
    assert.deepEqual(decideDispatch(queued, { kind: 'noCandidate', anyServes: true }, c), [
      { kind: 'later', afterMs: 2000 },
    ]);
    assert.deepEqual(decideDispatch(queued, { kind: 'allFull' }, c), [
      { kind: 'later', afterMs: FULL_CHANNEL_BACKSTOP_MS },
    ]);
    assertLegal('QUEUED', none);
  });

  it('undoes an admission whose submit slot was spent: the attempt does not count', () => {
    const admitted = { ...queued, attempts: 3 };
    const back = decideDispatch(admitted, { kind: 'noSubmitSlot', retryAfterMs: 400 }, c);
    assert.deepEqual(back, [
      {
        kind: 'move',
        to: 'QUEUED',
        patch: { channelId: null, submittedAt: null, attempts: 2, nextRunAt: NOW + 400 },
      },
    ]);
    assertLegal('SUBMITTING', back);
  });
});

describe('SUBMITTING: decideAbandonedSubmit and decideSubmitted', () => {
  const submitting = {
    state: 'SUBMITTING' as const,
    dueReason: null,
    etaAt: null,
    submittedAt: NOW - 800,
    adoptedAt: null,
    scheduledAt: null,
    upstreamTaskId: null,
    evidencePrompt: SENT.prompt,
    evidenceSeconds: SENT.seconds,
    attempts: 1,
  };

  it('a submit whose worker died is reconciled, never resent', () => {
    const a = decideAbandonedSubmit(c);
    assert.deepEqual(a, [
      { kind: 'move', to: 'UNCERTAIN', patch: { uncertainSince: NOW, nextRunAt: NOW } },
    ]);
    assertLegal('SUBMITTING', a);
  });

  it('an answered create moves to what its view says, with the upstream id and an ETA', () => {
    const a = decideSubmitted(
      submitting,
      {
        kind: 'created',
        result: { upstreamTaskId: 'up-1', view: { kind: 'PENDING' } },
        estimateMs: 100_000,
      },
      { ...c, watched: false },
    );
    const end = ending(a);
    assert.equal(end.kind, 'move');
    if (end.kind === 'move') {
      assert.equal(end.to, 'PENDING');
      assert.equal(end.patch.upstreamTaskId, 'up-1');
      assert.equal(end.patch.etaAt, NOW - 800 + 100_000);
    }
    assertLegal('SUBMITTING', a);
    // the upstream's own estimate wins over ours
    const own = decideSubmitted(
      submitting,
      {
        kind: 'created',
        result: { upstreamTaskId: 'up-1', view: { kind: 'PENDING' }, expectedRunMs: 5000 },
        estimateMs: 100_000,
      },
      { ...c, watched: false },
    );
    assert.equal(moved(own).patch.etaAt, NOW - 800 + 5000);
  });

  const failedWith = (kind: ProviderErrorKind, retryAfterMs?: number) =>
    decideSubmitted(
      submitting,
      { kind: 'failed', error: new ProviderError(kind, 'Code.X', 'msg', retryAfterMs) },
      { ...c, watched: false },
    );

  it('every kind of failed submit has its own way forward', () => {
    const reject = failedWith('reject');
    assert.equal(moved(reject).to, 'FAILED');
    const uncertain = ending(failedWith('uncertain'));
    assert.deepEqual(uncertain, {
      kind: 'move',
      to: 'UNCERTAIN',
      patch: { uncertainSince: NOW, nextRunAt: NOW + 2000 },
    });
    const channel = failedWith('channel');
    assert.deepEqual(
      channel.filter((a) => a.kind === 'pauseChannel'),
      [{ kind: 'pauseChannel', untilMs: NOW + CHANNEL_PAUSE_MS, code: 'Code.X' }],
    );
    assert.equal(moved(channel).patch.nextRunAt, NOW);
    const retry = ending(failedWith('retry'));
    assert.equal(retry.kind === 'move' && retry.to, 'QUEUED');
    assert.equal(retry.kind === 'move' && retry.patch.channelId, null);
    assert.equal(retry.kind === 'move' && retry.patch.nextRunAt, NOW + 375);
    const slow = ending(failedWith('retry', 9000));
    assert.equal(
      slow.kind === 'move' && slow.patch.nextRunAt,
      NOW + 9000,
      'Retry-After is honoured',
    );
    for (const kind of ['reject', 'uncertain', 'channel', 'retry'] as const) {
      const a = failedWith(kind);
      assertLegal('SUBMITTING', a);
      assert.equal(a.filter((x) => x.kind === 'log').length, 1, `${kind} is logged once`);
    }
  });
});

describe('UNCERTAIN: decideReconcile', () => {
  const lost = { submittedAt: NOW - 10_000, uncertainSince: NOW - 9000, slotReleasedAt: null };
  const verdict = (v: LostSubmitVerdict, estimateMs: number | null = 60_000) =>
    decideReconcile(lost, { kind: 'verdict', verdict: v, estimateMs }, c);

  it('without a list, a slot or a readable list it requeues, waits or backs off', () => {
    const noList = decideReconcile(lost, { kind: 'noList' }, c);
    assert.equal(moved(noList).to, 'QUEUED');
    assertLegal('UNCERTAIN', noList);
    assert.deepEqual(decideReconcile(lost, { kind: 'noSlot', retryAfterMs: 250 }, c), [
      { kind: 'later', afterMs: 250 },
    ]);
    assert.equal(
      ending(decideReconcile(lost, { kind: 'listFailed', error: 'reset' }, c)).kind,
      'later',
    );
  });

  it('adopts a provable task with an ETA from the send time, and wakes settled peers', () => {
    const a = verdict({ kind: 'attach', upstreamTaskId: 'up-7', settledPeers: ['t2'] });
    assert.deepEqual(a[0], { kind: 'wakeUncertain', ids: ['t2'] });
    const adopt = a.find((x) => x.kind === 'adopt');
    assert.ok(adopt && adopt.kind === 'adopt');
    assert.equal(adopt.upstreamTaskId, 'up-7');
    assert.equal(adopt.patch.etaAt, NOW - 10_000 + 60_000);
    assert.equal(adopt.patch.adoptedAt, NOW);
    assert.deepEqual(adopt.onRace, { kind: 'later', afterMs: 500 });
    const noEstimate = verdict({ kind: 'attach', upstreamTaskId: 'up-7', settledPeers: [] }, null);
    assert.equal(noEstimate.find((x) => x.kind === 'adopt')?.kind, 'adopt');
  });

  it('resubmits only on proof that nothing was made', () => {
    const a = verdict({ kind: 'none', settledPeers: [] });
    const end = ending(a);
    assert.equal(end.kind === 'move' && end.to, 'QUEUED');
    assert.equal(end.kind === 'move' && end.patch.evidencePrompt, null);
    assertLegal('UNCERTAIN', a);
  });

  it('releases the running slot once, then wakes the queue after the release is written', () => {
    const a = verdict({ kind: 'wait', retryMs: 1000, releaseSlot: true, settledPeers: [] });
    assert.deepEqual(a, [
      { kind: 'later', afterMs: 1000, patch: { slotReleasedAt: NOW } },
      { kind: 'wakeQueue' },
    ]);
    const again = decideReconcile(
      { ...lost, slotReleasedAt: NOW - 3000 },
      {
        kind: 'verdict',
        verdict: { kind: 'wait', retryMs: 1000, releaseSlot: true, settledPeers: [] },
        estimateMs: 1,
      },
      c,
    );
    assert.deepEqual(again, [{ kind: 'later', afterMs: 1000 }]);
  });

  it('fails an ambiguous loss without showing any result', () => {
    const a = verdict({ kind: 'ambiguous' });
    const end = ending(a);
    assert.equal(end.kind === 'move' && end.to, 'FAILED');
    assertLegal('UNCERTAIN', a);
  });
});

describe('FETCHING: decideFetched', () => {
  const fetching = { finishedAt: NOW - 60_000 };

  it('a stored copy succeeds the task and forgets the upstream link', () => {
    const a = decideFetched(fetching, { kind: 'stored', key: 'results/t.mp4', bytes: 1234 }, c);
    assert.deepEqual(a, [
      {
        kind: 'move',
        to: 'SUCCEEDED',
        patch: { resultKey: 'results/t.mp4', resultBytes: 1234, upstreamVideoUrl: null },
      },
    ]);
    assertLegal('FETCHING', a);
  });

  it('a refusal fails at once; other failures retry until an hour before the link expires', () => {
    const refusal = { code: 'ResultTooLarge', message: 'too large' };
    const refused = decideFetched(fetching, { kind: 'failed', refusal, error: 'x' }, c);
    assert.equal(moved(refused).patch.errorCode, 'ResultTooLarge');
    const retry = decideFetched(fetching, { kind: 'failed', refusal: null, error: 'reset' }, c);
    assert.equal(ending(retry).kind, 'later');
    const late = decideFetched(
      { finishedAt: NOW - (DAY - 3600_000) },
      { kind: 'failed', refusal: null, error: 'reset' },
      c,
    );
    assert.equal(ending(late).kind, 'later', 'just inside the margin');
    const expired = decideFetched(
      { finishedAt: NOW - (DAY - 3600_000) - 1 },
      { kind: 'failed', refusal: null, error: 'reset' },
      c,
    );
    assert.equal(moved(expired).patch.errorCode, 'ResultUnavailable');
    for (const a of [refused, expired]) assertLegal('FETCHING', a);
  });
});

describe('every state has a decision', () => {
  it('the states the worker steps are exactly the open ones', () => {
    const stepped: TaskState[] = [
      'CHECKING',
      'QUEUED',
      'SUBMITTING',
      'UNCERTAIN',
      'PENDING',
      'RUNNING',
      'FETCHING',
    ];
    const finished = TASK_STATES.filter((s) => !stepped.includes(s));
    assert.deepEqual([...finished].sort(), ['CANCELED', 'FAILED', 'SUCCEEDED']);
  });
});
