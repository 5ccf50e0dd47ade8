import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { locateMediaTools, runTool, type MediaTools } from './ffmpeg.js';
import { checkInlineMedia, sniffMediaFormat, wavDurationSec } from './inline-media.js';
import {
  DASHSCOPE_MEDIA_RULES,
  hasRemoteMedia,
  MediaChecker,
  mediaRulesFromTable,
  type MediaBody,
  type MediaVerdict,
} from './media-checker.js';
import { SafeMediaFetcher } from './safe-media-fetcher.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
let checkDir = '';
let server: Server;
let base = '';
let checker: MediaChecker;

async function ffmpeg(...args: string[]): Promise<void> {
  await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

const file = (name: string) => join(dir, name);
const dataUri = (name: string, mime = 'application/octet-stream') =>
  `data:${mime};base64,${readFileSync(file(name)).toString('base64')}`;
const i2v = (input: Record<string, unknown>): MediaBody => ({ model: 'wan2.6-i2v', input });
const r2v = (refs: string[]): MediaBody => ({
  model: 'wan2.6-r2v',
  input: { prompt: 'character1 waves', reference_urls: refs },
});

function assertRejected(v: MediaVerdict, code: string, message: string | RegExp) {
  assert.equal(v.ok, false, 'expected a rejection');
  if (v.ok) return;
  assert.equal(v.code, code);
  if (typeof message === 'string') assert.equal(v.message, message);
  else assert.match(v.message, message);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-check-'));
  checkDir = join(dir, 'checks');
  mkdirSync(checkDir);
  const still = (size: string, name: string, ...extra: string[]) =>
    ffmpeg('-f', 'lavfi', '-i', `testsrc=s=${size}`, '-frames:v', '1', ...extra, file(name));
  const tone = (seconds: number, name: string, ...extra: string[]) =>
    ffmpeg('-f', 'lavfi', '-i', `sine=d=${seconds}:sample_rate=22050`, ...extra, file(name));
  const clip = (seconds: number, name: string) =>
    // prettier-ignore
    ffmpeg(
      '-f', 'lavfi', '-i', `testsrc=s=320x240:r=25:d=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file(name),
    );
  await Promise.all([
    still('640x480', 'frame.jpg'),
    still('640x480', 'frame.png', '-pix_fmt', 'rgb24'),
    still('100x100', 'tiny.png', '-pix_fmt', 'rgb24'),
    still('640x480', 'alpha.png', '-pix_fmt', 'rgba'),
    still('300x300', 'frame.bmp'),
    still('320x320', 'frame.webp'),
    tone(2, 'short.wav'),
    tone(5, 'five.wav'),
    tone(5, 'five.mp3', '-c:a', 'libmp3lame'),
    clip(0.5, 'half.mp4'),
    clip(2, 'two.mp4'),
    clip(2, 'two.mov'),
  ]);
  writeFileSync(file('garbage.png'), Buffer.from('this is not an image at all, just text'));

  server = createServer((req, res) => {
    const name = basename(req.url ?? '');
    try {
      const body = readFileSync(file(name));
      res.writeHead(200, { 'content-type': name.endsWith('.png') ? 'image/png' : 'video/mp4' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const fetcher = new SafeMediaFetcher({ timeoutMs: 10_000, allowHosts: [`127.0.0.1:${port}`] });
  checker = new MediaChecker({ fetcher, tools, policy: fetcher.policy, tempDir: checkDir });
});

after(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('format sniffing', () => {
  void it('identifies files by content and WAV length by header', () => {
    const expected: Record<string, string | null> = {
      'frame.jpg': 'jpeg',
      'frame.png': 'png',
      'frame.bmp': 'bmp',
      'frame.webp': 'webp',
      'five.wav': 'wav',
      'five.mp3': 'mp3',
      'two.mp4': 'mp4',
      'two.mov': 'mov',
      'garbage.png': null,
    };
    for (const [name, format] of Object.entries(expected)) {
      assert.equal(sniffMediaFormat(readFileSync(file(name))), format, name);
    }
    const d = wavDurationSec(readFileSync(file('five.wav')));
    assert.ok(d !== null && Math.abs(d - 5) < 0.01, `WAV duration ${d}`);
  });
});

void describe('MediaChecker.checkInline', () => {
  void it('accepts 640×480 JPEG and PNG first frames, whatever MIME they declare', async () => {
    const expected = [
      ['frame.jpg', 'jpeg', 640, 480],
      ['frame.png', 'png', 640, 480],
      ['frame.bmp', 'bmp', 300, 300],
      ['frame.webp', 'webp', 320, 320],
    ] as const;
    for (const [name, format, width, height] of expected) {
      // the declared type is deliberately wrong: content decides
      const v = await checker.checkInline(i2v({ img_url: dataUri(name, 'image/gif') }));
      assert.ok(v.ok, `${name}: ${v.ok ? '' : v.message}`);
      assert.deepEqual(v.media[0]?.info, {
        kind: 'image',
        format,
        bytes: readFileSync(file(name)).length,
        width,
        height,
      });
    }
  });

  void it('rejects a 100×100 image, an RGBA PNG and a video as the first frame', async () => {
    assertRejected(
      await checker.checkInline(i2v({ img_url: dataUri('tiny.png', 'image/png') })),
      'InvalidParameter',
      'input.img_url: image is 100×100 px; each side must be 240 to 8000 px.',
    );
    assertRejected(
      await checker.checkInline(i2v({ img_url: dataUri('alpha.png', 'image/png') })),
      'InvalidParameter',
      /^input\.img_url: the PNG has an alpha channel/,
    );
    assertRejected(
      await checker.checkInline(i2v({ img_url: dataUri('two.mp4', 'image/png') })),
      'InvalidParameter',
      'input.img_url: got MP4 video; expected image (JPEG, PNG, BMP or WEBP).',
    );
  });

  void it('checks audio length: 2 s WAV rejected, 5 s WAV and MP3 accepted', async () => {
    const frame = dataUri('frame.jpg', 'image/jpeg');
    assertRejected(
      await checker.checkInline(
        i2v({ img_url: frame, audio_url: dataUri('short.wav', 'audio/wav') }),
      ),
      'InvalidParameter',
      'input.audio_url: audio is 2.0 s long; it must be 3 to 30 s.',
    );
    for (const name of ['five.wav', 'five.mp3']) {
      const v = await checker.checkInline(i2v({ img_url: frame, audio_url: dataUri(name) }));
      assert.ok(v.ok, name);
      const audio = v.media.find((m) => m.field === 'input.audio_url')?.info;
      assert.equal(audio?.kind, 'audio');
      if (audio?.kind === 'audio') {
        assert.ok(audio.durationSec !== null && Math.abs(audio.durationSec - 5) < 0.1, name);
      }
    }
  });

  void it('applies size limits from the rules it is given', async () => {
    const rules = {
      ...DASHSCOPE_MEDIA_RULES,
      image: { ...DASHSCOPE_MEDIA_RULES.image, maxBytes: 1000 },
    };
    const v = await checker.checkInline(i2v({ img_url: dataUri('frame.png') }), rules);
    assertRejected(
      v,
      'InvalidParameter',
      /^input\.img_url: image is [\d.]+ KB; the limit is 1000 bytes\.$/,
    );
  });

  void it('reads model-table limits through mediaRulesFromTable', async () => {
    const oldDoc = {
      formats: ['JPG', 'PNG'],
      minSidePx: 360,
      maxSidePx: 600,
      maxBytes: 10 * 2 ** 20,
      allowAlpha: false,
    };
    const rules = mediaRulesFromTable({ firstFrame: oldDoc, audio: null, references: null });
    assert.deepEqual(rules.image.formats, ['jpeg', 'png']);
    assert.equal(rules.audio, DASHSCOPE_MEDIA_RULES.audio);
    assertRejected(
      await checker.checkInline(i2v({ img_url: dataUri('frame.jpg') }), rules),
      'InvalidParameter',
      'input.img_url: image is 640×480 px; each side must be 360 to 600 px.',
    );
    assertRejected(
      await checker.checkInline(i2v({ img_url: dataUri('frame.webp') }), rules),
      'InvalidParameter',
      'input.img_url: got WEBP image; expected image (JPEG or PNG).',
    );
  });

  void it('refuses bad URLs at create time and leaves remote and oss:// ones for later', async () => {
    assertRejected(
      await checker.checkInline(i2v({ img_url: 'data:image/png,not-base64' })),
      'InvalidURL',
      /must be base64-encoded/,
    );
    assertRejected(
      await checker.checkInline(i2v({ img_url: 'ftp://example.com/a.png' })),
      'InvalidURL',
      /scheme 'ftp:' is not supported/,
    );
    assertRejected(
      await checker.checkInline(i2v({ img_url: 'http://169.254.169.254/latest/meta-data' })),
      'InvalidURL',
      "input.img_url: the host '169.254.169.254' is not allowed; only public internet addresses are fetched.",
    );
    const v = await checker.checkInline(
      r2v(['oss://dashscope-instant/x.png', 'https://cdn.example.com/a.mp4', dataUri('frame.jpg')]),
    );
    assert.ok(v.ok);
    assert.deepEqual(
      v.media.map((m) => m.field),
      ['input.reference_urls[2]'],
    );
  });

  void it('works without ffprobe for images and WAV via checkInlineMedia', async () => {
    const r = await checkInlineMedia(
      'input.img_url',
      dataUri('frame.jpg'),
      'image',
      DASHSCOPE_MEDIA_RULES,
    );
    assert.ok(r.ok);
    const bad = await checkInlineMedia(
      'input.audio_url',
      dataUri('short.wav'),
      'audio',
      DASHSCOPE_MEDIA_RULES,
    );
    assert.equal(bad.ok, false);
  });
});

void describe('MediaChecker.checkRemote', () => {
  void it('rejects a 0.5 s reference video and accepts 2 s MP4/MOV with images', async () => {
    assertRejected(
      await checker.checkRemote(r2v([`${base}/frame.jpg`, `${base}/half.mp4`])),
      'InvalidParameter',
      'input.reference_urls[1]: video is 0.5 s long; it must be 1 to 30 s.',
    );
    const v = await checker.checkRemote(
      r2v([
        `${base}/frame.png`,
        `${base}/two.mp4`,
        `${base}/two.mov`,
        'oss://dashscope-instant/a.png',
      ]),
    );
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.deepEqual(
      v.media.map((m) => [m.field, m.info.kind, m.info.format]),
      [
        ['input.reference_urls[0]', 'image', 'png'],
        ['input.reference_urls[1]', 'video', 'mp4'],
        ['input.reference_urls[2]', 'video', 'mov'],
      ],
    );
    const video = v.media[1]?.info;
    assert.ok(video?.kind === 'video' && Math.abs(video.durationSec - 2) < 0.1);
    assert.deepEqual(readdirSync(checkDir), [], 'temp files are removed');
  });

  void it('rejects a garbage file named .png as an unsupported format', async () => {
    assertRejected(
      await checker.checkRemote(r2v([`${base}/garbage.png`])),
      'InvalidParameter',
      'input.reference_urls[0]: the file is not a supported image or video (JPEG, PNG, BMP, WEBP, MP4 or MOV).',
    );
    assert.deepEqual(readdirSync(checkDir), []);
  });

  void it('checks remote first frames and audio with the same rules', async () => {
    assertRejected(
      await checker.checkRemote(i2v({ img_url: `${base}/tiny.png` })),
      'InvalidParameter',
      'input.img_url: image is 100×100 px; each side must be 240 to 8000 px.',
    );
    assertRejected(
      await checker.checkRemote(
        i2v({ img_url: `${base}/frame.jpg`, audio_url: `${base}/short.wav` }),
      ),
      'InvalidParameter',
      'input.audio_url: audio is 2.0 s long; it must be 3 to 30 s.',
    );
    const ok = await checker.checkRemote(
      i2v({ img_url: `${base}/frame.jpg`, audio_url: `${base}/five.mp3` }),
    );
    assert.ok(ok.ok);
    assert.equal(ok.media.length, 2);
  });

  void it('limits videos among references, counting inline ones too', async () => {
    const v = await checker.checkRemote(
      r2v([dataUri('two.mp4'), `${base}/two.mp4`, `${base}/two.mov`, `${base}/two.mp4`]),
    );
    assertRejected(v, 'InvalidParameter', /at most 3 of the references may be videos, got 4/);
  });

  void it('maps download problems onto DashScope codes, naming the field', async () => {
    assertRejected(
      await checker.checkRemote(i2v({ img_url: `${base}/missing.png` })),
      'BadRequest.InputDownloadFailed',
      /^input\.img_url: download of the media from 127\.0\.0\.1 failed: HTTP 404\.$/,
    );
    const strict = new MediaChecker({
      fetcher: new SafeMediaFetcher({ timeoutMs: 5000 }),
      tools,
      tempDir: checkDir,
    });
    assertRejected(
      await strict.checkRemote(i2v({ img_url: `${base}/frame.jpg` })),
      'InvalidURL',
      /^input\.img_url: the media URL host '127\.0\.0\.1' is not allowed/,
    );
    assert.deepEqual(readdirSync(checkDir), []);
  });

  void it('has nothing to do for inline and oss:// media, and throws when aborted', async () => {
    const inlineOnly = i2v({
      img_url: dataUri('frame.jpg'),
      audio_url: 'oss://dashscope-instant/a.wav',
    });
    assert.equal(hasRemoteMedia(inlineOnly), false);
    assert.equal(hasRemoteMedia(i2v({ img_url: `${base}/frame.jpg` })), true);
    assert.deepEqual(await checker.checkRemote(inlineOnly), { ok: true, media: [] });
    await assert.rejects(
      checker.checkRemote(i2v({ img_url: `${base}/frame.jpg` }), AbortSignal.abort()),
      { name: 'AbortError' },
    );
  });
});
