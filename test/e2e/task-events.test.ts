import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import { imageDataUri, makeTempDir, removeDir, taskBodySchema } from './helpers.js';

const KEY = 'sk-sim-task-events-0123456789';
const TOKEN = 'vg_task_events_token_0123456789abcdefghijklmn';
const TASKS = 24;
const KILLS = 4;

const eventsSchema = z.object({
  request_id: z.string(),
  output: z.object({
    task_id: z.string(),
    events: z.array(
      z.strictObject({
        seq: z.number(),
        time: z.string(),
        from: z.string().optional(),
        to: z.string(),
        task_status: z.string(),
        upstream_task_id: z.string().optional(),
        code: z.string().optional(),
        message: z.string().optional(),
        usage: z.record(z.string(), z.unknown()).optional(),
        attempts: z.number().optional(),
        result_bytes: z.number().optional(),
      }),
    ),
  }),
});

/**
 * ADR 0013: every state change writes one event in the same statement. vidgate is SIGKILLed
 * again and again while tasks move through every state; afterwards each task's events must form
 * one unbroken chain (1, 2, 3…, each starting where the last ended) ending in its stored state.
 */
describe('task events across SIGKILLs', () => {
  let sim: DashScopeSimulator;
  let dataDir = '';
  let proc: VidgateProcess | undefined;

  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: 200, runMs: 700 },
      createLatencyMs: [100, 400],
    });
    dataDir = makeTempDir('task-events');
  });
  after(async () => {
    await proc?.kill();
    await sim.close();
    removeDir(dataDir);
  });

  const env = () => ({
    VIDGATE_DATA_DIR: dataDir,
    VIDGATE_BOOTSTRAP_TOKEN: TOKEN,
    VIDGATE_LOG_LEVEL: 'warn',
    DASHSCOPE_API_KEY: KEY,
    DASHSCOPE_HTTP_BASE_URL: sim.url,
    VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '5',
    VIDGATE_RECONCILE_WINDOW_SECONDS: '6',
    VIDGATE_LEASE_SECONDS: '3',
  });

  async function call(p: VidgateProcess, method: string, path: string, body?: unknown) {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json();
    return { status: res.status, json };
  }

  it('every task has one unbroken chain of events that ends in its state', async () => {
    const image = await imageDataUri(320, 240);
    proc = await startVidgateProcess({ env: env() });
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const res = await call(proc, 'POST', '/task/bailian/image2video', {
        model: 'wan2.6-i2v-flash',
        input: { prompt: `events scene ${i}`, img_url: image },
        parameters: { resolution: '720P', duration: 5 },
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      ids.push(taskBodySchema.parse(res.json).output.task_id);
    }
    // kills land wherever the tasks are: submitting, running, copying results
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 600 + k * 350));
      await proc.kill('SIGKILL');
      proc = await startVidgateProcess({ env: env() });
    }
    const deadline = Date.now() + 150_000;
    const open = new Set(ids);
    while (open.size > 0) {
      assert.ok(Date.now() < deadline, `${open.size} of ${ids.length} tasks still open`);
      for (const id of [...open]) {
        const body = taskBodySchema.parse((await call(proc, 'GET', `/task/${id}`)).json);
        if (['SUCCEEDED', 'FAILED'].includes(body.output.task_status)) open.delete(id);
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    // the API: the chain of one task, as its owner reads it
    const shown = eventsSchema.parse((await call(proc, 'GET', `/task/${ids[0]}/events`)).json);
    const chain = shown.output.events;
    assert.equal(chain[0]?.from, undefined);
    assert.equal(chain.at(-1)?.task_status, 'SUCCEEDED', JSON.stringify(chain));
    assert.ok(
      chain.some((e) => e.upstream_task_id !== undefined),
      'the event that learned the upstream task id carries it',
    );
    assert.deepEqual(
      eventsSchema.parse((await call(proc, 'GET', '/task/task_unknown/events')).json).output.events,
      [],
    );
    await proc.kill('SIGTERM');

    // the store: every task's chain, read straight from the file
    const db = new Database(join(dataDir, 'vidgate.db'), { readonly: true });
    try {
      const states = db.prepare('SELECT id, state FROM tasks').all() as {
        id: string;
        state: string;
      }[];
      assert.equal(states.length, TASKS);
      const events = db.prepare(
        'SELECT seq, from_state AS "from", to_state AS "to" FROM task_events WHERE task_id = ? ORDER BY seq',
      );
      for (const t of states) {
        const rows = events.all(t.id) as { seq: number; from: string | null; to: string }[];
        assert.ok(rows.length >= 3, `${t.id}: ${JSON.stringify(rows)}`);
        rows.forEach((e, i) => {
          assert.equal(e.seq, i + 1, `${t.id}: seq`);
          assert.equal(
            e.from,
            i === 0 ? null : rows[i - 1]?.to,
            `${t.id}: ${JSON.stringify(rows)}`,
          );
        });
        assert.equal(rows.at(-1)?.to, t.state, `${t.id}: the last event is the stored state`);
      }
    } finally {
      db.close();
    }
  });
});
