import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTestPostgres } from '../../test/support/postgres.js';
import { openDatabase, type Db, type StoreLocation } from './database.js';
import { registerPostgresDialect } from './postgres-dialect.js';

registerPostgresDialect();

const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

async function locationFor(dialect: 'sqlite' | 'postgres'): Promise<StoreLocation> {
  if (dialect === 'postgres')
    return { kind: 'postgres', url: await (await testPostgres).createDatabase() };
  const dir = mkdtempSync(join(tmpdir(), 'vidgate-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return { kind: 'sqlite', path: join(dir, 'vidgate.db') };
}

/** Runs `fn` on every handle at once; returns the [enter, leave] order of the runs. */
async function raceExclusive(handles: Db[], holdMs: number): Promise<string[]> {
  const events: string[] = [];
  await Promise.all(
    handles.map((db, n) =>
      db.exclusive(async () => {
        events.push(`enter ${n}`);
        await sleep(holdMs);
        events.push(`leave ${n}`);
      }),
    ),
  );
  return events;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`startup lock on ${dialect}`, () => {
    after(async () => {
      if (dialect === 'postgres') await (await testPostgres).stop();
    });

    it('lets one holder at a time run, across handles with their own connections', async (t) => {
      const location = await locationFor(dialect);
      const handles = await Promise.all([1, 2, 3, 4].map(() => openDatabase(location)));
      t.after(() => Promise.all(handles.map((h) => h.close())));
      const events = await raceExclusive(handles, 50);
      assert.equal(events.length, 8);
      for (let i = 0; i < events.length; i += 2) {
        const holder = events[i]?.split(' ')[1];
        assert.equal(events[i], `enter ${holder}`, events.join(', '));
        assert.equal(events[i + 1], `leave ${holder}`, `overlap: ${events.join(', ')}`);
      }
    });

    it('releases the lock when the holder fails, and passes the failure on', async (t) => {
      const location = await locationFor(dialect);
      const [a, b] = await Promise.all([openDatabase(location), openDatabase(location)]);
      assert.ok(a && b);
      t.after(() => Promise.all([a.close(), b.close()]));
      const failing = a.exclusive(() => Promise.reject(new Error('bootstrap broke')));
      const next = b.exclusive(() => Promise.resolve('ran'));
      await assert.rejects(failing, /bootstrap broke/);
      assert.equal(await next, 'ran');
    });
  });
}
