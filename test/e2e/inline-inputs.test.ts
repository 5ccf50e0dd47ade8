import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { imageDataUri, startTestVidgate, type TestVidgate } from './helpers.js';

const KEY = 'sk-sim-inline-inputs-0123456789';

/**
 * Inline media lives in storage, not in the task row (issue 11): the row a claim copies stays
 * small, the upstream still receives the data URI byte for byte, and the copy is gone once the
 * task has finished.
 */
describe('inline media is kept out of the task row', () => {
  let sim: DashScopeSimulator;
  let vg: TestVidgate;
  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct', region: 'beijing', keys: [KEY] }],
      durations: { queueMs: 100, runMs: 300 },
    });
    vg = await startTestVidgate({
      env: { DASHSCOPE_API_KEY: KEY, DASHSCOPE_HTTP_BASE_URL: sim.url },
    });
  });
  after(async () => {
    await vg.stop();
    await sim.close();
  });

  it('stores a reference in the row and sends the very data URI upstream', async () => {
    // a fractal compresses badly: a PNG of about 1 MB, 1.4 MB as base64
    const image = await imageDataUri(1600, 1200, 'png', 'mandelbrot');
    assert.ok(image.length > 1_000_000, `image is ${image.length} characters`);
    const res = await vg.api('POST', '/task/bailian/image2video', {
      model: 'wan2.6-i2v-flash',
      input: { prompt: 'kept out of the row', img_url: image },
      parameters: { resolution: '720P', duration: 5 },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const id = (res.json as { output: { task_id: string } }).output.task_id;
    const row = await vg.vg.db.kysely
      .selectFrom('tasks')
      .select('request')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(row.request.length < 2048, `the row holds ${row.request.length} characters`);
    assert.ok(existsSync(join(vg.dataDir, 'inputs', id)), 'the input was stored');

    const done = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 60_000);
    assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
    const upstream = sim.tasks().find((t) => t.clientRequestId === id);
    assert.equal(upstream?.body.input.img_url, image, 'the upstream got the client’s data URI');
    assert.equal(existsSync(join(vg.dataDir, 'inputs', id, 'img_url')), false);
  });
});
