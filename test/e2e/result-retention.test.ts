import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { imageDataUri, startTestVidgate, taskBodySchema, type TestVidgate } from './helpers.js';

/*
 * Retention (issue 15 item 3): a result outlives its retention by at most a sweep; then the
 * object is gone from storage, the task is still SUCCEEDED with its usage, and its body says the
 * video expired instead of handing out a link that would not work.
 */
describe('result retention', () => {
  let vg: TestVidgate;

  before(async () => {
    vg = await startTestVidgate({
      env: { VIDGATE_RESULT_RETENTION_SECONDS: '3', VIDGATE_SANDBOX_TIME_SCALE: '0.05' },
    });
  });
  after(() => vg.stop());

  it('deletes the video after its retention and says so in the task body', async () => {
    const res = await vg.api('POST', '/task/bailian/image2video', {
      model: 'wan2.6-i2v-flash',
      input: { prompt: 'a quiet harbour', img_url: await imageDataUri(320, 240) },
      parameters: { resolution: '720P', duration: 2 },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const id = taskBodySchema.parse(res.json).output.task_id;
    const done = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 120_000);
    assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
    const link = done.body.output.video_url ?? '';
    const file = join(vg.dataDir, 'results', `${id}.mp4`);
    assert.ok(existsSync(file), 'the result is stored');
    assert.equal((await vg.fetchResult(link)).status, 200, 'and served');

    // the sweep runs every second for a 3 s retention: a generous wait, not a timing assertion
    let body = done.body;
    const deadline = Date.now() + 60_000;
    while (body.output.code !== 'ResultExpired') {
      assert.ok(Date.now() < deadline, `still ${JSON.stringify(body)}`);
      await sleep(250);
      body = taskBodySchema.parse((await vg.api('GET', `/task/${id}`)).json);
    }
    assert.equal(body.output.task_status, 'SUCCEEDED', 'what happened upstream does not change');
    assert.equal(body.output.video_url, undefined, 'no link to a deleted video');
    assert.match(body.output.message ?? '', /deleted .* retention/);
    assert.deepEqual(body.usage, done.body.usage, 'the usage stays');
    assert.ok(!existsSync(file), 'the object is gone from storage');
    assert.equal((await vg.fetchResult(link)).status, 404, 'an older link answers 404');
    // the native face says the same
    const native = taskBodySchema.parse((await vg.api('GET', `/api/v1/tasks/${id}`)).json);
    assert.equal(native.output.code, 'ResultExpired');
  });
});
