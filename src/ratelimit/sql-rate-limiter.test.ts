import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import fc from 'fast-check';
import { withTestPostgres } from '../../test/support/postgres.js';
import { openDatabase, type Db, type StoreLocation } from '../store/database.js';
import { registerPostgresDialect } from '../store/postgres-dialect.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { SqlRateLimiter, type RateLimitTables } from './sql-rate-limiter.js';

registerPostgresDialect();

const DIALECTS = ['sqlite', 'postgres'] as const;
// boots while the SQLite suite runs; awaited (and any start failure reported) by the other
const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);
const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

interface TestLocation {
  location: StoreLocation;
  close(): Promise<void>;
}

/** One database per dialect; keys are unique per test, so tests do not see each other's events. */
async function openLocation(dialect: (typeof DIALECTS)[number]): Promise<TestLocation> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vidgate-ratelimit-'));
    return {
      location: { kind: 'sqlite', path: join(dir, 'vidgate.db') },
      close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const server = await testPostgres;
  return {
    location: { kind: 'postgres', url: await server.createDatabase() },
    close: () => server.stop(),
  };
}

function countEvents(db: Db, key: string): Promise<number> {
  return db.kysely
    .withTables<RateLimitTables>()
    .selectFrom('rateEvents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', '=', key)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

for (const dialect of DIALECTS) {
  describe(`SqlRateLimiter on ${dialect}`, () => {
    let backend: TestLocation;
    let db: Db;
    before(async () => {
      backend = await openLocation(dialect);
      db = await openDatabase(backend.location);
    });
    after(async () => {
      await db.close();
      await backend.close();
    });

    it('frees a slot when the limit-th newest event leaves the window', async () => {
      const limiter = new SqlRateLimiter(db.kysely);
      const acquire = (now: number) => limiter.tryAcquire('example', 2, 1000, T0 + now);
      assert.deepEqual(await acquire(0), { ok: true, stamp: T0 });
      assert.deepEqual(await acquire(100), { ok: true, stamp: T0 + 100 });
      assert.deepEqual(await acquire(500), { ok: false, retryAfterMs: 500 });
      assert.deepEqual(await acquire(999), { ok: false, retryAfterMs: 1 });
      assert.deepEqual(await acquire(1000), { ok: true, stamp: T0 + 1000 });
      assert.deepEqual(await acquire(1050), { ok: false, retryAfterMs: 50 });
      assert.deepEqual(await limiter.tryAcquire('example', 0, 1000, T0 + 5000), {
        ok: false,
        retryAfterMs: 1000,
      });
    });

    it('holds an event in flight, then counts it a window past its settlement', async () => {
      const limiter = new SqlRateLimiter(db.kysely);
      const first = await limiter.tryAcquire('held', 1, 1000, T0, 60_000);
      assert.deepEqual(first, { ok: true, stamp: T0 + 60_000 });
      // blocked by a request in flight: retry one window later, not when the 60 s hold ends
      assert.deepEqual(await limiter.tryAcquire('held', 1, 1000, T0 + 5000), {
        ok: false,
        retryAfterMs: 1000,
      });
      await limiter.settle('held', T0 + 60_000, T0 + 5200);
      assert.deepEqual(await limiter.tryAcquire('held', 1, 1000, T0 + 6100), {
        ok: false,
        retryAfterMs: 100,
      });
      assert.equal((await limiter.tryAcquire('held', 1, 1000, T0 + 6201)).ok, true);
    });

    it('settles only the caller’s event when two in flight were sent in the same millisecond', async () => {
      const limiter = new SqlRateLimiter(db.kysely);
      const a = await limiter.tryAcquire('twins', 2, 1000, T0, 60_000);
      const b = await limiter.tryAcquire('twins', 2, 1000, T0, 60_000);
      assert.ok(a.ok && b.ok);
      assert.notEqual(a.stamp, b.stamp, 'each event has its own stamp');
      await limiter.settle('twins', a.stamp, T0 + 100);
      // `b` is still in flight: one slot frees a window after `a`'s answer, and only one
      assert.equal((await limiter.tryAcquire('twins', 2, 1000, T0 + 1101)).ok, true);
      // (the slot then frees when the newest answered event leaves the window)
      assert.deepEqual(await limiter.tryAcquire('twins', 2, 1000, T0 + 1102), {
        ok: false,
        retryAfterMs: 999,
      });
    });

    it('answers exactly like the in-memory limiter for one caller', async () => {
      const keys = [
        { key: 'a', limit: 1, windowMs: 250 },
        { key: 'b', limit: 2, windowMs: 1000 },
        { key: 'c', limit: 3, windowMs: 500 },
      ];
      let run = 0;
      let calls = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ k: fc.integer({ min: 0, max: 2 }), dt: fc.nat(400) }), {
            maxLength: 30,
          }),
          async (steps) => {
            run += 1;
            calls += steps.length;
            const sqlLimiter = new SqlRateLimiter(db.kysely, { pruneEvery: 7 });
            const memory = new MemoryRateLimiter();
            let now = T0;
            for (const { k, dt } of steps) {
              now += dt;
              const spec = keys[k];
              assert.ok(spec);
              const key = `model-${run}-${spec.key}`;
              assert.deepEqual(
                await sqlLimiter.tryAcquire(key, spec.limit, spec.windowMs, now),
                await memory.tryAcquire(key, spec.limit, spec.windowMs, now),
              );
            }
          },
        ),
        { numRuns: 20 },
      );
      assert.ok(calls > 20, `only ${calls} acquisitions compared`);
    });

    it('prunes events no clock can count any more, by itself and on request', async () => {
      // later than every other test's events: pruning is global
      const base = T0 + 10 * DAY;
      const limiter = new SqlRateLimiter(db.kysely, { pruneEvery: 3 });
      await limiter.tryAcquire('prune-old', 5, 1000, base);
      await limiter.tryAcquire('prune-old', 5, 1000, base + 1);
      await limiter.prune(base + 1001);
      assert.equal(await countEvents(db, 'prune-old'), 2, 'kept for processes whose clock lags');
      // the third acquisition of this instance prunes everything expired by then
      await limiter.tryAcquire('prune-new', 5, 1000, base + DAY);
      assert.equal(await countEvents(db, 'prune-old'), 0);
      assert.equal(await countEvents(db, 'prune-new'), 1);
      assert.ok((await limiter.prune(base + 2 * DAY)) >= 1);
      assert.equal(await countEvents(db, 'prune-new'), 0);
    });

    it('4 limiters in separate processes never exceed 5 per 1000 ms on one key', async (t) => {
      // own pools stand for processes; SQLite supports one process, so they share its handle
      const peers = db.capabilities.supportsMultipleProcesses
        ? await Promise.all(Array.from({ length: 4 }, () => openDatabase(backend.location)))
        : [db, db, db, db];
      const granted: number[] = [];
      let attempts = 0;
      const started = Date.now();
      try {
        await Promise.all(
          peers.map(async (peer) => {
            const limiter = new SqlRateLimiter(peer.kysely);
            while (Date.now() - started < 3000) {
              const now = Date.now();
              attempts += 1;
              if ((await limiter.tryAcquire('hammered', 5, 1000, now)).ok) granted.push(now);
              await yieldToLoop();
            }
          }),
        );
      } finally {
        await Promise.all(peers.filter((p) => p !== db).map((p) => p.close()));
      }
      t.diagnostic(`${granted.length} grants in ${attempts} tries`);
      granted.sort((x, y) => x - y);
      for (let i = 0; i + 5 < granted.length; i++) {
        const [first, sixth] = [granted[i] ?? 0, granted[i + 5] ?? 0];
        assert.ok(sixth - first >= 1000, `6 grants within ${sixth - first} ms at #${i}`);
      }
      // 3 s hold 3 full windows of 5; allow for a slow machine losing part of one
      assert.ok(granted.length >= 13, `only ${granted.length} grants in 3 s (${attempts} tries)`);
      assert.ok(attempts > granted.length * 4, `the key was not contended: ${attempts} tries`);
    });
  });
}
