import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorBodySchema, startTestVidgate, type TestVidgate } from './helpers.js';
import { rawExchange, requestHead, type RawAnswer } from './raw-http.js';

/**
 * The HTTP edge settings, taken from the environment like in production, set short so the
 * timeouts can be watched: slow headers, a trickled body, a stalled body, idle keep-alive, the
 * CORS allow-list and the failed-authentication limit.
 */

const HEADERS_S = 1;
const REQUEST_S = 2;
const IDLE_S = 1;
const KEEP_ALIVE_S = 1;
/** Node looks for expired connections every 250 ms at these settings; the rest is slack */
const LATE_MS = 1500;
const ALLOWED = 'https://app.example.com';

let s: TestVidgate;

before(async () => {
  s = await startTestVidgate({
    env: {
      VIDGATE_HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_S),
      VIDGATE_HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_S),
      VIDGATE_HTTP_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
      VIDGATE_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: String(KEEP_ALIVE_S),
      VIDGATE_CORS_ORIGINS: `${ALLOWED}, http://localhost:3000`,
      VIDGATE_AUTH_FAILURE_LIMIT: '3',
      VIDGATE_AUTH_FAILURE_WINDOW_SECONDS: '2',
    },
  });
});

after(async () => {
  await s?.stop();
});

function assertTimeout(a: RawAnswer, what: string): void {
  assert.equal(a.status, 408, `${what}: ${a.status} ${a.body.slice(0, 300)}`);
  const body = errorBodySchema.parse(a.json);
  assert.equal(body.code, 'RequestTimeOut', what);
  assert.equal(a.headers.get('x-request-id'), body.request_id, what);
  assert.equal(a.headers.get('connection'), 'close', what);
}

const createHead = (length: number) =>
  requestHead('POST', '/task/bailian/text2video', {
    host: 'x',
    authorization: `Bearer ${s.token}`,
    'content-type': 'application/json',
    'content-length': String(length),
  });

void describe('timeouts', () => {
  it('takes its settings from the environment', async () => {
    const a = await rawExchange(s.url, requestHead('GET', '/healthz', { host: 'x' }));
    assert.match(
      a.headers.get('keep-alive') ?? '',
      new RegExp(`timeout=${KEEP_ALIVE_S}\\b`),
      'the VIDGATE_HTTP_* settings reach the app (main.ts passes config.http to createApp)',
    );
  });

  it('cuts a body sent at a trickle with a JSON 408 once the request timeout passes', async () => {
    const body = JSON.stringify({ model: 'wan2.6-t2v', input: { prompt: 'x'.repeat(400) } });
    // a byte every 100 ms: never idle, but 40 s for the whole body
    const pieces = [...body].map((c) => c);
    const a = await rawExchange(s.url, createHead(body.length), {
      trickle: { pieces, everyMs: 100 },
      timeoutMs: 10_000,
    });
    assertTimeout(a, 'trickled body');
    assert.match(errorBodySchema.parse(a.json).message, new RegExp(`${REQUEST_S} s`));
    assert.ok(a.elapsedMs >= REQUEST_S * 1000 - 100, `cut after ${a.elapsedMs} ms, not before`);
    assert.ok(a.elapsedMs <= REQUEST_S * 1000 + LATE_MS, `cut after ${a.elapsedMs} ms`);
  });

  it('cuts a body that stops arriving with a JSON 408 once the idle timeout passes', async () => {
    const a = await rawExchange(s.url, `${createHead(1000)}{"model":`, { timeoutMs: 10_000 });
    assertTimeout(a, 'stalled body');
    assert.match(errorBodySchema.parse(a.json).message, /No byte/);
    assert.ok(a.elapsedMs <= IDLE_S * 1000 + LATE_MS, `cut after ${a.elapsedMs} ms`);
  });

  it('cuts headers sent at a trickle with a JSON 408 once the header timeout passes', async () => {
    const rest = 'X-Slow: 1\r\n'.repeat(40).split('');
    const a = await rawExchange(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', {
      trickle: { pieces: rest, everyMs: 50 },
      timeoutMs: 10_000,
    });
    assertTimeout(a, 'trickled headers');
    assert.ok(a.elapsedMs <= HEADERS_S * 1000 + LATE_MS, `cut after ${a.elapsedMs} ms`);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const a = await rawExchange(s.url, requestHead('GET', '/healthz', { host: 'x' }), {
      lingerMs: KEEP_ALIVE_S * 1000 + LATE_MS,
    });
    assert.equal(a.status, 200);
    assert.match(a.headers.get('keep-alive') ?? '', new RegExp(`timeout=${KEEP_ALIVE_S}`));
    assert.equal(a.closed, true, 'the server closed the idle connection');
  });

  it('still takes a body that arrives in time', async () => {
    const body = JSON.stringify({ model: 'no-such-model', input: { prompt: 'p' } });
    const half = Math.floor(body.length / 2);
    const a = await rawExchange(s.url, createHead(body.length), {
      trickle: { pieces: [body.slice(0, half), body.slice(half)], everyMs: 500 },
    });
    assert.equal(a.status, 400, a.body);
    assert.equal(errorBodySchema.parse(a.json).code, 'InvalidParameter');
  });
});

void describe('CORS allow-list', () => {
  it('answers a preflight from an allowed origin and names it on answers', async () => {
    const pre = await rawExchange(
      s.url,
      requestHead('OPTIONS', '/task/bailian/text2video', {
        host: 'x',
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-dashscope-async',
      }),
    );
    assert.equal(pre.status, 204, pre.body);
    assert.equal(pre.headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(
      pre.headers.get('access-control-allow-headers'),
      'authorization, content-type, x-dashscope-async',
    );
    assert.equal(pre.headers.get('vary'), 'Origin');
    const res = await s.api('GET', '/task/task_0123', undefined);
    assert.equal(res.headers.get('access-control-allow-origin'), null, 'no Origin, no CORS');
    const cross = await s.request('GET', '/task/task_0123', {
      headers: { authorization: `Bearer ${s.token}`, origin: ALLOWED },
    });
    assert.equal(cross.status, 200);
    assert.equal(cross.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(cross.headers.get('access-control-expose-headers') ?? '', /x-request-id/);
    // a browser app must see that a create was a replay of an earlier one
    assert.match(cross.headers.get('access-control-expose-headers') ?? '', /idempotent-replayed/);
  });

  it('gives other origins no CORS header, and refuses their preflight with 403', async () => {
    const evil = 'https://evil.example';
    const res = await s.request('GET', '/healthz', { headers: { origin: evil } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const pre = await rawExchange(
      s.url,
      requestHead('OPTIONS', '/task/task_0123', {
        host: 'x',
        origin: evil,
        'access-control-request-method': 'GET',
      }),
    );
    assert.equal(pre.status, 403, pre.body);
    assert.equal(errorBodySchema.parse(pre.json).code, 'AccessDenied');
    assert.equal(pre.headers.get('access-control-allow-origin'), undefined);
  });
});

void describe('failed-authentication limit', () => {
  it('throttles after the configured failures and lets the address in after the window', async () => {
    const from = '127.0.0.5';
    const ask = (token: string) =>
      rawExchange(
        s.url,
        requestHead('GET', '/task/task_0123', { host: 'x', authorization: `Bearer ${token}` }),
        { localAddress: from },
      );
    for (let i = 0; i < 3; i++) assert.equal((await ask(`bad-${i}`)).status, 401);
    const throttled = await ask(s.token);
    assert.equal(throttled.status, 429, throttled.body);
    const wait = Number(throttled.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
    await new Promise((r) => setTimeout(r, wait * 1000 + 100));
    assert.equal((await ask(s.token)).status, 200, 'the window has passed');
  });
});
