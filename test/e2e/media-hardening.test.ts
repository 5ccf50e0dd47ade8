import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  concatScript,
  hlsPlaylist,
  loopbackServer,
  plantFifo,
  type LoopbackServer,
  type PlantedFile,
} from '../support/media-traps.js';
import {
  imageDataUri,
  makeTempDir,
  removeDir,
  startTestVidgate,
  type TestVidgate,
} from './helpers.js';

// Issue 11 drills: media that makes ffmpeg read other files or URLs, a server answering a valid
// image to the check and a playlist afterwards, and images cut off in transit.

const FTYP = Buffer.from('0000001866747970697336d00000000069736f6d69736f32', 'hex');
const ID3_HEADER = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);

let vg: TestVidgate;
let trapDir = '';
let planted: PlantedFile;
let media: LoopbackServer;
let segments: LoopbackServer;
let png = Buffer.alloc(0);
const traps = new Map<string, Buffer>();

const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

function i2v(imgUrl: string, audioUrl?: string) {
  return {
    model: 'wan2.6-i2v-flash',
    input: {
      prompt: 'a lighthouse',
      img_url: imgUrl,
      ...(audioUrl ? { audio_url: audioUrl } : {}),
    },
    parameters: { resolution: '720P', duration: 2 },
  };
}

/** Nothing a client reads may carry a server path or a tool's words. */
function assertClientSafe(message: string): void {
  for (const leak of [vg.dataDir, trapDir, '/tmp/', 'ffprobe', 'ffmpeg', '\n', 'Error:']) {
    assert.equal(message.includes(leak), false, `"${leak}" in: ${message}`);
  }
}

async function createRejected(body: unknown, message: RegExp): Promise<void> {
  const res = await vg.api('POST', '/task/bailian/image2video', body);
  assert.equal(res.status, 400, JSON.stringify(res.json));
  const err = res.json as { code: string; message: string };
  assert.equal(err.code, 'InvalidParameter');
  assert.match(err.message, message);
  assertClientSafe(err.message);
}

async function runTask(body: unknown) {
  const res = await vg.api('POST', '/task/bailian/image2video', body);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const id = (res.json as { output: { task_id: string } }).output.task_id;
  const done = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 90_000);
  return done.body.output;
}

before(async () => {
  trapDir = makeTempDir('traps');
  planted = plantFifo(trapDir);
  png = Buffer.from((await imageDataUri(640, 480, 'png')).split(',')[1] ?? '', 'base64');
  segments = await loopbackServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp2t' });
    res.end(Buffer.alloc(1880, 0x47));
  });
  const playlist = Buffer.from(hlsPlaylist(planted.path));
  traps.set('/playlist-local.png', playlist);
  traps.set('/playlist-http.mp4', Buffer.from(hlsPlaylist(`${segments.url}/segment.ts`)));
  traps.set('/concat.txt', Buffer.from(concatScript(planted.path)));
  traps.set('/disguised.mp4', Buffer.concat([FTYP, playlist]));
  traps.set('/disguised.mp3', Buffer.concat([ID3_HEADER, playlist]));
  traps.set('/frame.png', png);
  traps.set('/cut.png', png.subarray(0, Math.floor(png.length * 0.7)));
  media = await loopbackServer((req, res, hit) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // the drill's server: a valid image for the first request, a playlist for any later one
    const body = path === '/switch.png' ? (hit === 1 ? png : playlist) : traps.get(path);
    res.writeHead(body ? 200 : 404, { 'content-type': 'image/png' });
    res.end(body);
  });
  vg = await startTestVidgate({ env: { VIDGATE_MEDIA_ALLOW_HOSTS: media.host } });
});

after(async () => {
  await vg?.stop();
  planted.stop();
  await media.close();
  await segments.close();
  removeDir(trapDir);
});

void describe('media that names other files or URLs', () => {
  it('is refused at create as inline data: media', async () => {
    const notImage = /^input\.img_url: the file is not a supported image/;
    for (const path of ['/playlist-local.png', '/playlist-http.mp4', '/concat.txt']) {
      await createRejected(i2v(dataUri(traps.get(path) ?? Buffer.alloc(0))), notImage);
    }
    await createRejected(
      i2v(dataUri(traps.get('/disguised.mp4') ?? Buffer.alloc(0))),
      /^input\.img_url: got MP4 video; expected image/,
    );
    await createRejected(
      i2v(
        dataUri(png),
        `data:audio/mpeg;base64,${traps.get('/disguised.mp3')?.toString('base64') ?? ''}`,
      ),
      /^input\.audio_url: the MP3 file could not be decoded\.$/,
    );
    const refs = await vg.api('POST', '/task/bailian/ref2video', {
      model: 'wan2.6-r2v-flash',
      input: {
        prompt: 'character1 waves',
        reference_urls: [dataUri(traps.get('/disguised.mp4') ?? Buffer.alloc(0))],
      },
      parameters: { size: '1280*720', duration: 2 },
    });
    assert.equal(refs.status, 400, JSON.stringify(refs.json));
    assert.match(
      (refs.json as { message: string }).message,
      /^input\.reference_urls\[0\]: the MP4 file holds no playable video\.$/,
    );
  });

  it('fails the task when fetched from a server, never opening what it names', async () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['/playlist-local.png', undefined, /^input\.img_url: the file is not a supported image/],
      ['/playlist-http.mp4', undefined, /^input\.img_url: the file is not a supported image/],
      ['/concat.txt', undefined, /^input\.img_url: the file is not a supported image/],
      ['/disguised.mp4', undefined, /^input\.img_url: got MP4 video; expected image/],
      ['/frame.png', '/disguised.mp3', /^input\.audio_url: the MP3 file could not be decoded\.$/],
    ];
    const outputs = await Promise.all(
      cases.map(([img, audio]) =>
        runTask(i2v(`${media.url}${img}`, audio ? `${media.url}${audio}` : undefined)),
      ),
    );
    outputs.forEach((out, i) => {
      assert.equal(out.task_status, 'FAILED', JSON.stringify(out));
      assert.equal(out.code, 'InvalidParameter');
      assert.match(out.message ?? '', cases[i]?.[2] ?? /^$/);
      assertClientSafe(out.message ?? '');
    });
    assert.equal(planted.opened(), false, 'the planted file was never opened');
    assert.equal(segments.total(), 0, 'no URL named in a playlist was requested');
  });
});

void describe('a server that answers differently the second time', () => {
  it('gets a task that used the checked copy, or failed cleanly, never the second answer', async () => {
    const before = media.hits.get('/switch.png') ?? 0;
    const out = await runTask(i2v(`${media.url}/switch.png?task=1`));
    const fetches = (media.hits.get('/switch.png') ?? 0) - before;
    if (out.task_status === 'SUCCEEDED') {
      // kept checked copies wired (ADR 0009): the one fetch of the CHECKING step is all
      assert.equal(fetches, 1);
      const video = await vg.saveResult(out.video_url ?? '');
      assert.equal(readFileSync(video).includes(planted.secret), false);
    } else {
      // no kept copies: the sandbox fetched once more, got the playlist and checked it
      assert.equal(out.code, 'InvalidParameter', JSON.stringify(out));
      assert.match(out.message ?? '', /^input\.img_url: the file is not a supported image/);
      assert.equal(fetches, 2);
    }
    assert.equal(planted.opened(), false);
  });
});

void describe('truncated images', () => {
  const incomplete = /^input\.img_url: the PNG image is incomplete \(cut off or damaged\)\.$/;

  it('are refused at create when inline', async () => {
    await createRejected(i2v(dataUri(traps.get('/cut.png') ?? Buffer.alloc(0))), incomplete);
  });

  it('fail the task when fetched', async () => {
    const out = await runTask(i2v(`${media.url}/cut.png`));
    assert.equal(out.task_status, 'FAILED');
    assert.equal(out.code, 'InvalidParameter');
    assert.match(out.message ?? '', incomplete);
  });
});
