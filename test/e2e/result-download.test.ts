import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loopbackServer, type LoopbackServer } from '../support/media-traps.js';
import { imageDataUri, startTestVidgate, type TestVidgate } from './helpers.js';

// Issue 11 drill: an upstream (hostile or compromised) names a video_url on the gateway's own
// network, or streams without end. The result must be refused, nothing stored, the task FAILED.

const KEY = 'sk-hostile-upstream-0123';
const CAP = 1_000_000;

let vg: TestVidgate;
let upstream: LoopbackServer;
let internal: LoopbackServer;
let image = '';
/** upstream task id → the video_url its query answers with, and what the list shows */
const links = new Map<string, string>();
const listed: Array<{ task_id: string; status: string; gmt_create: number; request_id: string }> =
  [];
let streamed = 0;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The hostile upstream: a DashScope-shaped API whose tasks succeed at once with chosen links. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname.endsWith('/video-synthesis')) {
    void readBody(req).then((text) => {
      const prompt = String((JSON.parse(text) as { input: { prompt: string } }).input.prompt);
      const id = `hostile-${links.size + 1}`;
      links.set(id, prompt.replace('{upstream}', upstream.url).replace('{internal}', internal.url));
      const requestId = String(req.headers['x-request-id'] ?? '');
      listed.push({
        task_id: id,
        status: 'SUCCEEDED',
        gmt_create: Date.now(),
        request_id: requestId,
      });
      json(res, 200, { request_id: 'r', output: { task_id: id, task_status: 'PENDING' } });
    });
    return;
  }
  const task = /^\/api\/v1\/tasks\/([^/]+)$/.exec(url.pathname)?.[1];
  if (req.method === 'GET' && task) {
    const link = links.get(task);
    if (!link) return json(res, 200, { output: { task_id: task, task_status: 'UNKNOWN' } });
    return json(res, 200, {
      request_id: 'r',
      output: { task_id: task, task_status: 'SUCCEEDED', video_url: link, orig_prompt: 'p' },
      usage: { duration: 2, video_count: 1, SR: 720 },
    });
  }
  if (req.method === 'GET' && url.pathname === '/api/v1/tasks') {
    // every task finished at once; the sweep reads this and makes them due for their query
    return json(res, 200, { request_id: 'r', total: listed.length, data: listed });
  }
  if (url.pathname === '/files/redirect.mp4') {
    res.writeHead(302, { location: `${internal.url}/secret.mp4` });
    res.end();
    return;
  }
  if (url.pathname === '/files/endless.mp4') {
    // no Content-Length: only counting the bytes can stop this
    res.writeHead(200, { 'content-type': 'video/mp4' });
    const chunk = Buffer.alloc(64 * 1024, 7);
    const push = () => {
      while (streamed < 50 * CAP && !res.destroyed) {
        streamed += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', push);
      }
      res.end();
    };
    push();
    return;
  }
  if (url.pathname === '/files/declared-huge.mp4') {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(3 * 1024 ** 3) });
    res.write(Buffer.alloc(1024));
    return;
  }
  if (url.pathname === '/files/fine.mp4') {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    res.end(Buffer.from('a small result from the upstream origin'));
    return;
  }
  res.writeHead(404);
  res.end();
}

async function run(link: string) {
  const res = await vg.api('POST', '/task/bailian/image2video', {
    model: 'wan2.6-i2v-flash',
    input: { prompt: link, img_url: image },
    parameters: { resolution: '720P', duration: 2 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const id = (res.json as { output: { task_id: string } }).output.task_id;
  const done = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 60_000);
  return { id, out: done.body.output };
}

function assertNothingStored(taskId: string): void {
  const dir = join(vg.dataDir, 'results');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  assert.deepEqual(
    names.filter((n) => n.startsWith(taskId)),
    [],
    `no result or partial copy of ${taskId}`,
  );
}

before(async () => {
  image = await imageDataUri(320, 240);
  internal = await loopbackServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    res.end('INTERNAL-ONLY-BYTES');
  });
  upstream = await loopbackServer(answer);
  vg = await startTestVidgate({ env: { VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '5' } });
  await vg.vg.channels.create({
    name: 'hostile',
    provider: 'dashscope',
    settings: { baseUrl: `${upstream.url}/api/v1`, apiKeys: [KEY], maxResultBytes: CAP },
    priority: 10,
  });
  await vg.vg.channels.setEnabled('sandbox', false);
  // the worker's channel pool re-reads channels every 5 s
  await new Promise((r) => setTimeout(r, 5500));
});

after(async () => {
  await vg?.stop();
  await upstream.close();
  await internal.close();
});

void describe('result downloads go through the media address policy', () => {
  it('refuses links to internal addresses, directly or by redirect, without contacting them', async () => {
    const cases = [
      '{internal}/secret.mp4',
      '{upstream}/files/redirect.mp4',
      'http://169.254.169.254/latest/meta-data/video.mp4',
      'http://localhost:1/video.mp4',
      'http://[::1]:1/video.mp4',
      'file:///etc/passwd',
    ];
    const results = await Promise.all(cases.map(run));
    for (const { id, out } of results) {
      assert.equal(out.task_status, 'FAILED', JSON.stringify(out));
      assert.equal(out.code, 'ResultRefused');
      assert.match(out.message ?? '', /not a public internet address\); nothing was stored\.$/);
      assert.equal(out.video_url, undefined);
      assertNothingStored(id);
    }
    assert.equal(internal.total(), 0, 'the internal server was never contacted');
  });

  it('cuts a result past the channel bound and stores nothing', async () => {
    for (const link of ['{upstream}/files/endless.mp4', '{upstream}/files/declared-huge.mp4']) {
      const { id, out } = await run(link);
      assert.equal(out.task_status, 'FAILED', JSON.stringify(out));
      assert.equal(out.code, 'ResultTooLarge');
      assert.equal(
        out.message,
        "The upstream's result is larger than 976.6 KB, the channel's limit; nothing was stored.",
      );
      assertNothingStored(id);
    }
    assert.ok(streamed < 10 * CAP, `the download stopped early (${streamed} bytes sent)`);
  });

  it("still copies results served from the channel's own API origin", async () => {
    const { out } = await run('{upstream}/files/fine.mp4');
    assert.equal(out.task_status, 'SUCCEEDED', JSON.stringify(out));
    const video = await vg.fetchResult(out.video_url ?? '');
    assert.equal(video.bytes.toString(), 'a small result from the upstream origin');
  });
});
