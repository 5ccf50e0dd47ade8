import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simTaskIdOf } from '../../src/simulator/sim-video.js';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import { imageDataUri, makeTempDir, removeDir, taskBodySchema } from './helpers.js';

const KEY = 'sk-sim-kill-drill-0123456789';
const TOKEN = 'vg_kill_drill_token_0123456789abcdefghijklmnop';
const TASKS = 10;

/**
 * ADR 0011 with a real SIGKILL: the vidgate process dies while creates whose answers take about
 * 1.5 s are on the wire (the upstream still makes those tasks), restarts on the same database,
 * and every task must end with the video made for its own request, each made once.
 */
describe('SIGKILL during creates with slow create answers, then restart', () => {
  let sim: DashScopeSimulator;
  let dataDir = '';
  let proc: VidgateProcess | undefined;

  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: 100, runMs: 800 },
      createLatencyMs: [1300, 1700],
    });
    dataDir = makeTempDir('kill-creates');
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
    VIDGATE_RECONCILE_WINDOW_SECONDS: '8',
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
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  it('every task ends with its own video and no upstream task is made twice', async () => {
    const image = await imageDataUri(320, 240);
    proc = await startVidgateProcess({ env: env() });
    const prompts = Array.from({ length: TASKS }, (_, i) => `kill drill scene ${i}`);
    const ids: string[] = [];
    for (const prompt of prompts) {
      const res = await call(proc, 'POST', '/task/bailian/image2video', {
        model: 'wan2.6-i2v-flash',
        input: { prompt, img_url: image },
        parameters: { resolution: '720P', duration: 5 },
      });
      assert.equal(res.status, 200, res.bytes.toString());
      ids.push(taskBodySchema.parse(JSON.parse(res.bytes.toString())).output.task_id);
    }
    // kill while a create is on the wire: it reached the simulator, which holds it 1.3–1.7 s
    // before making the task. Waiting for that instead of a fixed delay keeps the test true on a
    // loaded machine, where vidgate may take longer than any fixed delay to send its first create.
    const arrived = () => sim.stats().accounts['acct']?.createRequests ?? 0;
    const deadlineOnWire = Date.now() + 60_000;
    while (arrived() <= sim.tasks().length) {
      assert.ok(Date.now() < deadlineOnWire, 'vidgate never sent a create');
      await new Promise((r) => setTimeout(r, 5));
    }
    await proc.kill('SIGKILL');
    const createdAtKill = sim.tasks().length;
    await new Promise((r) => setTimeout(r, 2000));
    const madeWhileDead = sim.tasks().length - createdAtKill;
    assert.ok(madeWhileDead >= 1, 'some creates were still on the wire when the process died');

    proc = await startVidgateProcess({ env: env() });
    const deadline = Date.now() + 120_000;
    const finals = new Map<string, ReturnType<typeof taskBodySchema.parse>>();
    while (finals.size < ids.length) {
      assert.ok(Date.now() < deadline, `only ${finals.size} of ${ids.length} tasks finished`);
      for (const id of ids) {
        if (finals.has(id)) continue;
        const res = await call(proc, 'GET', `/task/${id}`);
        const body = taskBodySchema.parse(JSON.parse(res.bytes.toString()));
        if (['SUCCEEDED', 'FAILED'].includes(body.output.task_status)) finals.set(id, body);
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    const upstream = sim.tasks();
    assert.deepEqual(sim.stats().duplicateClientRequestIds, [], 'no upstream task made twice');
    assert.equal(upstream.length, TASKS);
    for (const [i, id] of ids.entries()) {
      const body = finals.get(id);
      assert.equal(body?.output.task_status, 'SUCCEEDED', JSON.stringify(body));
      const link = new URL(body?.output.video_url ?? '');
      const video = await call(proc, 'GET', `${link.pathname}${link.search}`);
      assert.equal(video.status, 200);
      const madeFor = upstream.find((t) => t.taskId === simTaskIdOf(video.bytes));
      assert.ok(madeFor, `task ${id}: the video names no upstream task`);
      assert.equal(madeFor.clientRequestId, id, `task ${id} holds another request's video`);
      assert.equal(madeFor.body.input.prompt, prompts[i]);
    }
    const leftovers = readdirSync(join(dataDir, 'results')).filter((n) => n.endsWith('.part'));
    assert.deepEqual(leftovers, []);
  });
});
