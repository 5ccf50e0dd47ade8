import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { runVidgateCli } from '../support/vidgate-process.js';
import { expectError, startTestVidgate, type TestVidgate } from './helpers.js';

const answerSchema = z.strictObject({
  request_id: z.string().min(1),
  output: z.strictObject({ task_ids: z.number(), queried: z.number() }),
});

/*
 * The completion push's HTTP face: the URL `vidgate channels push-url` prints takes EventBridge's
 * deliveries without a token; a wrong secret answers like an unknown route. What a push does to
 * tasks is src/upstream/push-trigger.test.ts's.
 */
describe('POST /push/{channel}/{secret}', () => {
  let vg: TestVidgate;
  let path = '';

  before(async () => {
    // a DashScope channel, never called here: the push only makes its tasks due
    vg = await startTestVidgate({
      env: {
        DASHSCOPE_API_KEY: 'sk-push-test-0123456789',
        DASHSCOPE_HTTP_BASE_URL: 'http://127.0.0.1:9/api/v1',
      },
    });
    const cli = (name: string) =>
      runVidgateCli(['channels', 'push-url', name], {
        VIDGATE_DATA_DIR: vg.dataDir,
        VIDGATE_LOG_LEVEL: 'silent',
      });
    const printed = await cli('dashscope-default');
    assert.equal(printed.code, 0, printed.stdout + printed.stderr);
    path = new URL(printed.stdout.trim()).pathname;
    assert.match(path, /^\/push\/[^/]+\/[A-Za-z0-9_-]{43}$/);
  });
  after(() => vg.stop());

  const post = (p: string, body: unknown) =>
    vg.request('POST', p, {
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(body),
    });

  it('acknowledges a delivery for a task it does not know (the account is shared)', async () => {
    const res = await post(path, { data: { task_id: 'someone-elses-task' } });
    assert.equal(res.status, 200);
    assert.deepEqual(answerSchema.parse(res.json).output, { task_ids: 1, queried: 0 });
  });

  it('answers a wrong secret or channel as an unknown route, without saying why', async () => {
    const parts = path.split('/');
    const wrongSecret = [...parts.slice(0, -1), 'A'.repeat(43)].join('/');
    const wrongChannel = [...parts.slice(0, -2), 'chn_other', parts.at(-1)].join('/');
    for (const p of [wrongSecret, wrongChannel]) {
      const message = expectError(await post(p, { data: { task_id: 'x' } }), 404, 'NotFound');
      assert.ok(!message.includes(parts.at(-1) ?? '?'), 'the secret is never echoed');
    }
  });

  it('refuses a body over 64 KiB before reading it', async () => {
    const res = await post(path, { pad: 'x'.repeat(70 * 1024) });
    assert.equal(res.status, 413);
  });
});
