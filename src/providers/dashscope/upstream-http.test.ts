import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { upstreamCall, UpstreamCallError } from './upstream-http.js';

const servers: (Server | ReturnType<typeof createTcpServer>)[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

async function failure(p: Promise<unknown>): Promise<UpstreamCallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UpstreamCallError, String(err));
    return err;
  }
  assert.fail('the call succeeded');
}

const call = (port: number, body = '{"model":"x"}', timeoutMs = 2000) =>
  upstreamCall(`http://127.0.0.1:${port}/create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    timeoutMs,
    maxAnswerBytes: 1024,
  });

describe('upstreamCall', () => {
  it('answers status, headers and body', async () => {
    const port = await listen(
      createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(201, { 'x-a': '1' }).end('{"ok":true}'));
      }),
    );
    const a = await call(port);
    assert.equal(a.status, 201);
    assert.equal(a.headers['x-a'], '1');
    assert.equal(a.text, '{"ok":true}');
  });

  it('reports a refused connection as not written: nothing can have been created', async () => {
    const port = await listen(createTcpServer());
    await new Promise((r) => servers.pop()?.close(r));
    const e = await failure(call(port));
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.written, false);
  });

  it('reports a reset in the middle of a large body as not written', async () => {
    // the peer reads a few bytes and resets: the rest of the body never left in full
    const port = await listen(
      createTcpServer((socket: Socket) => {
        socket.once('data', () => socket.resetAndDestroy());
      }),
    );
    const e = await failure(call(port, JSON.stringify({ blob: 'x'.repeat(32 * 1024 * 1024) })));
    assert.equal(e.written, false, e.code);
  });

  it('reports a reset after the whole request was read as written: it may have been acted on', async () => {
    const port = await listen(
      createServer((req) => {
        req.resume();
        req.on('end', () => req.socket.resetAndDestroy());
      }),
    );
    const e = await failure(call(port));
    assert.equal(e.written, true);
  });

  it('times out a silent upstream after the request was written', async () => {
    const port = await listen(createServer((req) => req.resume()));
    const e = await failure(call(port, '{}', 300));
    assert.equal(e.code, 'ETIMEDOUT');
    assert.equal(e.written, true);
  });

  it('cuts off an answer larger than the bound', async () => {
    const port = await listen(
      createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end('y'.repeat(64 * 1024)));
      }),
    );
    const e = await failure(call(port));
    assert.equal(e.code, 'ANSWER_TOO_LARGE');
  });
});
