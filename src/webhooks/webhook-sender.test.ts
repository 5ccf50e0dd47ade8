import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebhookSender } from './webhook-sender.js';

void describe('webhook sender', () => {
  let server: Server;
  let base = '';
  let allow = '';
  const seen: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      req.resume();
      if (req.url === '/hang') return; // never answers
      if (req.url === '/moved') {
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        return;
      }
      if (req.url === '/huge') {
        res.writeHead(200);
        // one byte, then two-byte characters: byte 512 falls inside one
        res.write('a');
        const chunk = Buffer.alloc(16 * 1024, 'é');
        // far more than the read bound: the sender stops reading instead of waiting for it all
        for (let i = 0; i < 256; i++) res.write(chunk);
        res.end();
        return;
      }
      res.writeHead(204).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    allow = `127.0.0.1:${port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('posts to an allow-listed host and reports 2xx as delivered', async () => {
    const s = new WebhookSender({ allowHosts: [allow] });
    const r = await s.send(`${base}/ok`, { 'webhook-id': 'msg_1' }, '{}');
    assert.equal(r.ok, true);
    assert.equal(r.statusCode, 204);
  });

  it('refuses private addresses that are not allow-listed, without connecting', async () => {
    const s = new WebhookSender({
      allowHosts: [],
      resolve: () => Promise.resolve([{ address: '10.1.2.3', family: 4 }]),
    });
    const before = seen.length;
    const loop = await s.send(`${base}/ok`, {}, '{}');
    assert.equal(loop.ok, false);
    assert.match(loop.outcome, /^refused: loopback address/);
    const named = await s.send('https://hooks.example.com/x', {}, '{}');
    assert.match(named.outcome, /^refused: private address/, 'a name resolving to 10/8');
    assert.match(
      (await s.send('http://metadata.google.internal/', {}, '{}')).outcome,
      /local-name/,
    );
    assert.equal(seen.length, before, 'nothing was sent');
  });

  it('times out a receiver that does not answer', async () => {
    const s = new WebhookSender({ allowHosts: [allow], timeoutMs: 300 });
    const r = await s.send(`${base}/hang`, {}, '{}');
    assert.equal(r.ok, false);
    assert.equal(r.statusCode, null);
    assert.equal(r.outcome, 'timed out');
    assert.ok(r.latencyMs < 5000);
  });

  it('does not follow redirects', async () => {
    const s = new WebhookSender({ allowHosts: [allow] });
    const r = await s.send(`${base}/moved`, {}, '{}');
    assert.equal(r.ok, false);
    assert.equal(r.statusCode, 302);
    assert.ok(!seen.includes('/elsewhere'));
  });

  it('reads at most the bound of a huge answer and keeps 512 bytes of it', async () => {
    const s = new WebhookSender({ allowHosts: [allow], maxAnswerBytes: 64 * 1024 });
    const r = await s.send(`${base}/huge`, {}, '{}');
    assert.equal(r.ok, true);
    assert.ok(Buffer.byteLength(r.outcome) <= 512, `${Buffer.byteLength(r.outcome)} bytes kept`);
    assert.ok(!r.outcome.endsWith('\uFFFD'), 'no split character at the cut');
  });
});
