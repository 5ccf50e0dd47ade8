import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WireTaskStatus } from '../../src/tasks/status.js';
import {
  ffprobe,
  imageDataUri,
  makeTempDir,
  removeDir,
  startTestVidgate,
  taskBodySchema,
  type TestVidgate,
} from './helpers.js';

const TASK_TIMEOUT_MS = 60_000;
const DURATION_S = 2;

let frame = '';
const dirs: string[] = [];
const servers: TestVidgate[] = [];

before(async () => {
  frame = await imageDataUri(640, 360);
});

after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) removeDir(d);
});

async function start(dataDir: string): Promise<TestVidgate> {
  const s = await startTestVidgate({ dataDir });
  servers.push(s);
  return s;
}

/**
 * Accepts a task on one server, stops that server once the task shows `stopAt`, then starts a
 * second server on the same data dir and expects the task to finish there.
 */
async function survivesRestart(stopAt: WireTaskStatus): Promise<void> {
  const dataDir = makeTempDir('restart');
  dirs.push(dataDir);
  const first = await start(dataDir);
  assert.ok(first.vg.bootstrapToken, 'the first start creates the bootstrap token');
  assert.equal(first.vg.bootstrapToken, first.token);

  const created = await first.api('POST', '/task/bailian/image2video', {
    model: 'wan2.6-i2v-flash',
    input: { prompt: 'restart me', img_url: frame },
    parameters: { resolution: '720P', duration: DURATION_S },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const taskId = taskBodySchema.parse(created.json).output.task_id;
  const seenBefore = await first.waitForTask(taskId, [stopAt], TASK_TIMEOUT_MS);
  assert.equal(seenBefore.body.output.task_status, stopAt);
  await first.stop();

  const second = await start(dataDir);
  assert.equal(second.vg.bootstrapToken, null, 'no second bootstrap token on a used store');
  const { body, seen } = await second.waitForTask(
    taskId,
    ['SUCCEEDED', 'FAILED', 'CANCELED'],
    TASK_TIMEOUT_MS,
    first.token,
  );
  assert.equal(
    body.output.task_status,
    'SUCCEEDED',
    `${seen.join(' -> ')}: ${JSON.stringify(body)}`,
  );
  assert.ok(body.output.video_url);
  const probe = await ffprobe(await second.saveResult(body.output.video_url));
  assert.ok(Math.abs((probe.durationSec ?? 0) - DURATION_S) <= 0.15, `${probe.durationSec} s`);
  assert.ok(probe.audio);

  // the first server's token still works, and the second start's configured one does not exist
  assert.equal((await second.api('GET', `/task/${taskId}`, undefined, first.token)).status, 200);
  assert.equal((await second.api('GET', `/task/${taskId}`, undefined, second.token)).status, 401);
  await second.stop();
}

void describe('restart', () => {
  it('a task accepted and still PENDING when the server stops finishes after a restart', () =>
    survivesRestart('PENDING'));

  it('a task RUNNING when the server stops finishes after a restart', () =>
    survivesRestart('RUNNING'));
});
