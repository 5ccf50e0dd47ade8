import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MediaTools } from './ffmpeg.js';
import { locateMediaTools, runTool } from './ffmpeg.js';
import { isStillImage, probeMedia, UndecodableMediaError } from './probe.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';

async function ffmpeg(...args: string[]): Promise<void> {
  await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

function npmBinary(pkg: string): string | null {
  try {
    const exported: unknown = createRequire(import.meta.url)(pkg);
    if (typeof exported === 'object' && exported !== null && 'path' in exported) {
      return typeof exported.path === 'string' ? exported.path : null;
    }
    return null;
  } catch {
    return null;
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-probe-'));
  // prettier-ignore
  await ffmpeg(
    '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=30:d=1',
    '-f', 'lavfi', '-i', 'sine=f=440:d=1:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    join(dir, 'clip.mp4'),
  );
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=64x48', '-frames:v', '1', join(dir, 'still.png'));
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=300x400', '-frames:v', '1', join(dir, 'still.jpg'));
  await ffmpeg('-f', 'lavfi', '-i', 'sine=d=2:sample_rate=22050', join(dir, 'tone.wav'));
  // Phones store portrait video as landscape frames plus a rotation; only a remux keeps it.
  // prettier-ignore
  await ffmpeg(
    '-i', join(dir, 'clip.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90',
    join(dir, 'rotated.mp4'),
  );
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('locateMediaTools', () => {
  void it('falls back to the npm installer binaries when PATH is empty', async (t) => {
    const ffmpegNpm = npmBinary('@ffmpeg-installer/ffmpeg');
    const ffprobeNpm = npmBinary('@ffprobe-installer/ffprobe');
    if (!ffmpegNpm || !ffprobeNpm) {
      t.skip('npm ffmpeg/ffprobe installer packages not installed');
      return;
    }
    const located = locateMediaTools({ pathEnv: '' });
    assert.equal(located.ffmpeg, ffmpegNpm);
    assert.equal(located.ffprobe, ffprobeNpm);
    assert.match(located.ffmpeg, /@ffmpeg-installer/);
    assert.match(located.ffprobe, /@ffprobe-installer/);
    const { stdout } = await runTool(located.ffprobe, ['-version']);
    assert.match(stdout, /^ffprobe version/);
    const probe = await probeMedia(located, join(dir, 'clip.mp4'));
    assert.equal(probe.video?.codec, 'h264');
  });

  void it('prefers an executable on the given PATH and skips non-executable files', () => {
    const binDir = join(dir, 'fake-bin');
    const shadowDir = join(dir, 'shadow-bin');
    mkdirSync(binDir, { recursive: true });
    mkdirSync(shadowDir, { recursive: true });
    for (const name of ['ffmpeg', 'ffprobe']) {
      writeFileSync(join(binDir, name), '#!/bin/sh\nexit 0\n');
      chmodSync(join(binDir, name), 0o755);
      writeFileSync(join(shadowDir, name), 'not executable');
      chmodSync(join(shadowDir, name), 0o644);
    }
    const located = locateMediaTools({ pathEnv: `${shadowDir}::${binDir}` });
    assert.deepEqual(located, { ffmpeg: join(binDir, 'ffmpeg'), ffprobe: join(binDir, 'ffprobe') });
  });

  void it('uses explicit paths over PATH and rejects unusable explicit paths', () => {
    const located = locateMediaTools({
      ffmpegPath: tools.ffmpeg,
      ffprobePath: tools.ffprobe,
      pathEnv: join(dir, 'fake-bin'),
    });
    assert.deepEqual(located, tools);
    assert.throws(
      () => locateMediaTools({ ffmpegPath: join(dir, 'missing-ffmpeg'), pathEnv: '' }),
      /not an executable file/,
    );
  });
});

void describe('runTool', () => {
  void it('rejects with the tail of stderr on failure', async () => {
    await assert.rejects(
      runTool(tools.ffmpeg, ['-hide_banner', '-i', join(dir, 'nope.mp4')]),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /exited with code 1/);
        assert.match(err.message, /nope\.mp4/);
        return true;
      },
    );
  });

  void it('kills the process on timeout and on abort', async () => {
    const endless = ['-hide_banner', '-re', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'];
    const started = Date.now();
    await assert.rejects(runTool(tools.ffmpeg, endless, { timeoutMs: 300 }), /timed out/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(runTool(tools.ffmpeg, endless, { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.ok(Date.now() - started < 5000);
  });
});

void describe('probeMedia', () => {
  void it('describes a video with audio', async () => {
    const probe = await probeMedia(tools, join(dir, 'clip.mp4'));
    assert.match(probe.format, /mp4/);
    assert.ok(probe.durationSec !== null && Math.abs(probe.durationSec - 1) < 0.1);
    assert.ok(probe.sizeBytes > 1000);
    assert.deepEqual(probe.video, { codec: 'h264', width: 320, height: 240, fps: 30 });
    assert.deepEqual(probe.audio, { codec: 'aac', sampleRate: 44100 });
    assert.equal(isStillImage(probe), false);
  });

  void it('reports display size for rotated video', async () => {
    const probe = await probeMedia(tools, join(dir, 'rotated.mp4'));
    assert.equal(probe.video?.width, 240);
    assert.equal(probe.video?.height, 320);
  });

  void it('describes still images without duration or frame rate', async () => {
    const png = await probeMedia(tools, join(dir, 'still.png'));
    assert.deepEqual(png.video, { codec: 'png', width: 64, height: 48, fps: null });
    assert.equal(png.durationSec, null);
    assert.equal(png.audio, null);
    assert.equal(isStillImage(png), true);
    const jpg = await probeMedia(tools, join(dir, 'still.jpg'));
    assert.equal(jpg.video?.codec, 'mjpeg');
    assert.equal(jpg.video?.width, 300);
    assert.equal(jpg.video?.height, 400);
    assert.equal(isStillImage(jpg), true);
  });

  void it('describes audio-only files', async () => {
    const probe = await probeMedia(tools, join(dir, 'tone.wav'));
    assert.equal(probe.video, null);
    assert.deepEqual(probe.audio, { codec: 'pcm_s16le', sampleRate: 22050 });
    assert.ok(probe.durationSec !== null && Math.abs(probe.durationSec - 2) < 0.05);
    assert.equal(isStillImage(probe), false);
  });

  void it('rejects files that are missing or not media', async () => {
    await assert.rejects(probeMedia(tools, join(dir, 'missing.mp4')), { code: 'ENOENT' });
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'definitely not a video');
    await assert.rejects(probeMedia(tools, junk), UndecodableMediaError);
    // a PNG read as the MP4 its caller claims it is: the forced demuxer fails, nothing else runs
    await assert.rejects(probeMedia(tools, join(dir, 'still.png'), 'mp4'), UndecodableMediaError);
  });
});
