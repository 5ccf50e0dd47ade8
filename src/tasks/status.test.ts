import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTIVE_STATES,
  CANCELABLE_STATES,
  CANCELED_WITHOUT_UPSTREAM,
  TASK_STATES,
  TransitionError,
  WIRE_STATUS,
  WIRE_TASK_STATUSES,
  assertTransition,
  canTransition,
  isTaskState,
  isTerminal,
  type TaskState,
  type WireTaskStatus,
} from './status.js';

const exits = (from: TaskState): TaskState[] => TASK_STATES.filter((to) => canTransition(from, to));

function reachableFrom(start: TaskState): Set<TaskState> {
  const seen = new Set<TaskState>([start]);
  const queue: TaskState[] = [start];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const next of exits(s)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/** Order of wire statuses along a task's life; a client must never see one go backwards. */
const WIRE_RANK: Record<WireTaskStatus, number> = {
  PENDING: 0,
  RUNNING: 1,
  SUCCEEDED: 2,
  FAILED: 2,
  CANCELED: 2,
  UNKNOWN: -1,
};

void describe('task state machine', () => {
  it('has no exits from a terminal state', () => {
    const terminal = TASK_STATES.filter(isTerminal);
    assert.deepEqual([...terminal].sort(), ['CANCELED', 'FAILED', 'SUCCEEDED']);
    for (const s of terminal) assert.deepEqual(exits(s), [], s);
  });

  it('lets every non-terminal state reach a terminal one', () => {
    for (const s of TASK_STATES.filter((x) => !isTerminal(x))) {
      const reach = [...reachableFrom(s)];
      assert.ok(reach.some(isTerminal), `${s} reaches a terminal state`);
      assert.ok(reachableFrom(s).has('FAILED'), `${s} can always fail`);
    }
  });

  it('reaches every state from the entry state, and nothing returns to it', () => {
    assert.deepEqual([...reachableFrom('CHECKING')].sort(), [...TASK_STATES].sort());
    for (const s of TASK_STATES) assert.equal(canTransition(s, 'CHECKING'), false, s);
  });

  it('never moves a state to itself', () => {
    for (const s of TASK_STATES) assert.equal(canTransition(s, s), false, s);
  });

  it('assertTransition throws TransitionError exactly for the moves the table forbids', () => {
    let illegal = 0;
    for (const from of TASK_STATES) {
      for (const to of TASK_STATES) {
        if (canTransition(from, to)) {
          assert.doesNotThrow(() => assertTransition(from, to), `${from} -> ${to}`);
        } else {
          illegal += 1;
          assert.throws(
            () => assertTransition(from, to),
            (err: unknown) =>
              err instanceof TransitionError &&
              err.from === from &&
              err.to === to &&
              err.message.includes(`${from} -> ${to}`),
          );
        }
      }
    }
    assert.ok(illegal > 0);
    assert.throws(() => assertTransition('SUCCEEDED', 'RUNNING'), TransitionError);
    assert.throws(() => assertTransition('RUNNING', 'PENDING'), TransitionError);
  });

  it('lists exactly the non-terminal states as active', () => {
    assert.deepEqual(
      [...ACTIVE_STATES],
      TASK_STATES.filter((s) => !isTerminal(s)),
    );
  });

  it('recognises only its own state names', () => {
    for (const s of TASK_STATES) assert.ok(isTaskState(s));
    for (const s of ['UNKNOWN', 'queued', '', 'DONE']) assert.equal(isTaskState(s), false, s);
  });
});

void describe('wire statuses', () => {
  it('maps every internal state to exactly one DashScope status, never UNKNOWN', () => {
    assert.deepEqual(Object.keys(WIRE_STATUS).sort(), [...TASK_STATES].sort());
    for (const s of TASK_STATES) {
      assert.ok((WIRE_TASK_STATUSES as readonly string[]).includes(WIRE_STATUS[s]), s);
      assert.notEqual(WIRE_STATUS[s], 'UNKNOWN', s);
    }
  });

  it('uses every wire status except UNKNOWN (the answer for tasks nobody may see)', () => {
    const used = new Set(TASK_STATES.map((s) => WIRE_STATUS[s]));
    assert.deepEqual([...used].sort(), WIRE_TASK_STATUSES.filter((w) => w !== 'UNKNOWN').sort());
  });

  it('shows terminal states as terminal wire statuses and the rest as PENDING/RUNNING', () => {
    for (const s of TASK_STATES) {
      const wire = WIRE_STATUS[s];
      if (isTerminal(s)) assert.equal(wire, s, `${s} is shown as itself`);
      else assert.ok(wire === 'PENDING' || wire === 'RUNNING', `${s} -> ${wire}`);
    }
  });

  it('never lets a client see the status go backwards', () => {
    for (const from of TASK_STATES) {
      for (const to of exits(from)) {
        assert.ok(
          WIRE_RANK[WIRE_STATUS[to]] >= WIRE_RANK[WIRE_STATUS[from]],
          `${from} (${WIRE_STATUS[from]}) -> ${to} (${WIRE_STATUS[to]})`,
        );
      }
    }
  });

  it('cancels directly only where nothing went upstream; cancelable states all show PENDING', () => {
    // the API moves these to CANCELED itself (ADR 0015): each must allow it
    for (const s of CANCELED_WITHOUT_UPSTREAM) {
      assert.ok(CANCELABLE_STATES.includes(s), s);
      assert.ok(canTransition(s, 'CANCELED'), `${s} -> CANCELED`);
    }
    // a submit in flight or lost is never canceled behind the worker's back: it is canceled
    // upstream from PENDING, or goes back to QUEUED and is canceled there
    for (const s of ['SUBMITTING', 'UNCERTAIN'] as const) {
      assert.ok(!canTransition(s, 'CANCELED'), `${s} -> CANCELED`);
      assert.ok(canTransition(s, 'PENDING') && canTransition(s, 'QUEUED'), s);
    }
    assert.ok(canTransition('PENDING', 'CANCELED'));
    // a result being copied is paid for upstream: it is never canceled
    assert.ok(!canTransition('FETCHING', 'CANCELED'));
    // DashScope cancels only PENDING tasks: what vidgate takes a cancel for must show PENDING
    assert.deepEqual(
      TASK_STATES.filter((s) => WIRE_STATUS[s] === 'PENDING'),
      [...CANCELABLE_STATES],
    );
  });
});
