import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { startS3Server, S3RVER_KEY, type S3TestServer } from '../support/s3-server.js';
import { imageDataUri, startTestVidgate, taskBodySchema, type TestVidgate } from './helpers.js';

// vidgate configured the way an operator does it (VIDGATE_STORAGE plus the AWS SDK's own
// environment) keeps its results in the bucket and serves them from there.

const TASK_TIMEOUT_MS = 60_000;

let s3: S3TestServer;
let vg: TestVidgate;
let frame = '';

before(async () => {
  s3 = await startS3Server('vidgate-e2e');
  frame = await imageDataUri(640, 360);
  // the AWS SDK reads its settings from the process environment itself (so does the intake
  // thread, which gets a copy of it), as it does in a deployment; this file has its own process
  Object.assign(process.env, s3.awsEnv);
  delete process.env['AWS_REGION'];
  vg = await startTestVidgate({
    env: { VIDGATE_STORAGE: `s3://${s3.bucket}/deploy-a?path_style=1` },
  });
});

after(async () => {
  await vg?.stop();
  await s3?.stop();
});

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('vidgate on S3-compatible storage', () => {
  it('stores a sandbox result in the bucket and serves it byte-identical', async () => {
    const created = await vg.api('POST', '/task/bailian/image2video', {
      model: 'wan2.6-i2v-flash',
      input: { prompt: 'into the bucket', img_url: frame },
      parameters: { resolution: '720P', duration: 2 },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const taskId = taskBodySchema.parse(created.json).output.task_id;
    const { body, seen } = await vg.waitForTask(
      taskId,
      ['SUCCEEDED', 'FAILED', 'CANCELED'],
      TASK_TIMEOUT_MS,
    );
    assert.equal(body.output.task_status, 'SUCCEEDED', `${seen.join(' -> ')}`);
    assert.ok(body.output.video_url);
    const downloaded = readFileSync(await vg.saveResult(body.output.video_url));
    assert.ok(downloaded.length > 1000, `${downloaded.length} bytes`);

    // the object as the bucket holds it, read with a client of the test's own
    const bucket = new S3Storage({
      bucket: s3.bucket,
      prefix: 'deploy-a/',
      forcePathStyle: true,
      client: {
        endpoint: s3.endpoint,
        credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      },
    });
    try {
      const key = `results/${taskId}.mp4`;
      assert.deepEqual(await bucket.stat(key), { size: downloaded.length });
      const chunks: Buffer[] = [];
      for await (const c of await bucket.open(key)) chunks.push(c as Buffer);
      assert.equal(sha(Buffer.concat(chunks)), sha(downloaded));

      // a ranged download is served from the bucket too
      const ranged = await vg.fetchResult(body.output.video_url, { range: 'bytes=10-19' });
      assert.equal(ranged.status, 206);
      assert.deepEqual(ranged.bytes, downloaded.subarray(10, 20));
    } finally {
      bucket.client.destroy();
    }
    assert.deepEqual(s3.pendingUploads(), []);
  });
});
