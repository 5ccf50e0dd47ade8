import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LARGE_BODY_BYTES } from '../../src/http/json-body.js';
import {
  expectError,
  imageDataUri,
  startTestVidgate,
  taskBodySchema,
  type ApiResponse,
  type TestVidgate,
} from './helpers.js';

/**
 * The DashScope-native face (`/api/v1`, issue 13) over real HTTP: creates as DashScope's SDKs
 * send them, one task visible with the same body on both faces, DashScope's errors, and the
 * key checked before the path.
 */

const CREATE = '/api/v1/services/aigc/video-generation/video-synthesis';
const CREATE_I2V_GROUP = '/api/v1/services/aigc/image2video/video-synthesis';
const TASK_TIMEOUT_MS = 60_000;

/** The headers the Python SDK sends on a create (reference §12.1), workspace included. */
function sdkHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    accept: 'application/json; charset=utf-8',
    'content-type': 'application/json; charset=utf-8',
    'x-dashscope-async': 'enable',
    'x-dashscope-workspace': 'ws-test-123',
    'x-dashscope-datainspection': 'enable',
    'user-agent': 'dashscope/1.26.2; python/3.12.3; platform/Linux; processor/x86_64',
  };
}

let s: TestVidgate;

function post(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
  return s.request('POST', path, {
    headers: headers ?? sdkHeaders(s.token),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function createdId(res: ApiResponse): string {
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const body = taskBodySchema.parse(res.json);
  assert.equal(body.output.task_status, 'PENDING');
  return body.output.task_id;
}

/** The task as each face shows it, request_id aside (each answer has its own). */
async function bothFaces(taskId: string): Promise<{ seed: unknown; native: unknown }> {
  const seed = await s.api('GET', `/task/${taskId}`);
  const native = await s.api('GET', `/api/v1/tasks/${taskId}`);
  assert.equal(seed.status, 200);
  assert.equal(native.status, 200);
  const strip = (json: unknown): unknown => {
    const { request_id: _ignored, ...rest } = taskBodySchema.parse(json);
    return rest;
  };
  return { seed: strip(seed.json), native: strip(native.json) };
}

before(async () => {
  s = await startTestVidgate({ env: { VIDGATE_SANDBOX_TIME_SCALE: '0.05' } });
});
after(async () => {
  await s.stop();
});

void describe('native face: creates and task queries', () => {
  it('takes an SDK-shaped t2v create and shows the task with one body on both faces', async () => {
    const id = createdId(
      await post(CREATE, {
        model: 'wan2.6-t2v',
        // the SDKs' own fields and an unknown one are accepted, as DashScope accepts them
        input: { prompt: 'A lighthouse at dusk.', extend_prompt: true, function: 'generate' },
        parameters: { size: '1280*720', duration: 2, with_audio: false, not_yet_known: 1 },
      }),
    );
    const pending = await bothFaces(id);
    assert.deepEqual(pending.native, pending.seed);
    const done = await s.waitForTask(id, ['SUCCEEDED', 'FAILED'], TASK_TIMEOUT_MS);
    assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
    const final = await bothFaces(id);
    assert.deepEqual(final.native, final.seed);
    const output = taskBodySchema.parse((await s.api('GET', `/api/v1/tasks/${id}/`)).json).output;
    assert.ok(output.video_url, 'the trailing-slash query has the link');
    const video = await s.fetchResult(output.video_url);
    assert.equal(video.status, 200);
  });

  it('takes a create as the Java SDK builds it (reference §12.2): its headers, with_audio, extend_prompt', async () => {
    const img = await imageDataUri(640, 360);
    const res = await post(
      CREATE,
      // Gson writes the param object's fields; with_audio (default false) and extend_prompt
      // (default true) are always there
      {
        model: 'wan2.6-i2v-flash',
        input: { prompt: 'A kite over the dunes.', img_url: img, extend_prompt: true },
        parameters: {
          with_audio: false,
          duration: 2,
          resolution: '720P',
          prompt_extend: true,
          watermark: false,
        },
      },
      {
        authorization: `Bearer ${s.token}`,
        'user-agent': 'dashscope/2.22.6; java/17.0.10; platform/Linux; processor/amd64',
        'x-dashscope-async': 'enable',
        'content-type': 'application/json',
        accept: 'application/json; charset=utf-8',
      },
    );
    const id = createdId(res);
    const done = await s.waitForTask(id, ['SUCCEEDED', 'FAILED'], TASK_TIMEOUT_MS);
    assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
    // the Java SDK's list carries its filters in the query; the task is found by its model
    const listed = await s.request(
      'GET',
      '/api/v1/tasks?model_name=wan2.6-i2v-flash&page_no=1&page_size=10',
      {
        headers: { authorization: `Bearer ${s.token}`, accept: 'application/json; charset=utf-8' },
      },
    );
    assert.equal(listed.status, 200);
    assert.match(JSON.stringify(listed.json), new RegExp(id));
  });

  it('takes an i2v create with prompt null, on the path with a trailing slash', async () => {
    const img = await imageDataUri(640, 360);
    const id = createdId(
      await post(`${CREATE}/`, {
        model: 'wan2.6-i2v',
        input: { prompt: null, img_url: img },
        parameters: { resolution: '720P', duration: 2 },
      }),
    );
    const seed = taskBodySchema.parse((await s.api('GET', `/task/${id}`)).json);
    assert.equal(seed.output.task_id, id, 'the seed face knows the native task');
  });

  it('takes a large body (parsed off the event loop) whose model comes after its media', async () => {
    const img = await imageDataUri(1280, 720);
    const body = `{"input":{"img_url":${JSON.stringify(img)}},"parameters":{"duration":2},"model":"wan2.6-i2v"}`;
    assert.ok(body.length > LARGE_BODY_BYTES, `the body (${body.length} bytes) is a large one`);
    createdId(await post(CREATE, body));
    const noModel = `{"input":{"img_url":${JSON.stringify(img)}}}`;
    const message = expectError(await post(CREATE, noModel), 400, 'BadRequest.EmptyModel');
    assert.match(message, /'model'/);
    expectError(await post(CREATE, `${noModel.slice(0, -1)},`), 400, 'BadRequest.InvalidJson');
  });

  it('answers a task of another account, or none, as UNKNOWN', async () => {
    const other = await s.createToken('native-other');
    const id = createdId(
      await post(CREATE, { model: 'wan2.6-t2v', input: { prompt: 'x' }, parameters: {} }),
    );
    const res = await s.api('GET', `/api/v1/tasks/${id}`, undefined, other.token);
    assert.equal(res.status, 200);
    assert.equal(taskBodySchema.parse(res.json).output.task_status, 'UNKNOWN');
  });
});

void describe('native face: DashScope errors', () => {
  it('refuses a create without X-DashScope-Async: enable with 403 AccessDenied', async () => {
    const body = { model: 'wan2.6-t2v', input: { prompt: 'x' } };
    for (const value of [undefined, 'disable']) {
      const headers = sdkHeaders(s.token);
      delete headers['x-dashscope-async'];
      if (value) headers['x-dashscope-async'] = value;
      const message = expectError(await post(CREATE, body, headers), 403, 'AccessDenied');
      assert.equal(message, 'current user api does not support synchronous calls');
    }
    // the seed face never asked for it, and still does not
    const seed = await s.api('POST', '/task/bailian/text2video', body);
    assert.equal(seed.status, 200, JSON.stringify(seed.json));
  });

  it('answers a wrong or missing key with 401 InvalidApiKey on every /api/v1 path', async () => {
    const paths: [string, string][] = [
      ['POST', CREATE],
      ['POST', `${CREATE_I2V_GROUP}/`],
      ['GET', '/api/v1/tasks/task_nonexistent'],
      ['GET', '/api/v1/tasks'],
      ['POST', '/api/v1/tasks/task_nonexistent/cancel'],
      ['GET', '/api/v1/no/such/route'],
      ['DELETE', '/api/v1'],
    ];
    for (const [method, path] of paths) {
      const wrong = await s.request(method, path, {
        headers: { authorization: 'Bearer sk-wrong' },
      });
      assert.equal(expectError(wrong, 401, 'InvalidApiKey'), 'Invalid API-key provided.', path);
      const none = await s.request(method, path);
      assert.equal(expectError(none, 401, 'InvalidApiKey'), 'No API-key provided.', path);
    }
    // the seed face's unknown paths are still 404 without a key
    expectError(await s.request('GET', '/no/such/route'), 404, 'NotFound');
  });

  it('answers unknown /api/v1 paths with a DashScope-shaped 404 once the key is good', async () => {
    for (const path of ['/api/v1/no/such/route', '/api/v1', '/api/v1/services/aigc/other/x']) {
      const message = expectError(await s.api('GET', path), 404, 'NotFound');
      assert.ok(message.includes(path), message);
    }
  });

  it('names the field a bad body gets wrong, with 400 and DashScope shape', async () => {
    const t2v = (parameters: unknown): unknown => ({
      model: 'wan2.6-t2v',
      input: { prompt: 'x' },
      parameters,
    });
    const duration = expectError(
      await post(CREATE, t2v({ duration: 99 })),
      400,
      'InvalidParameter',
    );
    assert.match(duration, /parameters\.duration/);
    const empty = expectError(
      await post(CREATE, { input: { prompt: 'x' } }),
      400,
      'BadRequest.EmptyModel',
    );
    assert.match(empty, /'model'/);
    const unknown = expectError(
      await post(CREATE, { model: 'wan9-nope', input: { prompt: 'x' } }),
      400,
      'InvalidParameter',
    );
    assert.match(unknown, /wan9-nope/);
    const noInput = expectError(
      await post(CREATE, { model: 'wan2.6-t2v' }),
      400,
      'BadRequest.EmptyInput',
    );
    assert.match(noInput, /'input'/);
    // DashScope serves wan2.6 on the video-generation path, not image2video
    const wrongPath = expectError(await post(CREATE_I2V_GROUP, t2v({})), 400, 'InvalidParameter');
    assert.match(wrongPath, /video-generation/);
    expectError(await post(CREATE, '[1]'), 400, 'InvalidParameter');
  });
});
