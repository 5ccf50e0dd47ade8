import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { MediaTools } from '../../media/ffmpeg.js';
import { locateMediaTools, runTool } from '../../media/ffmpeg.js';
import type { MediaProbe } from '../../media/probe.js';
import { probeMedia } from '../../media/probe.js';
import type { RenderSpec } from './render.js';
import { renderVideo } from './render.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
let outCounter = 0;

const fixture = (name: string) => join(dir, name);

async function ffmpeg(...args: string[]): Promise<void> {
  await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

function spec(overrides: Partial<RenderSpec>): RenderSpec {
  outCounter += 1;
  return {
    mode: 'text',
    width: 480,
    height: 480,
    durationSec: 2,
    seed: 42,
    audio: { kind: 'none' },
    inputs: [],
    outPath: join(dir, 'out', `render-${outCounter}.mp4`),
    ...overrides,
  };
}

async function render(s: RenderSpec, with_: MediaTools = tools): Promise<MediaProbe> {
  await renderVideo(with_, s);
  return probeMedia(with_, s.outPath);
}

const streamSchema = z.object({
  streams: z
    .array(z.object({ duration: z.string().optional(), nb_read_frames: z.string().optional() }))
    .length(1),
});

/** Stream-level facts that probeMedia deliberately does not expose. */
async function streamInfo(path: string, stream: 'v:0' | 'a:0') {
  // prettier-ignore
  const { stdout } = await runTool(tools.ffprobe, [
    '-v', 'error', '-select_streams', stream, '-count_frames',
    '-show_entries', 'stream=duration,nb_read_frames', '-of', 'json', path,
  ]);
  const [info] = streamSchema.parse(JSON.parse(stdout)).streams;
  return { duration: Number(info?.duration), frames: Number(info?.nb_read_frames) };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function assertVideo(probe: MediaProbe, width: number, height: number, durationSec: number) {
  assert.deepEqual(probe.video, { codec: 'h264', width, height, fps: 24 });
  assert.match(probe.format, /mp4/);
  assert.ok(probe.durationSec !== null, 'duration missing');
  assert.ok(
    Math.abs(probe.durationSec - durationSec) <= 0.1,
    `duration ${probe.durationSec} != ${durationSec}`,
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-render-'));
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=640x360', '-frames:v', '1', fixture('wide.png'));
  await ffmpeg('-f', 'lavfi', '-i', 'smptebars=s=300x400', '-frames:v', '1', fixture('tall.jpg'));
  // Shorter than the slice it will fill, so the renderer has to loop it.
  // prettier-ignore
  await ffmpeg(
    '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=30:d=0.8',
    '-f', 'lavfi', '-i', 'sine=f=330:d=0.8',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    fixture('clip.mp4'),
  );
  await ffmpeg('-f', 'lavfi', '-i', 'sine=f=500:d=2:sample_rate=44100', fixture('two-sec.wav'));
  // prettier-ignore
  await ffmpeg(
    '-f', 'lavfi', '-i', 'sine=f=700:d=6:sample_rate=44100', '-ac', '1', '-c:a', 'libmp3lame',
    fixture('six-sec.mp3'),
  );
  // Uploads are stored without extensions, so detection must rely on content alone.
  copyFileSync(fixture('wide.png'), fixture('upload-image'));
  copyFileSync(fixture('clip.mp4'), fixture('upload-video'));
  copyFileSync(fixture('six-sec.mp3'), fixture('upload-audio'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('renderVideo', () => {
  void it('first-frame 1280x720 3 s with synth audio', async () => {
    const s = spec({
      mode: 'first-frame',
      width: 1280,
      height: 720,
      durationSec: 3,
      audio: { kind: 'synth' },
      inputs: [fixture('wide.png')],
    });
    const probe = await render(s);
    assertVideo(probe, 1280, 720, 3);
    assert.deepEqual(probe.audio, { codec: 'aac', sampleRate: 48000 });
    const video = await streamInfo(s.outPath, 'v:0');
    assert.equal(video.frames, 72);
    // No temp files left behind next to the output.
    assert.deepEqual(
      readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.part')),
      [],
    );
  });

  void it('first-frame without audio has no audio stream', async () => {
    const probe = await render(
      spec({ mode: 'first-frame', width: 368, height: 480, inputs: [fixture('tall.jpg')] }),
    );
    assertVideo(probe, 368, 480, 2);
    assert.equal(probe.audio, null);
  });

  void it('pads a 2 s audio file with silence to 4 s', async () => {
    const s = spec({ durationSec: 4, audio: { kind: 'file', path: fixture('two-sec.wav') } });
    const probe = await render(s);
    assertVideo(probe, 480, 480, 4);
    assert.equal(probe.audio?.codec, 'aac');
    const audio = await streamInfo(s.outPath, 'a:0');
    assert.ok(Math.abs(audio.duration - 4) <= 0.1, `audio duration ${audio.duration}`);
  });

  void it('cuts a 6 s mono mp3 to 4 s', async () => {
    const s = spec({ durationSec: 4, audio: { kind: 'file', path: fixture('upload-audio') } });
    const probe = await render(s);
    assertVideo(probe, 480, 480, 4);
    const audio = await streamInfo(s.outPath, 'a:0');
    assert.ok(Math.abs(audio.duration - 4) <= 0.1, `audio duration ${audio.duration}`);
  });

  void it('composes references from an image and a short looping video at 960x960', async () => {
    const s = spec({
      mode: 'references',
      width: 960,
      height: 960,
      durationSec: 3,
      inputs: [fixture('upload-image'), fixture('upload-video')],
    });
    const probe = await render(s);
    assertVideo(probe, 960, 960, 3);
    assert.equal(probe.audio, null, 'audio of a reference clip must not leak through');
    assert.equal((await streamInfo(s.outPath, 'v:0')).frames, 72);
  });

  void it('renders text mode with a synth track', async () => {
    const probe = await render(
      spec({ mode: 'text', width: 832, height: 480, audio: { kind: 'synth' } }),
    );
    assertVideo(probe, 832, 480, 2);
    assert.equal(probe.audio?.codec, 'aac');
  });

  void it('is byte-identical for the same spec and differs across seeds', async () => {
    const base = {
      mode: 'references' as const,
      width: 320,
      height: 320,
      audio: { kind: 'synth' as const },
      inputs: [fixture('tall.jpg'), fixture('clip.mp4'), fixture('wide.png')],
    };
    const a = spec(base);
    const b = spec(base);
    const c = spec({ ...base, seed: 43 });
    const t1 = spec({ width: 320, height: 320, audio: { kind: 'synth' } });
    const t2 = spec({ width: 320, height: 320, audio: { kind: 'synth' } });
    const t3 = spec({ width: 320, height: 320, audio: { kind: 'synth' }, seed: 7 });
    await Promise.all([a, b, c, t1, t2, t3].map((s) => renderVideo(tools, s)));
    assert.equal(sha256(a.outPath), sha256(b.outPath));
    assert.notEqual(sha256(a.outPath), sha256(c.outPath));
    assert.equal(sha256(t1.outPath), sha256(t2.outPath));
    assert.notEqual(sha256(t1.outPath), sha256(t3.outPath));
  });

  void it('stops ffmpeg on abort and leaves no output', async () => {
    const s = spec({ mode: 'text', width: 1280, height: 720, durationSec: 15 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    await assert.rejects(renderVideo(tools, s, controller.signal), { name: 'AbortError' });
    assert.ok(Date.now() - started < 3000);
    assert.equal(existsSync(s.outPath), false);
    assert.deepEqual(
      readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.part')),
      [],
    );
  });

  void it('rejects invalid specs before running ffmpeg', async () => {
    await assert.rejects(renderVideo(tools, spec({ width: 481 })), RangeError);
    await assert.rejects(renderVideo(tools, spec({ durationSec: 2.5 })), RangeError);
    await assert.rejects(renderVideo(tools, spec({ seed: -1 })), RangeError);
    await assert.rejects(renderVideo(tools, spec({ inputs: [fixture('wide.png')] })), RangeError);
    await assert.rejects(renderVideo(tools, spec({ mode: 'first-frame' })), RangeError);
    const six = Array.from({ length: 6 }, () => fixture('wide.png'));
    await assert.rejects(renderVideo(tools, spec({ mode: 'references', inputs: six })), RangeError);
    await assert.rejects(
      renderVideo(tools, spec({ audio: { kind: 'file', path: fixture('wide.png') } })),
      /no audio stream/,
    );
  });

  void it('works with the bundled 2018 npm ffmpeg build', async (t) => {
    let bundled: MediaTools;
    try {
      bundled = locateMediaTools({ pathEnv: '' });
    } catch {
      t.skip('npm ffmpeg/ffprobe installer packages not installed');
      return;
    }
    const refs = await render(
      spec({
        mode: 'references',
        width: 320,
        height: 240,
        audio: { kind: 'file', path: fixture('six-sec.mp3') },
        inputs: [fixture('clip.mp4'), fixture('tall.jpg')],
      }),
      bundled,
    );
    assertVideo(refs, 320, 240, 2);
    assert.equal(refs.audio?.codec, 'aac');
    const first = await render(
      spec({ mode: 'first-frame', width: 320, height: 240, inputs: [fixture('wide.png')] }),
      bundled,
    );
    assertVideo(first, 320, 240, 2);
    const text = await render(spec({ audio: { kind: 'synth' } }), bundled);
    assertVideo(text, 480, 480, 2);
  });
});
