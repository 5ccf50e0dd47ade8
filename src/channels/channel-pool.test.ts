import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { createServices, type Services } from '../services/create-services.js';
import { ChannelPool } from './channel-pool.js';

/** The pool over a real SQLite store and real sandbox providers (no account needed). */
describe('ChannelPool', () => {
  let dir = '';
  let s: Services;
  let pool: ChannelPool;
  const NOW = 1_800_000_000_000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vg-pool-'));
    s = await createServices(loadConfig({ VIDGATE_DATA_DIR: dir, VIDGATE_LOG_LEVEL: 'silent' }));
    const add = (name: string, extra: Record<string, unknown>) =>
      s.channels.create({ name, provider: 'sandbox', settings: {}, ...extra });
    await add('high', { priority: 10, models: ['wan2.6-i2v'] });
    await add('low-a', { priority: 1, weight: 1, models: ['*'] });
    await add('low-b', { priority: 1, weight: 3, models: ['*'] });
    await add('off', { priority: 20, enabled: false, models: ['*'] });
    pool = new ChannelPool(
      s.channelStore,
      s.buildProvider,
      (row, def) => s.channels.readSettings(row, def),
      s.logger,
    );
    await pool.refresh();
  });
  after(async () => {
    await pool.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const names = (model: string, random = () => 0, now = NOW) =>
    pool.candidates(model, now, random).map((c) => c.name);

  it('offers enabled channels serving the model, highest priority first', () => {
    assert.deepEqual(names('wan2.6-i2v').slice(0, 1), ['high']);
    assert.equal(names('wan2.6-i2v').includes('off'), false, 'a disabled channel is never offered');
    assert.equal(names('wan2.6-r2v').includes('high'), false, 'nor one that does not serve it');
  });

  it('orders one priority by weight: a draw picks each in proportion to it', () => {
    // total weight 4: draws below 1/4 pick low-a first, the rest low-b
    assert.deepEqual(
      names('wan2.6-r2v', () => 0.2),
      ['low-a', 'low-b'],
    );
    assert.deepEqual(
      names('wan2.6-r2v', () => 0.3),
      ['low-b', 'low-a'],
    );
  });

  it('leaves a paused channel out until its pause ends, in this process and after a refresh', async () => {
    const high = pool.all().find((c) => c.name === 'high');
    assert.ok(high);
    await pool.pause(high.id, NOW + 60_000, 'Arrearage');
    assert.equal(names('wan2.6-i2v').includes('high'), false);
    assert.equal(names('wan2.6-i2v', () => 0, NOW + 60_000)[0], 'high', 'back when the pause ends');
    await pool.refresh();
    assert.equal(
      names('wan2.6-i2v').includes('high'),
      false,
      'the pause is stored, not only kept here',
    );
  });

  it('keeps a channel’s provider instance while its settings are unchanged', async () => {
    const before = pool.all().find((c) => c.name === 'low-a')?.provider;
    await pool.refresh();
    assert.equal(pool.all().find((c) => c.name === 'low-a')?.provider, before);
    const row = await s.channelStore.findByName('low-a');
    assert.ok(row);
    await s.channelStore.update(row.id, { settings: JSON.stringify({ maxConcurrentRenders: 1 }) });
    await pool.refresh();
    assert.notEqual(pool.all().find((c) => c.name === 'low-a')?.provider, before, 'rebuilt');
  });
});
