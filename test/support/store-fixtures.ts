import { AccountStore } from '../../src/store/account-store.js';
import type { ChannelRow } from '../../src/store/channel-store.js';
import { openDatabase } from '../../src/store/database.js';
import { TaskStore, type NewTask } from '../../src/store/task-store.js';
import type { Backend } from './store-backends.js';

/** Rows for the store contract suites (SQLite and PostgreSQL alike). */
export const T0 = 1_700_000_000_000;

export function channel(id: string, patch: Partial<ChannelRow> = {}): ChannelRow {
  return {
    id,
    name: `name-${id}`,
    provider: 'sandbox',
    settings: '{}',
    models: '["wan2.2-t2v-plus"]',
    priority: 0,
    weight: 1,
    limits: '{}',
    enabled: 1,
    pausedUntil: null,
    pauseReason: null,
    createdAt: T0,
    ...patch,
  };
}

export function task(id: string, patch: Partial<NewTask> = {}): NewTask {
  return {
    id,
    accountId: 'acc-1',
    tokenId: 'tok-1',
    model: 'wan2.2-t2v-plus',
    mode: 't2v',
    request: '{"model":"wan2.2-t2v-plus"}',
    state: 'QUEUED',
    nextRunAt: T0,
    createdAt: T0,
    updatedAt: T0,
    dispatchDeadline: T0 + 600_000,
    ...patch,
  };
}

/** Distinct evidence per task, as requests with distinct prompts carry (ADR 0011). */
export function evidenceOf(id: string): { evidencePrompt: string; evidenceSeconds: number } {
  return { evidencePrompt: `prompt-of-${id}`, evidenceSeconds: 5 };
}

export interface TestEnd {
  after(fn: () => Promise<void>): void;
}

/** A migrated, empty database with one account, closed when the test ends. */
export async function freshStoreOf(backend: Backend, t: TestEnd) {
  const location = await backend.empty();
  const db = await openDatabase(location);
  t.after(() => db.close());
  await new AccountStore(db.kysely).createAccount({ id: 'acc-1', name: 'one', createdAt: T0 });
  return { db, location, tasks: new TaskStore(db.kysely, db.capabilities) };
}
