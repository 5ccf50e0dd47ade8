import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import {
  aioFetchRequest,
  cancelRequest,
  createRequest,
  downloadRequest,
  fetchRequest,
  listRequest,
  send,
  serialize,
  waitIntervals,
  type SdkClient,
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
 * The official Python SDK's requests (create, fetch sync and async, wait, cancel, list), replayed
 * byte for byte over a raw socket (test/support/python-sdk-wire.ts says where each byte comes
 * from), and vidgate's answers read the way the SDK parses them.
 */

const MODEL = 'wan2.6-i2v-flash';
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];
const NOT_PENDING = 'Failed to cancel the task, please confirm if the task is in PENDING status.';

/** `VideoSynthesisOutput(**output)` takes task_id and task_status as required arguments. */
function sdkOutput(a: WireAnswer): z.infer<typeof taskBodySchema> {
  assert.equal(a.status, 200, a.body.toString());
  assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
  return taskBodySchema.parse(a.json);
}

/** `_handle_http_failed_response`: non-200 + application/json -> code, message, request_id. */
function sdkError(a: WireAnswer, status: number, code: string): string {
  assert.equal(a.status, status, a.body.toString());
  assert.match(a.headers.get('content-type') ?? '', /application\/json/);
  const e = errorBodySchema.parse(a.json);
  assert.equal(e.code, code, e.message);
  return e.message;
}

/** `VideoSynthesis.wait`: fetches with the SDK's back-off until a terminal status. */
async function replayWait(c: SdkClient, taskId: string, maxPolls = 60): Promise<string[]> {
  const seen: string[] = [];
  for (const seconds of waitIntervals(maxPolls)) {
    const status = sdkOutput(await send(fetchRequest(c, taskId))).output.task_status;
    seen.push(status);
    if (TERMINAL.includes(status)) return seen;
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
  throw new Error(`task ${taskId} not finished after ${maxPolls} polls: ${seen.join(' ')}`);
}

let s: TestVidgate;
let sdk: SdkClient;
let media: Server;
let mediaUrl: string;
let frameUri: string;

before(async () => {
  frameUri = await imageDataUri(640, 480, 'png');
  const frame = Buffer.from(frameUri.slice(frameUri.indexOf(',') + 1), 'base64');
  media = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': frame.length }).end(frame);
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  const port = (media.address() as AddressInfo).port;
  mediaUrl = `http://127.0.0.1:${port}/frame.png`;
  s = await startTestVidgate({
    env: { VIDGATE_SANDBOX_TIME_SCALE: '0.05', VIDGATE_MEDIA_ALLOW_HOSTS: `127.0.0.1:${port}` },
  });
  sdk = { base: `${s.url}/api/v1`, apiKey: s.token };
});

after(async () => {
  await s?.stop();
  await new Promise<void>((resolve) => media?.close(() => resolve()));
});

describe('the Python SDK, replayed', () => {
  it('builds the request bytes the SDK sends (a check of the replay itself)', () => {
    const wire = createRequest(
      { base: 'http://127.0.0.1:8080/api/v1', apiKey: 'sk-x' },
      { model: MODEL, prompt: 'a café', imgUrl: 'http://h/f.png', resolution: '720P', duration: 2 },
    );
    const text = serialize(wire).toString('utf8');
    const [head, body] = text.split('\r\n\r\n');
    assert.deepEqual(
      head?.split('\r\n').map((l) => l.split(':')[0]),
      [
        'POST /api/v1/services/aigc/video-generation/video-synthesis HTTP/1.1',
        'Host',
        'user-agent',
        'Accept-Encoding',
        'Accept',
        'Connection',
        'X-DashScope-Async',
        'Authorization',
        'Content-Type',
        'Content-Length',
      ],
    );
    assert.equal(
      body,
      '{"model": "wan2.6-i2v-flash", "parameters": {"duration": 2, "resolution": "720P"}, ' +
        '"input": {"prompt": "a café", "extend_prompt": true, "img_url": "http://h/f.png"}}',
    );
    assert.match(head ?? '', new RegExp(`Content-Length: ${Buffer.byteLength(body ?? '')}$`));
  });

  it('create -> wait -> the video downloads as MP4 (img_url an http URL)', async () => {
    const created = await send(
      createRequest(sdk, {
        model: MODEL,
        prompt: 'a red square drifts',
        imgUrl: mediaUrl,
        resolution: '720P',
        duration: 2,
      }),
    );
    const out = sdkOutput(created).output;
    assert.ok(['PENDING', 'RUNNING'].includes(out.task_status), out.task_status);
    const seen = await replayWait(sdk, out.task_id);
    assert.equal(seen.at(-1), 'SUCCEEDED', seen.join(' '));
    const done = sdkOutput(await send(fetchRequest(sdk, out.task_id))).output;
    assert.equal(done.task_id, out.task_id);
    const link = new URL(done.video_url ?? '');
    // the link names VIDGATE_PUBLIC_URL; the test server listens on an ephemeral port
    const video = await send(downloadRequest(`${s.url}${link.pathname}${link.search}`));
    assert.equal(video.status, 200);
    assert.equal(video.body.subarray(4, 8).toString('latin1'), 'ftyp');
  });

  it('create with a data: URI (passed through unchanged) and the async fetch', async () => {
    const created = await send(
      createRequest(sdk, {
        model: MODEL,
        prompt: 'the pattern zooms in',
        imgUrl: frameUri,
        resolution: '720P',
        duration: 2,
        extraParameters: { audio: false },
      }),
    );
    const id = sdkOutput(created).output.task_id;
    const aio = await send(aioFetchRequest(sdk, id));
    const body = sdkOutput(aio);
    assert.equal(body.output.task_id, id);
    assert.equal(typeof body.request_id, 'string');
    await replayWait(sdk, id);
  });

  it("the newer SDK commits' input.function is tolerated", async () => {
    const created = await send(
      createRequest(sdk, {
        model: MODEL,
        prompt: 'slow pan',
        imgUrl: frameUri,
        resolution: '720P',
        duration: 2,
        inputFunction: true,
      }),
    );
    assert.ok(['PENDING', 'RUNNING'].includes(sdkOutput(created).output.task_status));
  });

  it('a kf2v model goes to the image2video path, where its own fields are checked', async () => {
    const wire = createRequest(sdk, {
      model: 'wan2.2-kf2v-flash',
      prompt: 'p',
      resolution: '720P',
    });
    assert.match(new URL(wire.url).pathname, /\/services\/aigc\/image2video\/video-synthesis$/);
    // the SDK sent no first frame: kf2v's own schema names the field it needs
    const msg = sdkError(await send(wire), 400, 'InvalidParameter');
    assert.match(msg, /input\.first_frame_url.*wan2\.2-kf2v-flash/);
  });

  it('cancel of a finished task: 400 UnsupportedOperation with DashScope’s message', async () => {
    const created = await send(
      createRequest(sdk, {
        model: MODEL,
        prompt: 'done soon',
        imgUrl: frameUri,
        resolution: '720P',
        duration: 2,
      }),
    );
    const id = sdkOutput(created).output.task_id;
    assert.equal((await replayWait(sdk, id)).at(-1), 'SUCCEEDED');
    assert.equal(
      sdkError(await send(cancelRequest(sdk, id)), 400, 'UnsupportedOperation'),
      NOT_PENDING,
    );
  });

  it("list with page_no/page_size shows the caller's tasks in DashScope's shape", async () => {
    const wire = listRequest(sdk, { pageNo: 1, pageSize: 2 });
    assert.equal(new URL(wire.url).search, '?page_no=1&page_size=2');
    const a = await send(wire);
    assert.equal(a.status, 200, a.body.toString());
    const listed = z
      .object({
        request_id: z.string().min(1),
        total: z.number().int(),
        total_page: z.number().int(),
        page_no: z.literal(1),
        page_size: z.literal(2),
        data: z.array(
          z.looseObject({
            task_id: z.string(),
            status: z.string(),
            model_name: z.string(),
            api_key_id: z.string(),
            gmt_create: z.number(),
          }),
        ),
      })
      .parse(a.json);
    // earlier tests in this file made at least four tasks with this key
    assert.ok(listed.total >= 4, String(listed.total));
    assert.equal(listed.data.length, 2);
    assert.equal(listed.total_page, Math.ceil(listed.total / 2));
    for (const t of listed.data) assert.equal(t.model_name, MODEL);
    // `BaseAsyncApi.list`: everything but request_id becomes `output`
    const { request_id: _rid, ...output } = listed;
    assert.deepEqual(Object.keys(output).sort(), [
      'data',
      'page_no',
      'page_size',
      'total',
      'total_page',
    ]);
    const other = await s.createToken('python-sdk-other');
    const none = await send(listRequest({ ...sdk, apiKey: other.token }));
    assert.equal((none.json as { total: number }).total, 0, 'another account sees none of these');
  });

  it('errors as the SDK parses them: bad key, no X-DashScope-Async, bad parameter', async () => {
    const opts = { model: MODEL, prompt: 'p', imgUrl: frameUri, resolution: '720P', duration: 2 };
    sdkError(await send(createRequest({ ...sdk, apiKey: 'sk-wrong' }, opts)), 401, 'InvalidApiKey');
    sdkError(await send(fetchRequest({ ...sdk, apiKey: 'sk-wrong' }, 'x')), 401, 'InvalidApiKey');
    const sync = sdkError(
      await send(createRequest(sdk, { ...opts, omitAsync: true })),
      403,
      'AccessDenied',
    );
    assert.match(sync, /synchronous/);
    const bad = sdkError(
      await send(createRequest(sdk, { ...opts, resolution: '4K' })),
      400,
      'InvalidParameter',
    );
    assert.match(bad, /resolution/);
  });
});

describe('the Python SDK cancels a task still PENDING', () => {
  let slow: TestVidgate;
  before(async () => {
    // a queue time of 150-350 s: the task is PENDING whenever the cancel arrives
    slow = await startTestVidgate({ env: { VIDGATE_SANDBOX_TIME_SCALE: '100' } });
  });
  after(() => slow?.stop());

  it('cancel answers 200 {request_id}; fetch then reports CANCELED', async () => {
    const c = { base: `${slow.url}/api/v1`, apiKey: slow.token };
    const created = await send(
      createRequest(c, {
        model: MODEL,
        prompt: 'never rendered',
        imgUrl: frameUri,
        resolution: '720P',
        duration: 2,
      }),
    );
    const id = sdkOutput(created).output.task_id;
    const canceled = await send(cancelRequest(c, id));
    assert.equal(canceled.status, 200, canceled.body.toString());
    const body = z.strictObject({ request_id: z.string().min(1) }).parse(canceled.json);
    assert.ok(body.request_id);
    assert.equal(sdkOutput(await send(fetchRequest(c, id))).output.task_status, 'CANCELED');
    assert.deepEqual(await replayWait(c, id), ['CANCELED']);
  });
});
