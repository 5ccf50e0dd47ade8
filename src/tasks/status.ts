/** DashScope's task statuses: the only ones that ever appear on the wire. */
export const WIRE_TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
] as const;
export type WireTaskStatus = (typeof WIRE_TASK_STATUSES)[number];

/**
 * vidgate's internal task states (ADR 0003). The order is the life of a task:
 * - CHECKING: accepted; remote media is being fetched and checked before any upstream is used.
 * - QUEUED: waiting in vidgate for a channel with room under its limits.
 * - SUBMITTING: a worker holds the task and is sending it upstream.
 * - UNCERTAIN: the submit was sent but its answer was lost; reconciled through the task list.
 * - PENDING / RUNNING: the upstream task exists and is queued / running.
 * - FETCHING: the upstream succeeded; the video is being copied into vidgate's storage.
 */
export const TASK_STATES = [
  'CHECKING',
  'QUEUED',
  'SUBMITTING',
  'UNCERTAIN',
  'PENDING',
  'RUNNING',
  'FETCHING',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

const NEXT: { readonly [S in TaskState]: readonly TaskState[] } = {
  CHECKING: ['QUEUED', 'FAILED', 'CANCELED'],
  QUEUED: ['SUBMITTING', 'FAILED', 'CANCELED'],
  // back to QUEUED when the upstream asked us to retry later (429, 5xx) before creating anything
  SUBMITTING: ['PENDING', 'RUNNING', 'FETCHING', 'QUEUED', 'UNCERTAIN', 'FAILED'],
  // back to QUEUED when reconciliation proved no upstream task exists
  UNCERTAIN: ['PENDING', 'RUNNING', 'FETCHING', 'QUEUED', 'FAILED'],
  PENDING: ['RUNNING', 'FETCHING', 'FAILED', 'CANCELED'],
  RUNNING: ['FETCHING', 'FAILED', 'CANCELED'],
  FETCHING: ['SUCCEEDED', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELED: [],
};

/** Each internal state has exactly one wire status; routes render through this map only. */
export const WIRE_STATUS: { readonly [S in TaskState]: WireTaskStatus } = {
  CHECKING: 'PENDING',
  QUEUED: 'PENDING',
  SUBMITTING: 'PENDING',
  UNCERTAIN: 'PENDING',
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  FETCHING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELED: 'CANCELED',
};

export function canTransition(from: TaskState, to: TaskState): boolean {
  return NEXT[from].includes(to);
}

export function isTerminal(state: TaskState): boolean {
  return NEXT[state].length === 0;
}

/** States a worker acts on; everything else is either terminal or owned by nobody. */
export const ACTIVE_STATES: readonly TaskState[] = TASK_STATES.filter((s) => !isTerminal(s));

/** States in which an upstream task may exist and counts against the account's running limit. */
export const UPSTREAM_OPEN_STATES: readonly TaskState[] = [
  'SUBMITTING',
  'UNCERTAIN',
  'PENDING',
  'RUNNING',
];

/**
 * States in which a client's cancel is taken (DashScope cancels only PENDING tasks; all of these
 * show PENDING). In the first two nothing was sent upstream and the API cancels the task itself;
 * in the others the worker holding the task cancels it upstream, or finds it running (ADR 0015).
 */
export const CANCELABLE_STATES: readonly TaskState[] = [
  'CHECKING',
  'QUEUED',
  'SUBMITTING',
  'UNCERTAIN',
  'PENDING',
];
export const CANCELED_WITHOUT_UPSTREAM: readonly TaskState[] = ['CHECKING', 'QUEUED'];

export function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}

export class TransitionError extends Error {
  constructor(
    readonly from: TaskState,
    readonly to: TaskState,
  ) {
    super(`illegal task transition ${from} -> ${to}`);
    this.name = 'TransitionError';
  }
}

export function assertTransition(from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) throw new TransitionError(from, to);
}
