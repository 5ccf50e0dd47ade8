import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SIM_DETECT_PATH, simPost } from './sim-client.js';
import { startDashScopeSimulator, type DashScopeSimulator, type SimOptions } from './simulator.js';

/**
 * `POST /services/aigc/image2video/face-detect` (F§7.1): synchronous, 200 with
 * `output.check_pass` / `humanoid` and `usage.image_count: 1` on every verdict, 5 RPS of its
 * own. The simulator's "face detected" rule: a fetchable JPG/PNG/BMP/WEBP of 400–7000 px a side,
 * no NO_FACE in the URL, no failure forced by the admin.
 */

/** The first bytes of a PNG of the given size: signature + IHDR, all image-size reads. */
function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.writeUInt8(8, 16);
  ihdr.writeUInt8(2, 17);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

function gif(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

const FILES: Record<string, Buffer> = {
  '/face.png': png(800, 600),
  '/edge-low.png': png(400, 7000),
  '/small.png': png(399, 600),
  '/big.png': png(800, 7001),
  '/NO_FACE.png': png(800, 600),
  '/anim.gif': gif(800, 600),
  '/notes.txt': Buffer.from('not an image at all, just some words'),
};

let media: Server;
let base = '';
const sims: DashScopeSimulator[] = [];

before(async () => {
  media = createServer((req, res) => {
    const file = FILES[req.url ?? ''];
    res.writeHead(file ? 200 : 404).end(file ?? 'missing');
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  const address = media.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await new Promise((resolve) => media.close(resolve));
});

/** Beijing, with room for more than 5 detect calls a second unless `opts` says otherwise. */
async function start(opts: SimOptions = {}): Promise<DashScopeSimulator> {
  const region = opts.region ?? 'beijing';
  const sim = await startDashScopeSimulator({
    accounts: [{ id: 'sim-account', region, keys: ['sk-sim'], limits: { detectPerSecond: 1000 } }],
    ...opts,
  });
  sims.push(sim);
  return sim;
}

const body = (imageUrl: unknown, model: unknown = 'wan2.2-s2v-detect') => ({
  model,
  input: { image_url: imageUrl },
});

async function detect(sim: DashScopeSimulator, b: unknown, async = false) {
  return simPost(sim.url, SIM_DETECT_PATH, b, { async });
}

describe('face-detect verdicts (HTTP 200 either way)', () => {
  it('a fetchable 800×600 PNG passes; 400×7000 is inside the bounds', async () => {
    const sim = await start();
    for (const path of ['/face.png', '/edge-low.png']) {
      const a = await detect(sim, body(`${base}${path}`));
      assert.equal(a.status, 200, JSON.stringify(a.json));
      assert.deepEqual(a.json.output, { check_pass: true, humanoid: true });
      assert.deepEqual(a.json.usage, { image_count: 1 });
      assert.equal(typeof a.json.request_id, 'string');
    }
  });

  it('fails with a code and message: size, format, download, NO_FACE', async () => {
    const sim = await start();
    const cases: [string, string, RegExp][] = [
      ['/small.png', 'InvalidParameter', /400 to 7000.*399x600/],
      ['/big.png', 'InvalidParameter', /800x7001/],
      ['/anim.gif', 'BadRequest.UnsupportedFileFormat', /JPG/],
      ['/notes.txt', 'BadRequest.UnsupportedFileFormat', /format/],
      ['/gone.png', 'BadRequest.InputDownloadFailed', /HTTP 404/],
      ['/NO_FACE.png', 'InvalidParameter', /face/],
    ];
    for (const [path, code, message] of cases) {
      const a = await detect(sim, body(`${base}${path}`));
      assert.equal(a.status, 200, path);
      const output = a.json.output as Record<string, unknown>;
      assert.equal(output.check_pass, false, path);
      assert.equal(output.humanoid, false, path);
      assert.equal(output.code, code, path);
      assert.match(String(output.message), message, path);
      assert.deepEqual(a.json.usage, { image_count: 1 }, 'billed whether it passes or not');
    }
  });

  it('the admin can force a failure, and clear it; the faceDetect option decides the rest', async () => {
    const sim = await start({
      faceDetect: (url) => (url.includes('face') ? null : { code: 'X', message: 'no' }),
    });
    const url = `${base}/face.png`;
    const forced = await fetch(`${sim.origin}/__sim/face-detect`, {
      method: 'POST',
      body: JSON.stringify({ fail: { message: 'forced by the test' } }),
    });
    assert.equal(forced.status, 200);
    const a = await detect(sim, body(url));
    assert.deepEqual(a.json.output, {
      check_pass: false,
      humanoid: false,
      code: 'InvalidParameter',
      message: 'forced by the test',
    });
    await fetch(`${sim.origin}/__sim/face-detect`, {
      method: 'POST',
      body: JSON.stringify({ fail: null }),
    });
    assert.deepEqual((await detect(sim, body(url))).json.output, {
      check_pass: true,
      humanoid: true,
    });
    sim.setFaceDetectFailure({ code: 'Y', message: 'from the handle' });
    assert.deepEqual((await detect(sim, body(url))).json.output, {
      check_pass: false,
      humanoid: false,
      code: 'Y',
      message: 'from the handle',
    });
    sim.setFaceDetectFailure(null);
    const hook = await detect(sim, body(`${base}/edge-low.png`));
    assert.deepEqual(hook.json.output, {
      check_pass: false,
      humanoid: false,
      code: 'X',
      message: 'no',
    });
    const bad = await fetch(`${sim.origin}/__sim/face-detect`, {
      method: 'POST',
      body: '{"fail":1}',
    });
    assert.equal(bad.status, 400);
  });
});

describe('face-detect request errors', () => {
  it('answers like DashScope answers a bad request', async () => {
    const sim = await start();
    const url = `${base}/face.png`;
    const cases: [unknown, number, string, RegExp?][] = [
      [{ input: { image_url: url } }, 400, 'BadRequest.EmptyModel'],
      [body(url, 'wan2.2-s2v'), 400, 'InvalidParameter', /Model not exist/],
      [{ model: 'wan2.2-s2v-detect' }, 400, 'BadRequest.EmptyInput'],
      [body(undefined), 400, 'InvalidParameter', /input\.image_url/],
      [body(42), 400, 'InvalidParameter', /input\.image_url/],
      [body('not a url'), 400, 'InvalidURL'],
      [body('data:image/png;base64,iVBORw0KGgo='), 400, 'InvalidParameter', /http\(s\)/],
      [body('oss://dashscope-instant/x/face.png'), 400, 'InvalidParameter', /http\(s\)/],
    ];
    for (const [b, status, code, message] of cases) {
      const a = await detect(sim, b);
      assert.equal(a.status, status, JSON.stringify(b));
      assert.equal(a.json.code, code, JSON.stringify(a.json));
      if (message) assert.match(String(a.json.message), message);
    }
    const async = await detect(sim, body(url), true);
    assert.equal(async.status, 403);
    assert.equal(async.json.code, 'AccessDenied');
    assert.match(String(async.json.message), /does not support asynchronous calls/);
    const unauth = await simPost(sim.url, SIM_DETECT_PATH, body(url), {
      key: 'sk-nope',
      async: false,
    });
    assert.equal(unauth.status, 401);
    const get = await fetch(`${sim.url}${SIM_DETECT_PATH}`, {
      headers: { authorization: 'Bearer sk-sim' },
    });
    assert.equal(get.status, 400, 'GET is no operation: url error');
  });

  it('the detect model is Beijing only (F§7)', async () => {
    const sim = await start({ region: 'singapore' });
    const a = await detect(sim, body(`${base}/face.png`));
    assert.equal(a.status, 400);
    assert.match(String(a.json.message), /Model not exist/);
  });
});

describe('face-detect limit: 5 RPS of its own (F§7.1)', () => {
  it('throttles the 6th call in a second, apart from creates and queries', async () => {
    let t = Date.UTC(2026, 0, 15);
    const sim = await start({
      clock: { now: () => t },
      accounts: [{ id: 'sim-account', region: 'beijing', keys: ['sk-sim'] }],
    });
    const url = `${base}/face.png`;
    for (let i = 0; i < 5; i++) assert.equal((await detect(sim, body(url))).status, 200);
    const sixth = await detect(sim, body(url));
    assert.equal(sixth.status, 429);
    assert.equal(sixth.json.code, 'Throttling.RateQuota');
    assert.equal(sixth.headers.get('retry-after'), '1');
    const create = await simPost(sim.url, '/services/aigc/video-generation/video-synthesis', {
      model: 'wan2.6-i2v',
      input: { img_url: 'https://e.com/f.png' },
    });
    assert.equal(create.status, 200, 'creates have their own limit');
    t += 1000;
    assert.equal((await detect(sim, body(url))).status, 200);
    const stats = sim.stats().accounts['sim-account'];
    assert.deepEqual(stats?.detect, { requests: 7, maxPerSecond: 6, throttled: 1 });
    assert.equal(stats?.createRequests, 1);
    assert.equal(stats?.queryRequests, 0);
    assert.equal(stats?.total429, 1);
  });
});
