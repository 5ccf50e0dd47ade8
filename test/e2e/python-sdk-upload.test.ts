import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import {
  createRequest,
  downloadRequest,
  fetchRequest,
  getPolicyRequest,
  send,
  uploadFormRequest,
  waitIntervals,
  type FormFile,
  type SdkClient,
  type UploadPolicy,
  type WireAnswer,
} from '../support/python-sdk-wire.js';
import {
  errorBodySchema,
  imageDataUri,
  startTestVidgate,
  taskBodySchema,
  type TestVidgate,
} from './helpers.js';

/**
 * The Python SDK's local-file upload flow (`utils/oss_utils.py`), replayed byte for byte:
 * getPolicy, the multipart form POST to the upload host it names (no Authorization; the signed
 * policy authorises it), then the create naming `oss://<key>` with
 * `X-DashScope-OssResourceResolve: enable`, on the sandbox.
 */

const MODEL = 'wan2.6-i2v-flash';

/** What `OssUtils.upload` reads from `output` (= the answer's `data`). */
const policySchema = z.object({
  request_id: z.string().min(1),
  data: z.object({
    policy: z.string().min(1),
    signature: z.string().min(1),
    upload_dir: z.string().min(1),
    upload_host: z.url(),
    expire_in_seconds: z.number(),
    max_file_size_mb: z.number(),
    capacity_limit_mb: z.number(),
    oss_access_key_id: z.string().min(1),
    x_oss_object_acl: z.string(),
    x_oss_forbid_overwrite: z.string(),
  }),
});

function sdkError(a: WireAnswer, status: number, code: string): string {
  assert.equal(a.status, status, a.body.toString());
  assert.match(a.headers.get('content-type') ?? '', /application\/json/);
  const e = errorBodySchema.parse(a.json);
  assert.equal(e.code, code, e.message);
  return e.message;
}

let s: TestVidgate;
let sdk: SdkClient;
let frame: FormFile;

before(async () => {
  s = await startTestVidgate({ env: { VIDGATE_SANDBOX_TIME_SCALE: '0.05' } });
  sdk = { base: `${s.url}/api/v1`, apiKey: s.token };
  const uri = await imageDataUri(640, 480, 'png');
  frame = {
    name: 'frame.png',
    bytes: Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64'),
    mimeType: 'image/png',
  };
});
after(() => s?.stop());

async function policy(): Promise<UploadPolicy> {
  const a = await send(getPolicyRequest(sdk, MODEL));
  assert.equal(a.status, 200, a.body.toString());
  return policySchema.parse(a.json).data;
}

/** The form goes to upload_host; its origin names VIDGATE_PUBLIC_URL, not the test port. */
function formUrl(p: UploadPolicy): string {
  return `${s.url}${new URL(p.upload_host).pathname}`;
}

describe('the Python SDK uploads a local file', () => {
  it('getPolicy -> form POST -> create with oss:// -> SUCCEEDED and an MP4', async () => {
    const p = await policy();
    const form = uploadFormRequest(formUrl(p), p, frame, new Date());
    assert.ok(!form.headers.some(([k]) => k.toLowerCase() === 'authorization'));
    const up = await send(form);
    // success_action_status=200: `OssUtils.upload` only checks the status
    assert.equal(up.status, 200, up.body.toString());
    assert.equal(up.body.length, 0);
    const key = `${p.upload_dir}/${frame.name}`;
    const created = await send(
      createRequest(sdk, {
        model: MODEL,
        prompt: 'a red square drifts',
        imgUrl: `oss://${key}`,
        resolution: '720P',
        duration: 2,
        ossResolve: true,
      }),
    );
    assert.equal(created.status, 200, created.body.toString());
    const id = taskBodySchema.parse(created.json).output.task_id;
    let last = '';
    for (const seconds of waitIntervals(60)) {
      const got = await send(fetchRequest(sdk, id));
      const body = taskBodySchema.parse(got.json);
      last = body.output.task_status;
      if (['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'].includes(last)) {
        assert.equal(last, 'SUCCEEDED', got.body.toString());
        const link = new URL(body.output.video_url ?? '');
        const video = await send(downloadRequest(`${s.url}${link.pathname}${link.search}`));
        assert.equal(video.status, 200);
        assert.equal(video.body.subarray(4, 8).toString('latin1'), 'ftyp');
        return;
      }
      await new Promise((r) => setTimeout(r, seconds * 1000));
    }
    assert.fail(`task ${id} did not finish; last status ${last}`);
  });

  it('a tampered signature is refused with 403', async () => {
    const p = await policy();
    const sig = p.signature;
    const tampered = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const a = await send(
      uploadFormRequest(formUrl(p), p, frame, new Date(), { signature: tampered }),
    );
    sdkError(a, 403, 'AccessDenied');
  });

  it('a key outside upload_dir is refused with 400', async () => {
    const p = await policy();
    const a = await send(
      uploadFormRequest(formUrl(p), p, frame, new Date(), {
        key: 'vidgate-uploads/other/frame.png',
      }),
    );
    const msg = sdkError(a, 400, 'InvalidParameter');
    assert.match(msg, /key/);
  });

  it('getPolicy with a bad key is refused as the SDK expects (401 InvalidApiKey)', async () => {
    const a = await send(getPolicyRequest({ ...sdk, apiKey: 'sk-wrong' }, MODEL));
    sdkError(a, 401, 'InvalidApiKey');
  });

  it('an oss:// key never uploaded fails the create, not the render', async () => {
    const p = await policy();
    const created = await send(
      createRequest(sdk, {
        model: MODEL,
        prompt: 'p',
        imgUrl: `oss://${p.upload_dir}/missing.png`,
        resolution: '720P',
        duration: 2,
        ossResolve: true,
      }),
    );
    const msg = sdkError(created, 400, 'InvalidParameter');
    assert.match(msg, /^input\.img_url: .*missing\.png.* names no file uploaded/);
  });
});
