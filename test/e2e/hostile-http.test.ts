import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_ERRORS } from '../../src/http/errors.js';
import { MAX_JSON_DEPTH } from '../../src/http/json-body.js';
import { errorBodySchema, randomText, startTestVidgate, type TestVidgate } from './helpers.js';
import { rawExchange, requestHead, type RawAnswer } from './raw-http.js';

/**
 * The HTTP edge under malformed and hostile requests, on the default settings, over raw
 * sockets so nothing fixes the requests up: Node's parser errors, Fastify's router errors, 405s,
 * deep JSON, the security headers, CORS being off, and failed-authentication throttling.
 */

let s: TestVidgate;
const ADMIN_TOKEN = randomText(32);

before(async () => {
  s = await startTestVidgate({ env: { VIDGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
});

after(async () => {
  await s?.stop();
});

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

function headerOf(headers: Map<string, string> | Headers, name: string): string | null {
  return (headers instanceof Map ? headers.get(name) : headers.get(name)) ?? null;
}

function assertSecurityHeaders(headers: Map<string, string> | Headers, what: string): void {
  for (const [name, value] of Object.entries(SECURITY)) {
    assert.equal(headerOf(headers, name), value, `${name} on ${what}`);
  }
}

/** A DashScope error body with the status of its code, its id in the header, and no caching. */
function assertError(a: RawAnswer, status: number, code: string, what: string): string {
  assert.equal(a.status, status, `${what}: ${a.status} ${a.body.slice(0, 300)}`);
  assert.match(a.headers.get('content-type') ?? '', /^application\/json/, what);
  const body = errorBodySchema.parse(a.json);
  assert.equal(body.code, code, what);
  assert.equal((API_ERRORS as Record<string, number>)[body.code], status, `status of ${code}`);
  assert.equal(a.headers.get('x-request-id'), body.request_id, `${what}: request id header`);
  assert.equal(a.headers.get('cache-control'), 'no-store', what);
  assertSecurityHeaders(a.headers, what);
  return body.message;
}

const send = (head: string | Buffer, localAddress?: string) =>
  rawExchange(s.url, head, { ...(localAddress ? { localAddress } : {}), timeoutMs: 5000 });
const get = (path: string, headers: Record<string, string> = {}) =>
  send(requestHead('GET', path, { host: 'vidgate.test', ...headers }));

void describe('framework and parser errors', () => {
  it('answers an over-long path segment with 414 BadRequest.UriTooLong', async () => {
    const a = await get(`/task/${'a'.repeat(300)}`);
    const message = assertError(a, 414, 'BadRequest.UriTooLong', 'long param');
    assert.match(message, /100 characters/);
    assert.ok(message.length < 300, 'the path is not echoed whole');
  });

  it('answers a bad percent-escape with 400 BadRequest.Malformed', async () => {
    assertError(await get('/task/%zz'), 400, 'BadRequest.Malformed', 'bad url');
  });

  it("answers what Node's parser refuses as JSON, and closes the connection", async () => {
    const cases: Array<[string, string]> = [
      ['HELLO\r\n\r\n', 'garbage line'],
      ['FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 'unknown method'],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', 'bad header name'],
      [
        'POST /task/bailian/text2video HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
        'bad content-length',
      ],
      [
        'POST /task/bailian/text2video HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        'both framings',
      ],
    ];
    for (const [head, what] of cases) {
      const a = await send(head);
      assertError(a, 400, 'BadRequest.Malformed', what);
      assert.equal(a.headers.get('connection'), 'close', what);
    }
  });

  it('answers a header block over 16 KiB with 431 BadRequest.HeadersTooLarge', async () => {
    const a = await get('/healthz', { 'x-big': 'a'.repeat(20_000) });
    assertError(a, 431, 'BadRequest.HeadersTooLarge', 'header overflow');
  });

  it('answers an HTTP/1.1 request without Host with 400 BadRequest.Malformed', async () => {
    const a = await send('GET /healthz HTTP/1.1\r\n\r\n');
    const message = assertError(a, 400, 'BadRequest.Malformed', 'no host');
    assert.match(message, /Host/);
    // HTTP/1.0 has no Host requirement
    const old = await send('GET /healthz HTTP/1.0\r\n\r\n');
    assert.equal(old.status, 200);
  });

  it('refuses CONNECT with JSON instead of dropping the connection', async () => {
    const a = await send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assertError(a, 400, 'BadRequest.Malformed', 'CONNECT');
  });

  it('serves a request with an unknown Expect instead of a bare 417', async () => {
    const a = await get('/healthz', { expect: 'something-else' });
    assert.equal(a.status, 200);
  });
});

void describe('methods', () => {
  it('answers 405 with Allow where the path exists with another method', async () => {
    const auth = { authorization: `Bearer ${s.token}` };
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/task/task_0123', 'GET, HEAD'],
      ['GET', '/task/bailian/image2video', 'POST'],
      ['PUT', '/healthz', 'GET, HEAD'],
      ['PROPFIND', '/healthz', 'GET, HEAD'],
      ['OPTIONS', '/task/bailian/text2video', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const a = await send(requestHead(method, path, { host: 'x', ...auth }));
      const message = assertError(a, 405, 'MethodNotAllowed', `${method} ${path}`);
      assert.equal(a.headers.get('allow'), allow, `${method} ${path}`);
      assert.ok(message.includes(allow), message);
    }
    const missing = await send(requestHead('DELETE', '/nowhere', { host: 'x' }));
    assertError(missing, 404, 'NotFound', 'unknown path');
  });

  it('does not answer InvalidJson to a DELETE that declares JSON and sends no body', async () => {
    const headers = { host: 'x', 'content-type': 'application/json' };
    const task = await send(requestHead('DELETE', '/task/task_0123', headers));
    assertError(task, 405, 'MethodNotAllowed', 'DELETE /task');
    const admin = await send(
      requestHead('DELETE', '/admin/channels/no-such', {
        ...headers,
        authorization: `Bearer ${ADMIN_TOKEN}`,
      }),
    );
    assertError(admin, 404, 'NotFound', 'DELETE /admin/channels');
  });
});

function nested(depth: number): string {
  return `{"model":"wan2.6-t2v","input":{"prompt":"p"},"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

void describe('JSON depth', () => {
  const post = (body: string) =>
    send(
      `${requestHead('POST', '/task/bailian/text2video', {
        host: 'x',
        authorization: `Bearer ${s.token}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      })}${body}`,
    );

  it('refuses 4,500 levels with 400 InvalidParameter naming the limit', async () => {
    for (const body of [nested(4500), '['.repeat(4500) + ']'.repeat(4500)]) {
      const message = assertError(await post(body), 400, 'InvalidParameter', 'deep JSON');
      assert.ok(message.includes(String(MAX_JSON_DEPTH)), message);
    }
  });

  it('counts only structure: brackets inside strings and escaped quotes do not nest', async () => {
    const prompt = `${'['.repeat(100)}\\"${'{'.repeat(100)}`;
    const body = `{"model":"wan2.6-t2v","input":{"prompt":"${prompt}"},"parameters":{"duration":2,"size":"1280*720"}}`;
    const a = await post(body);
    assert.equal(a.status, 200, a.body.slice(0, 300));
  });

  it('lets the limit itself through to validation', async () => {
    // the body object is level 1, "x" opens the rest
    const ok = await post(nested(MAX_JSON_DEPTH - 1));
    assert.ok(!ok.body.includes(`${MAX_JSON_DEPTH} levels`), ok.body);
    const over = await post(nested(MAX_JSON_DEPTH));
    assertError(over, 400, 'InvalidParameter', 'one level over');
  });
});

void describe('headers on every answer', () => {
  it('sends the security headers and no-store on JSON answers, errors and successes', async () => {
    const health = await s.request('GET', '/healthz');
    assert.equal(health.status, 200);
    assertSecurityHeaders(health.headers, 'healthz');
    assert.equal(health.headers.get('cache-control'), 'no-store');
    const body = health.json as { request_id?: string };
    assert.equal(body.request_id, health.headers.get('x-request-id'));
    const task = await s.api('GET', '/task/task_0123');
    assert.equal(task.status, 200);
    assertSecurityHeaders(task.headers, 'task query');
    assert.equal(task.headers.get('cache-control'), 'no-store');
  });

  it('serves a video inline under its task name, with the same headers', async () => {
    const created = await s.api('POST', '/task/bailian/text2video', {
      model: 'wan2.6-t2v',
      input: { prompt: 'A test pattern.' },
      parameters: { duration: 2, size: '1280*720' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const taskId = (created.json as { output: { task_id: string } }).output.task_id;
    const { body } = await s.waitForTask(taskId, ['SUCCEEDED', 'FAILED'], 60_000);
    assert.equal(body.output.task_status, 'SUCCEEDED', JSON.stringify(body));
    const link = body.output.video_url ?? '';
    for (const headers of [{}, { range: 'bytes=0-99' }] as Array<Record<string, string>>) {
      const video = await s.fetchResult(link, headers);
      assert.ok(video.status === 200 || video.status === 206, String(video.status));
      assert.equal(video.headers.get('content-type'), 'video/mp4');
      assert.equal(video.headers.get('content-disposition'), `inline; filename="${taskId}.mp4"`);
      assert.equal(video.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(video.headers.get('x-frame-options'), 'DENY');
      assert.equal(video.headers.get('referrer-policy'), 'no-referrer');
      // the video may load in the page a browser makes around it, and nothing else may
      assert.equal(
        video.headers.get('content-security-policy'),
        "default-src 'none'; media-src 'self'; frame-ancestors 'none'",
      );
    }
    const denied = await s.fetchResult(`${link}x`);
    assert.equal(denied.status, 403);
    assertSecurityHeaders(denied.headers, 'denied link');
    assert.equal(denied.headers.get('cache-control'), 'no-store');
  });

  it('sends no CORS header by default, and a preflight is just a 405', async () => {
    const origin = { origin: 'https://app.example.com' };
    const a = await get('/healthz', origin);
    assert.equal(a.status, 200);
    assert.deepEqual(
      [...a.headers.keys()].filter((k) => k.startsWith('access-control-')),
      [],
      'no Access-Control-* headers',
    );
    const pre = await send(
      requestHead('OPTIONS', '/task/task_0123', {
        host: 'x',
        ...origin,
        'access-control-request-method': 'GET',
      }),
    );
    assertError(pre, 405, 'MethodNotAllowed', 'preflight with CORS off');
    assert.equal(pre.headers.get('access-control-allow-origin'), undefined);
  });
});

void describe('failed-authentication throttling (20 per 10 s by default)', () => {
  const asked = (localAddress: string, token: string) =>
    send(
      requestHead('GET', '/task/task_0123', { host: 'x', authorization: `Bearer ${token}` }),
      localAddress,
    );

  it('answers 429 with Retry-After to the failing address only', async () => {
    const guesser = '127.0.0.2';
    for (let i = 0; i < 20; i++) {
      assertError(await asked(guesser, `vg_guess_${i}`), 401, 'InvalidApiKey', `guess ${i}`);
    }
    const throttled = await asked(guesser, 'vg_guess_x');
    assertError(throttled, 429, 'Throttling.RateQuota', 'the 21st failure');
    const retry = Number(throttled.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 10, `Retry-After ${retry}`);
    // the check comes before the token lookup: even a valid token waits out the window
    assertError(
      await asked(guesser, s.token),
      429,
      'Throttling.RateQuota',
      'valid token, same address',
    );
    const missing = await send(requestHead('GET', '/task/task_0123', { host: 'x' }), guesser);
    assertError(missing, 429, 'Throttling.RateQuota', 'no token, same address');
    // another client is unaffected
    const other = await asked('127.0.0.3', s.token);
    assert.equal(other.status, 200, other.body);
    // and routes without a token still answer the throttled address
    const health = await send(requestHead('GET', '/healthz', { host: 'x' }), guesser);
    assert.equal(health.status, 200);
  });

  it('throttles the admin API the same way', async () => {
    const guesser = '127.0.0.4';
    const admin = (token: string) =>
      send(
        requestHead('GET', '/admin/channels', { host: 'x', authorization: `Bearer ${token}` }),
        guesser,
      );
    for (let i = 0; i < 20; i++)
      assertError(await admin(`wrong-${i}`), 401, 'InvalidApiKey', 'admin');
    assertError(await admin(ADMIN_TOKEN), 429, 'Throttling.RateQuota', 'admin after 20 failures');
  });
});
