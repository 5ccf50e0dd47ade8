import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  concatScript,
  hlsPlaylist,
  loopbackServer,
  plantFifo,
  type LoopbackServer,
  type PlantedFile,
} from '../../test/support/media-traps.js';
import { locateMediaTools, runTool, ToolExitError, type MediaTools } from './ffmpeg.js';
import { checkInlineMedia, type MediaFormat } from './inline-media.js';
import { DASHSCOPE_MEDIA_RULES } from './media-checker.js';
import { probeMedia, UndecodableMediaError } from './probe.js';
import { sniffFile } from './sniff.js';
import { toolInputArgs } from './tool-input.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
let planted: PlantedFile;
let segments: LoopbackServer;

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
/** Bytes a sniffer takes for the format, followed by a playlist. */
const ID3_HEADER = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);
const FTYP = Buffer.from('0000001866747970697336d00000000069736f6d69736f32', 'hex');
const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-whitelist-'));
  planted = plantFifo(dir);
  segments = await loopbackServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp2t' });
    res.end(Buffer.alloc(188 * 10, 0x47));
  });
});

after(async () => {
  planted.stop();
  await segments.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('ffmpeg inputs are pinned to the file and its sniffed demuxer', () => {
  void it('control: without the whitelists, ffprobe follows a playlist to the planted file', async () => {
    const playlist = file('control.m3u8', hlsPlaylist(planted.path));
    await runTool(tools.ffprobe, ['-v', 'error', '-show_format', `file:${playlist}`]).catch(
      () => undefined,
    );
    assert.equal(planted.opened(), true, 'the FIFO detector sees an open for reading');
  });

  void it('never opens what a playlist or concat script names', async () => {
    const fifo = plantFifo(dir, 'second.mp4');
    try {
      const traps = [
        file('local.m3u8', hlsPlaylist(fifo.path)),
        file('remote.m3u8', hlsPlaylist(`${segments.url}/segment.ts`)),
        file('concat.txt', concatScript(fifo.path)),
        // sniffed as MP3, MP4 and PNG: the forced demuxer then refuses the rest of the bytes
        file('id3.bin', Buffer.concat([ID3_HEADER, Buffer.from(hlsPlaylist(fifo.path))])),
        file('ftyp.bin', Buffer.concat([FTYP, Buffer.from(hlsPlaylist(fifo.path))])),
        file('png.bin', Buffer.concat([PNG_SIGNATURE, Buffer.from(hlsPlaylist(fifo.path))])),
      ];
      const formats: MediaFormat[] = ['png', 'jpeg', 'bmp', 'webp', 'wav', 'mp3', 'mp4', 'mov'];
      for (const trap of traps) {
        const sniffed = await sniffFile(trap);
        await probeMedia(tools, trap).then(
          (probe) => assert.notEqual(probe.format, 'hls', trap),
          (err: unknown) => assert.ok(err instanceof UndecodableMediaError, String(err)),
        );
        for (const format of formats) {
          await probeMedia(tools, trap, format).catch((err: unknown) => {
            assert.ok(err instanceof UndecodableMediaError, `${trap} as ${format}: ${String(err)}`);
          });
        }
        assert.ok(sniffed === null || ['mp3', 'mp4', 'png'].includes(sniffed), trap);
      }
      assert.equal(fifo.opened(), false, 'the planted file was never opened');
      assert.equal(segments.total(), 0, 'no segment URL was requested');
    } finally {
      fifo.stop();
    }
  });

  void it('passes the whitelists on every input', () => {
    assert.deepEqual(toolInputArgs('png', '/data/in/x'), [
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'png_pipe',
      '-f',
      'png_pipe',
      '-i',
      'file:/data/in/x',
    ]);
    assert.deepEqual(toolInputArgs('mp4', 'rel').slice(0, 8), [
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'mov',
      '-enable_drefs',
      '0',
      '-f',
      'mov',
    ]);
  });

  void it('reports a failed tool run as ToolExitError, the stderr kept for the log only', async () => {
    const junk = file('junk.mp4', Buffer.concat([FTYP, Buffer.from('no moov atom here')]));
    await assert.rejects(probeMedia(tools, junk), (err: unknown) => {
      assert.ok(err instanceof UndecodableMediaError);
      assert.ok(err.cause instanceof ToolExitError);
      return true;
    });
  });

  void it('refuses playlists and scripts sent as data: URIs at the create check', async () => {
    for (const text of [hlsPlaylist(planted.path), concatScript(planted.path)]) {
      for (const kind of ['image', 'audio', 'image-or-video'] as const) {
        const uri = `data:video/mp4;base64,${Buffer.from(text).toString('base64')}`;
        const r = await checkInlineMedia('input.x', uri, kind, DASHSCOPE_MEDIA_RULES, tools);
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.message, /^input\.x: the file is not a supported/);
      }
    }
  });
});
