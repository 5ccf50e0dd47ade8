import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imageDataUri, mediaTools } from '../../test/e2e/helpers.js';
import { Refusal } from '../contract/refusal.js';
import { buildMediaChecker } from '../media/build-media-checker.js';
import type { Clock } from '../shared/clock.js';
import { LocalDiskStorage } from '../storage/local-disk-storage.js';
import { AccountStore } from '../store/account-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { IDEMPOTENCY_KEY_TTL_MS } from '../store/idempotency-keys.js';
import { TaskStore } from '../store/task-store.js';
import { TaskInputs } from './task-inputs.js';
import { TaskService, type Caller } from './task-service.js';

const T0 = 1_700_000_000_000;
const CALLER: Caller = { accountId: 'acc-1', tokenId: 'tok-1' };

function t2v(prompt: string) {
  return { model: 'wan2.6-t2v', input: { prompt }, parameters: { duration: 5 } };
}

/** The service over a real SQLite file and real disk storage, on a clock the test moves. */
describe('TaskService creates with an Idempotency-Key', () => {
  let dir = '';
  let db: Db;
  let service: TaskService;
  let now = T0;
  const clock: Clock = { now: () => now };
  const taskCount = async () =>
    Number(
      (
        await db.kysely
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vidgate-task-service-'));
    db = await openDatabase({ kind: 'sqlite', path: join(dir, 'vidgate.db') });
    await new AccountStore(db.kysely).createAccount({ id: 'acc-1', name: 'one', createdAt: T0 });
    const { media } = buildMediaChecker({ dataDir: dir, mediaAllowHosts: [] }, mediaTools());
    service = new TaskService(new TaskStore(db.kysely, db.capabilities), clock, {
      dispatchTimeoutMs: 600_000,
      media,
      inputs: new TaskInputs(new LocalDiskStorage(dir)),
    });
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays for 24 hours after the create and makes a new task after that', async () => {
    now = T0;
    const first = await service.create(CALLER, 'text', t2v('a day long'), 'day-key');
    assert.equal(first.replayed, false);
    now = T0 + IDEMPOTENCY_KEY_TTL_MS - 1;
    const replay = await service.create(CALLER, 'text', t2v('a day long'), 'day-key');
    assert.deepEqual([replay.id, replay.replayed], [first.id, true]);
    const before = await taskCount();
    now = T0 + IDEMPOTENCY_KEY_TTL_MS;
    // past its time the key is free, also for another body
    const fresh = await service.create(CALLER, 'text', t2v('the next day'), 'day-key');
    assert.notEqual(fresh.id, first.id);
    assert.equal(fresh.replayed, false);
    assert.equal(await taskCount(), before + 1);
    const again = await service.create(CALLER, 'text', t2v('the next day'), 'day-key');
    assert.deepEqual([again.id, again.replayed], [fresh.id, true]);
  });

  it('refuses another body under a live key with BadRequest.IdempotencyKeyReused', async () => {
    now = T0;
    const first = await service.create(CALLER, 'text', t2v('body one'), 'mismatch-key');
    const before = await taskCount();
    await assert.rejects(
      service.create(CALLER, 'text', t2v('body two'), 'mismatch-key'),
      (err: unknown) =>
        err instanceof Refusal &&
        err.code === 'BadRequest.IdempotencyKeyReused' &&
        err.message.includes(first.id),
    );
    assert.equal(await taskCount(), before);
  });

  it('keeps the inline media of the one task that concurrent keyed creates made', async () => {
    now = T0;
    const image = await imageDataUri(320, 240);
    const body = { model: 'wan2.6-i2v-flash', input: { prompt: 'inline race', img_url: image } };
    const made = await Promise.all(
      Array.from({ length: 8 }, () => service.create(CALLER, 'first-frame', body, 'inline-key')),
    );
    const ids = new Set(made.map((t) => t.id));
    assert.equal(ids.size, 1);
    const [id] = ids;
    assert.ok(id);
    // the losers stored a copy of the image under their own task id before they lost: gone
    const inputs = join(dir, 'inputs');
    const left = existsSync(inputs)
      ? readdirSync(inputs).filter((n) => readdirSync(join(inputs, n)).length > 0)
      : [];
    assert.deepEqual(left, [id]);
  });
});
