import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChannelPool, type Channel } from '../channels/channel-pool.js';
import { ensureStartupChannels } from '../channels/startup-channels.js';
import { loadConfig } from '../config/load.js';
import { taskRequestOf } from '../models/task-request.js';
import { createServices, type Services } from '../services/create-services.js';
import { newId } from '../shared/ids.js';
import { startDashScopeSimulator, type DashScopeSimulator } from '../simulator/simulator.js';
import type { NewTask } from '../store/task-store.js';
import { ChannelBudgets, type Taken } from './channel-budget.js';
import { StatusSweeper } from './status-sweeper.js';

const KEY = 'sk-sweeper-unit-0123456789';
const T0 = 1_800_000_000_000;
const QUEUE_MS = 1000;
const RUN_MS = 5000;

/**
 * The sweep on a fake clock: vidgate, the simulator and the sweep's sleep all read one clock that
 * only the test moves, so the sweep's waits are driven without a real timer and nothing here
 * depends on how fast the machine is. The store, the budget, the client and the simulator are
 * the real ones, over loopback HTTP.
 */
describe('StatusSweeper under a fake clock', () => {
  const clock = { t: T0, now: () => clock.t };
  let dir = '';
  let sim: DashScopeSimulator;
  let s: Services;
  let pool: ChannelPool;
  let channel: Channel;
  let budgets: ChannelBudgets;
  let accountId = '';
  /** what each sleep was asked for, and whether per-task polls were told to step aside */
  const sleeps: { ms: number; sweepWaiting: boolean }[] = [];
  let sweeper: StatusSweeper;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vg-sweeper-'));
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: QUEUE_MS, runMs: RUN_MS },
      clock,
    });
    const config = loadConfig({
      VIDGATE_DATA_DIR: dir,
      VIDGATE_LOG_LEVEL: 'silent',
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
    });
    s = await createServices(config, { clock });
    await ensureStartupChannels(s.channels, config.providers);
    accountId = await s.tokens.ensureAccount('default');
    pool = new ChannelPool(
      s.channelStore,
      s.buildProvider,
      (row, def) => s.channels.readSettings(row, def),
      s.logger,
    );
    await pool.refresh();
    const listing = pool.all().find((c) => c.enabled && c.definition.capabilities.listTasks);
    assert.ok(listing, 'the startup channel lists tasks');
    channel = listing;
    budgets = new ChannelBudgets(s.limiter, clock);
    sweeper = new StatusSweeper({
      tasks: s.taskStore,
      channels: pool,
      budgets,
      clock,
      logger: s.logger,
      sleep: (ms) => {
        sleeps.push({ ms, sweepWaiting: budgets.of(channel).sweepWaiting });
        clock.t += ms;
        return Promise.resolve();
      },
    });
  });
  after(async () => {
    await channel.provider.close?.();
    await s.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A task submitted upstream now, and its row as the worker leaves it: PENDING, unleased. */
  async function submitted(prompt: string): Promise<string> {
    const id = newId('task', clock.now());
    const body = { model: 'wan2.6-t2v', input: { prompt }, parameters: { duration: 5 } };
    const res = await channel.provider.submit(taskRequestOf(body), { requestId: id });
    const row: NewTask = {
      id,
      accountId,
      tokenId: 'tok_test',
      model: body.model,
      mode: 'text',
      request: JSON.stringify(body),
      state: 'PENDING',
      channelId: channel.id,
      upstreamTaskId: res.upstreamTaskId,
      nextRunAt: clock.now() + 600_000,
      createdAt: clock.now(),
      updatedAt: clock.now(),
      dispatchDeadline: clock.now() + 3_600_000,
      submittedAt: clock.now(),
      attempts: 1,
    };
    await s.taskStore.insert(row);
    return id;
  }

  const stateOf = async (id: string) => {
    const row = await s.taskStore.get(id);
    return { state: row?.state, dueReason: row?.dueReason, nextRunAt: Number(row?.nextRunAt) };
  };

  it('moves tasks the list shows running, then makes the finished ones due to confirm', async () => {
    const a = await submitted('a heron at dawn');
    const b = await submitted('a heron at dusk');
    clock.t += QUEUE_MS + 100;
    await sweeper.sweep();
    assert.equal((await stateOf(a)).state, 'RUNNING');
    assert.equal((await stateOf(b)).state, 'RUNNING');
    assert.equal(sweeper.watching(channel.id, clock.now()), true, 'one complete cycle: watched');
    assert.equal((await stateOf(a)).dueReason, null);

    clock.t += RUN_MS + 100;
    const due = await sweeper.sweep();
    assert.equal(due, 2);
    for (const id of [a, b]) {
      const now = await stateOf(id);
      assert.equal(now.dueReason, 'confirm');
      assert.ok(now.nextRunAt <= clock.now(), 'due now, ahead of its poll ten minutes out');
      assert.equal(now.state, 'RUNNING', 'the list only hurries a finish; the query confirms it');
    }
    assert.deepEqual(sleeps, [], 'slots were free: the sweep never waited');
  });

  it('waits for the account’s query count on the injected sleep, polls stepping aside meanwhile', async () => {
    const c = await submitted('a heron in rain');
    clock.t += QUEUE_MS + 100;
    // every query slot of the account taken and still in flight
    const held: Taken[] = [];
    for (;;) {
      const t = await budgets.of(channel).takeQuery();
      if (!t.ok) break;
      held.push(t);
    }
    assert.ok(held.length > 0);
    await sweeper.sweep();
    assert.ok(sleeps.length > 0, 'the sweep waited for a slot');
    assert.ok(
      sleeps.every((w) => w.sweepWaiting),
      'while it waits, per-task polls in the process are told to step aside',
    );
    assert.equal(budgets.of(channel).sweepWaiting, false, 'and no longer once it gave up');
    assert.equal((await stateOf(c)).state, 'PENDING', 'no slot, no list read');

    for (const t of held) if (t.ok) await t.settle();
    clock.t += 1200;
    sleeps.length = 0;
    await sweeper.sweep();
    assert.equal(
      (await stateOf(c)).state,
      'RUNNING',
      'read once the answered slots left the window',
    );
  });
});
