/** What a store backend can do; callers ask these flags, never the backend's name. */
export interface StoreCapabilities {
  /** `FOR UPDATE SKIP LOCKED` in the claim; without it the claim relies on a single writer. */
  readonly supportsSkipLocked: boolean;
  /** `SELECT … FOR UPDATE` serialises writers on one row across connections */
  readonly supportsRowLocks: boolean;
  /** several processes may share the database safely */
  readonly supportsMultipleProcesses: boolean;
}

export const SQLITE_CAPABILITIES: StoreCapabilities = Object.freeze({
  supportsSkipLocked: false,
  supportsRowLocks: false,
  supportsMultipleProcesses: false,
});

export const POSTGRES_CAPABILITIES: StoreCapabilities = Object.freeze({
  supportsSkipLocked: true,
  supportsRowLocks: true,
  supportsMultipleProcesses: true,
});
