/**
 * Store hiccups (ADR 0016): errors after which the same statement, run again a moment later, is
 * expected to succeed. Only the statements the client-facing routes run (reads, and a create's
 * insert, which is written to be repeatable) go through `retryTransient`; a worker's conditional
 * transitions are not, since re-running one whose commit was lost would read as "another actor
 * got there first".
 */

/** SQLSTATEs of a backend that went away or refused for a moment, or of a transaction to redo. */
const PG_TRANSIENT_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** SQLite: another connection holds the write lock past busy_timeout, or a snapshot went stale. */
const SQLITE_TRANSIENT_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
  'SQLITE_LOCKED_SHAREDCACHE',
]);

const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** pg reports a dropped socket and a pool that could not connect in time by message only. */
const PG_TRANSIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
];

export function isTransientStoreError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (PG_TRANSIENT_STATES.has(code) || SQLITE_TRANSIENT_CODES.has(code)) return true;
    if (SOCKET_CODES.has(code)) return true;
  }
  // an AggregateError from a connect to several addresses (localhost: ::1 and 127.0.0.1)
  if (err instanceof AggregateError) return err.errors.some(isTransientStoreError);
  return PG_TRANSIENT_MESSAGES.some((m) => err.message.startsWith(m));
}

/**
 * The store stayed unavailable for the whole retry budget. The HTTP edge answers it 503 with
 * Retry-After (ADR 0016); nothing of the request was stored, or what was is repeatable.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    options: { cause: unknown },
  ) {
    super('the store is unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}

export interface RetryPolicy {
  /** no new attempt starts after this long since the first (default 4 s) */
  budgetMs: number;
  /** the first pause; each next one doubles, up to maxDelayMs */
  firstDelayMs: number;
  maxDelayMs: number;
  /** what a client is told to wait when the budget runs out */
  retryAfterSeconds: number;
}

/**
 * A few seconds: enough for a backend restart or a killed connection to be replaced, well inside
 * the route timeout (30 s by default) and short enough that a client is not kept waiting long.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  budgetMs: 4000,
  firstDelayMs: 50,
  maxDelayMs: 800,
  retryAfterSeconds: 2,
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` again after a transient store error, with doubling pauses (jittered so that
 * requests failed together do not return together), until it succeeds, fails otherwise, or the
 * budget is spent: then StoreUnavailableError. `attempt` must be safe to repeat as a whole.
 */
export async function retryTransient<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<T> {
  const started = Date.now();
  let delay = policy.firstDelayMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransientStoreError(err)) throw err;
      const wait = delay / 2 + Math.random() * (delay / 2);
      if (Date.now() - started + wait > policy.budgetMs) {
        throw new StoreUnavailableError(policy.retryAfterSeconds, { cause: err });
      }
      await pause(wait);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
