import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import {
  expectError,
  imageDataUri,
  startTestVidgate,
  taskBodySchema,
  type ApiResponse,
  type TestVidgate,
} from './helpers.js';

/**
 * The SDKs' local-file upload flow (reference §12.1, ADR 0017) over real HTTP: getPolicy, the
 * form POST to the upload host it names, and a create naming `oss://<key>`, on the sandbox and
 * on a DashScope channel (the simulator), where vidgate hands the file to the channel's own
 * temporary storage. The byte-for-byte replay of the Python SDK is python-sdk-upload.test.ts.
 */

const CREATE = '/api/v1/services/aigc/video-generation/video-synthesis';
const TASK_TIMEOUT_MS = 120_000;
const KEY = 'sk-sim-uploads-0123456789';

const policySchema = z.object({
  request_id: z.string(),
  data: z.object({
    policy: z.string(),
    signature: z.string(),
    upload_dir: z.string().startsWith('vidgate-uploads/'),
    upload_host: z.url(),
    expire_in_seconds: z.number(),
    max_file_size_mb: z.number(),
    capacity_limit_mb: z.number(),
    oss_access_key_id: z.string(),
    x_oss_object_acl: z.string(),
    x_oss_forbid_overwrite: z.string(),
  }),
});
type Policy = z.infer<typeof policySchema>['data'];

async function getPolicy(s: TestVidgate, model: string, token = s.token): Promise<Policy> {
  const res = await s.request('GET', `/api/v1/uploads?action=getPolicy&model=${model}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return policySchema.parse(res.json).data;
}

interface FormOptions {
  key?: string;
  signature?: string;
  fileName?: string;
}

/** The form POST as the SDKs send it: the policy's fields first, then the file. */
async function upload(
  s: TestVidgate,
  p: Policy,
  bytes: Buffer,
  o: FormOptions = {},
): Promise<ApiResponse> {
  const name = o.fileName ?? 'frame.png';
  const form = new FormData();
  form.set('OSSAccessKeyId', p.oss_access_key_id);
  form.set('Signature', o.signature ?? p.signature);
  form.set('policy', p.policy);
  form.set('key', o.key ?? `${p.upload_dir}/${name}`);
  form.set('x-oss-object-acl', p.x_oss_object_acl);
  form.set('x-oss-forbid-overwrite', p.x_oss_forbid_overwrite);
  form.set('success_action_status', '200');
  form.set('x-oss-content-type', 'image/png');
  form.set('file', new Blob([bytes], { type: 'image/png' }), name);
  // the upload host is vidgate's public URL; only its path is used against the test server
  const path = new URL(p.upload_host).pathname;
  const res = await fetch(`${s.url}${path}`, { method: 'POST', body: form });
  const answer = Buffer.from(await res.arrayBuffer());
  const json: unknown = answer.length === 0 ? null : JSON.parse(answer.toString('utf8'));
  return { status: res.status, headers: res.headers, json, bytes: answer };
}

async function createWith(s: TestVidgate, imgUrl: string, token = s.token): Promise<ApiResponse> {
  return s.request('POST', CREATE, {
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
      'x-dashscope-ossresourceresolve': 'enable',
    },
    body: JSON.stringify({
      model: 'wan2.6-i2v-flash',
      input: { prompt: 'a red square drifts', img_url: imgUrl },
      parameters: { resolution: '720P', duration: 2 },
    }),
  });
}

async function pngBytes(width = 640, height = 480): Promise<Buffer> {
  const uri = await imageDataUri(width, height, 'png');
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
}

describe('uploads on the sandbox', () => {
  let s: TestVidgate;
  let frame: Buffer;

  before(async () => {
    s = await startTestVidgate();
    frame = await pngBytes();
  });
  after(() => s.stop());

  it('a file uploaded through getPolicy and the form becomes a task input that renders', async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    assert.equal(p.max_file_size_mb, 20, 'the largest file wan2.6-i2v-flash takes');
    assert.equal(new URL(p.upload_host).pathname, '/uploads/form');
    const up = await upload(s, p, frame);
    assert.equal(up.status, 200, up.bytes.toString());
    assert.equal(up.bytes.length, 0);
    const created = await createWith(s, `oss://${p.upload_dir}/frame.png`);
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = taskBodySchema.parse(created.json).output.task_id;
    const done = await s.waitForTask(id, ['SUCCEEDED', 'FAILED'], TASK_TIMEOUT_MS);
    assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
    const video = await s.fetchResult(done.body.output.video_url ?? '');
    assert.equal(video.status, 200);
    assert.equal(video.bytes.subarray(4, 8).toString('latin1'), 'ftyp');
  });

  it('refuses a tampered signature, a key outside the folder and a second upload to one key', async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    const sig = p.signature;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expectError(await upload(s, p, frame, { signature: flipped }), 403, 'AccessDenied');
    const outside = expectError(
      await upload(s, p, frame, { key: 'vidgate-uploads/elsewhere/frame.png' }),
      400,
      'InvalidParameter',
    );
    assert.match(outside, /'key'/);
    const traversal = await upload(s, p, frame, { key: `${p.upload_dir}/../x/frame.png` });
    expectError(traversal, 400, 'InvalidParameter');
    assert.equal((await upload(s, p, frame)).status, 200);
    expectError(await upload(s, p, frame), 409, 'FileAlreadyExists');
  });

  it('refuses a file larger than the model takes, and keeps none of it', async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    const big = Buffer.alloc(20 * 1024 * 1024 + 1, 7);
    const msg = expectError(
      await upload(s, p, big, { fileName: 'big.png' }),
      413,
      'BadRequest.TooLarge',
    );
    assert.match(msg, /20 MB/);
    const named = await createWith(s, `oss://${p.upload_dir}/big.png`);
    expectError(named, 400, 'InvalidParameter');
  });

  it('getPolicy is behind the key and names what it needs', async () => {
    const noKey = await s.request(
      'GET',
      '/api/v1/uploads?action=getPolicy&model=wan2.6-i2v-flash',
      {
        headers: {},
      },
    );
    expectError(noKey, 401, 'InvalidApiKey');
    const auth = { authorization: `Bearer ${s.token}` };
    const action = await s.request('GET', '/api/v1/uploads?action=put&model=wan2.6-i2v-flash', {
      headers: auth,
    });
    assert.match(expectError(action, 400, 'InvalidParameter'), /'action'/);
    // a text-to-video model still takes a soundtrack: its policy allows the audio limit
    assert.equal((await getPolicy(s, 'wan2.6-t2v')).max_file_size_mb, 15);
    const unknown = await s.request('GET', '/api/v1/uploads?action=getPolicy&model=nope', {
      headers: auth,
    });
    assert.match(expectError(unknown, 400, 'InvalidParameter'), /'model'/);
  });

  it("another account cannot name an account's upload, nor can anyone name one never made", async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    assert.equal((await upload(s, p, frame, { fileName: 'mine.png' })).status, 200);
    const other = await s.createToken('uploads-other-account');
    const foreign = await createWith(s, `oss://${p.upload_dir}/mine.png`, other.token);
    assert.match(expectError(foreign, 400, 'InvalidParameter'), /input\.img_url/);
    const never = await createWith(s, `oss://${p.upload_dir}/never.png`);
    assert.match(expectError(never, 400, 'InvalidParameter'), /names no file uploaded/);
  });

  it('an uploaded file that is not an image fails its task with the media check, naming the field', async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    const up = await upload(s, p, Buffer.from('this is not a picture'), { fileName: 'note.png' });
    assert.equal(up.status, 200);
    const created = await createWith(s, `oss://${p.upload_dir}/note.png`);
    const id = taskBodySchema.parse(created.json).output.task_id;
    const done = await s.waitForTask(id, ['SUCCEEDED', 'FAILED'], TASK_TIMEOUT_MS);
    assert.equal(done.body.output.task_status, 'FAILED');
    assert.match(done.body.output.message ?? '', /input\.img_url/);
  });

  it('a client that goes away mid-file leaves nothing, and the server goes on answering', async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    const boundary = 'cut0123456789';
    const fields = [
      ['OSSAccessKeyId', p.oss_access_key_id],
      ['Signature', p.signature],
      ['policy', p.policy],
      ['key', `${p.upload_dir}/cut.png`],
    ];
    const head =
      fields
        .map(
          ([n, v]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`,
        )
        .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.png"\r\n\r\n`;
    const url = new URL(`${s.url}/uploads/form`);
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + 5_000_000),
        },
      });
      req.on('error', () => resolve());
      req.write(head);
      req.write(Buffer.alloc(1_000_000, 1), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
    });
    const health = await s.request('GET', '/healthz', { headers: {} });
    assert.equal(health.status, 200);
    const named = await createWith(s, `oss://${p.upload_dir}/cut.png`);
    expectError(named, 400, 'InvalidParameter');
    // the key is still free: the cut upload kept nothing
    assert.equal((await upload(s, p, frame, { fileName: 'cut.png' })).status, 200);
  });
});

describe('uploads relayed to a DashScope channel', () => {
  let sim: DashScopeSimulator;
  let s: TestVidgate;

  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct-up', region: 'beijing', keys: [KEY] }],
    });
    s = await startTestVidgate({
      env: { DASHSCOPE_API_KEY: KEY, DASHSCOPE_HTTP_BASE_URL: sim.url },
    });
  });
  after(async () => {
    await s.stop();
    await sim.close();
  });

  it("hands the file to the channel's temporary storage and sends oss:// with the resolve header", async () => {
    const p = await getPolicy(s, 'wan2.6-i2v-flash');
    assert.equal((await upload(s, p, await pngBytes())).status, 200);
    const created = await createWith(s, `oss://${p.upload_dir}/frame.png`);
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = taskBodySchema.parse(created.json).output.task_id;
    const done = await s.waitForTask(id, ['SUCCEEDED', 'FAILED'], TASK_TIMEOUT_MS);
    assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
    assert.equal(sim.uploadedFiles(), 1);
    const [upstream] = sim.tasks();
    const sent = upstream?.body.input.img_url;
    assert.ok(
      typeof sent === 'string' && sent.startsWith('oss://dashscope-instant/'),
      String(sent),
    );
    assert.ok(sent.endsWith('/frame.png'));
  });
});
