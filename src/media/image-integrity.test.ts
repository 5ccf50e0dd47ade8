import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loopbackServer, type LoopbackServer } from '../../test/support/media-traps.js';
import { locateMediaTools, runTool, type MediaTools } from './ffmpeg.js';
import { imageIsComplete } from './image-integrity.js';
import type { ImageFormat } from './inline-media.js';
import { MediaChecker } from './media-checker.js';
import { SafeMediaFetcher } from './safe-media-fetcher.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
const images = new Map<ImageFormat, Buffer>();
let thumb: Buffer = Buffer.alloc(0);
let server: LoopbackServer;
let checker: MediaChecker;
const served = new Map<string, Buffer>();

async function still(name: string, size: string, ...extra: string[]): Promise<Buffer> {
  const path = join(dir, name);
  // prettier-ignore
  await runTool(tools.ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=s=${size}`, '-frames:v', '1', ...extra, path,
  ]);
  return readFileSync(path);
}

/** A JPEG whose APP1 segment holds a whole thumbnail JPEG, EOI marker included. */
function withThumbnail(jpeg: Buffer, thumbnail: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), thumbnail]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

const cut = (b: Buffer, keep: number) => b.subarray(0, Math.max(0, Math.floor(keep)));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-integrity-'));
  images.set('png', await still('a.png', '640x480', '-pix_fmt', 'rgb24'));
  images.set('jpeg', await still('a.jpg', '640x480'));
  images.set('webp', await still('a.webp', '640x480'));
  images.set('bmp', await still('a.bmp', '320x240'));
  thumb = await still('t.jpg', '64x48');
  server = await loopbackServer((req, res) => {
    const body = served.get(new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(body ? 200 : 404);
    res.end(body);
  });
  const fetcher = new SafeMediaFetcher({ timeoutMs: 10_000, allowHosts: [server.host] });
  checker = new MediaChecker({ fetcher, tools, tempDir: dir });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('imageIsComplete', () => {
  void it('accepts whole images, with or without bytes after their end', () => {
    for (const [format, bytes] of images) {
      assert.equal(imageIsComplete(format, bytes), true, format);
      const padded = Buffer.concat([bytes, Buffer.alloc(100, 0)]);
      assert.equal(imageIsComplete(format, padded), true, `${format} + trailing bytes`);
    }
    const jpeg = images.get('jpeg') ?? Buffer.alloc(0);
    assert.equal(imageIsComplete('jpeg', withThumbnail(jpeg, thumb)), true, 'EXIF thumbnail');
  });

  void it('refuses images cut anywhere before their end', () => {
    for (const [format, bytes] of images) {
      for (const keep of [bytes.length * 0.3, bytes.length * 0.9, bytes.length - 1]) {
        assert.equal(imageIsComplete(format, cut(bytes, keep)), false, `${format} at ${keep}`);
      }
    }
  });

  void it('is not fooled by the end marker of an embedded thumbnail', () => {
    const jpeg = withThumbnail(images.get('jpeg') ?? Buffer.alloc(0), thumb);
    const cutAfterThumb = cut(jpeg, thumb.length + 2000);
    assert.ok(cutAfterThumb.includes(Buffer.from([0xff, 0xd9])), 'holds the thumbnail EOI');
    assert.equal(imageIsComplete('jpeg', cutAfterThumb), false);
  });
});

void describe('truncated images are refused', () => {
  const expected = /^input\.img_url: the (PNG|JPEG) image is incomplete \(cut off or damaged\)\.$/;

  void it('at create for data: URIs', async () => {
    for (const format of ['png', 'jpeg'] as const) {
      const bytes = images.get(format) ?? Buffer.alloc(0);
      const uri = `data:image/${format};base64,${cut(bytes, bytes.length * 0.8).toString('base64')}`;
      const v = await checker.checkInline({ model: 'wan2.6-i2v', input: { img_url: uri } });
      assert.equal(v.ok, false, format);
      if (!v.ok) {
        assert.equal(v.code, 'InvalidParameter');
        assert.match(v.message, expected);
      }
      const whole = `data:image/${format};base64,${bytes.toString('base64')}`;
      const ok = await checker.checkInline({ model: 'wan2.6-i2v', input: { img_url: whole } });
      assert.ok(ok.ok, format);
    }
  });

  void it('when CHECKING downloads them', async () => {
    for (const format of ['png', 'jpeg'] as const) {
      const bytes = images.get(format) ?? Buffer.alloc(0);
      served.set(`/cut.${format}`, cut(bytes, bytes.length * 0.8));
      const body = { model: 'wan2.6-i2v', input: { img_url: `${server.url}/cut.${format}` } };
      const v = await checker.checkRemote(body);
      assert.equal(v.ok, false, format);
      if (!v.ok) assert.match(v.message, expected);
    }
  });
});
