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
    visual: { kind: 'text' },
    width: 480,
    height: 480,
    durationSec: 2,
    seed: 42,
    audio: { kind: 'none' },
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

/** The output's audio track lasts `seconds`, give or take `within`. */
async function assertAudioLength(path: string, seconds: number, within = 0.1): Promise<void> {
  const { duration } = await streamInfo(path, 'a:0');
  assert.ok(Math.abs(duration - seconds) <= within, `audio duration ${duration} != ${seconds}`);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function assertVideo(
  probe: MediaProbe,
  width: number,
  height: number,
  durationSec: number,
  fps = 24,
) {
  assert.deepEqual(probe.video, { codec: 'h264', width, height, fps });
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
  // prettier-ignore
  await ffmpeg(
    '-f', 'lavfi', '-i', 'testsrc=s=160x120:r=24:d=1', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-pix_fmt', 'yuv420p', fixture('mute.mp4'),
  );
  copyFileSync(fixture('wide.png'), fixture('upload-image'));
  copyFileSync(fixture('clip.mp4'), fixture('upload-video'));
  copyFileSync(fixture('six-sec.mp3'), fixture('upload-audio'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('renderVideo', () => {
  void it('still 1280x720 3 s with synth audio', async () => {
    const s = spec({
      visual: { kind: 'still', image: fixture('wide.png') },
      width: 1280,
      height: 720,
      durationSec: 3,
      audio: { kind: 'synth' },
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

  void it('still without audio has no audio stream', async () => {
    const probe = await render(
      spec({ visual: { kind: 'still', image: fixture('tall.jpg') }, width: 368, height: 480 }),
    );
    assertVideo(probe, 368, 480, 2);
    assert.equal(probe.audio, null);
  });

  void it('pads a 2 s audio file with silence to 4 s', async () => {
    const s = spec({ durationSec: 4, audio: { kind: 'file', path: fixture('two-sec.wav') } });
    const probe = await render(s);
    assertVideo(probe, 480, 480, 4);
    assert.equal(probe.audio?.codec, 'aac');
    await assertAudioLength(s.outPath, 4);
  });

  void it('cuts a 6 s mono mp3 to 4 s', async () => {
    const s = spec({ durationSec: 4, audio: { kind: 'file', path: fixture('upload-audio') } });
    const probe = await render(s);
    assertVideo(probe, 480, 480, 4);
    await assertAudioLength(s.outPath, 4);
  });

  void it('composes a sequence of an image and a short looping video at 960x960', async () => {
    const s = spec({
      visual: { kind: 'sequence', items: [fixture('upload-image'), fixture('upload-video')] },
      width: 960,
      height: 960,
      durationSec: 3,
    });
    const probe = await render(s);
    assertVideo(probe, 960, 960, 3);
    assert.equal(probe.audio, null, 'audio of a reference clip must not leak through');
    assert.equal((await streamInfo(s.outPath, 'v:0')).frames, 72);
  });

  void it('renders text mode with a synth track', async () => {
    const probe = await render(
      spec({ visual: { kind: 'text' }, width: 832, height: 480, audio: { kind: 'synth' } }),
    );
    assertVideo(probe, 832, 480, 2);
    assert.equal(probe.audio?.codec, 'aac');
  });

  void it('is byte-identical for the same spec and differs across seeds', async () => {
    const base: Partial<RenderSpec> = {
      visual: {
        kind: 'sequence',
        items: [fixture('tall.jpg'), fixture('clip.mp4'), fixture('wide.png')],
      },
      width: 320,
      height: 320,
      audio: { kind: 'synth' },
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
    const s = spec({ width: 1280, height: 720, durationSec: 15 });
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

  void it('renders a fractional duration: 2.5 s is 60 frames at 24 fps and 2.5 s of audio', async () => {
    const s = spec({
      visual: { kind: 'still', image: fixture('wide.png') },
      width: 320,
      height: 180,
      durationSec: 2.5,
      audio: { kind: 'file', path: fixture('six-sec.mp3') },
    });
    const probe = await render(s);
    assertVideo(probe, 320, 180, 2.5);
    assert.equal((await streamInfo(s.outPath, 'v:0')).frames, 60);
    await assertAudioLength(s.outPath, 2.5, 0.03);
    // Speech-to-video: the length follows the audio, 10.23 s -> round(245.52) frames.
    const t = spec({ width: 64, height: 64, durationSec: 10.23, audio: { kind: 'synth' } });
    await renderVideo(tools, t);
    assert.equal((await streamInfo(t.outPath, 'v:0')).frames, 246);
    await assertAudioLength(t.outPath, 10.23, 0.03);
  });

  void it('renders at 30 fps when asked', async () => {
    const s = spec({
      visual: { kind: 'sequence', items: [fixture('clip.mp4'), fixture('wide.png')] },
      width: 320,
      height: 180,
      fps: 30,
    });
    assertVideo(await render(s), 320, 180, 2, 30);
    assert.equal((await streamInfo(s.outPath, 'v:0')).frames, 60);
  });

  void it("keeps a video file's audio track, and refuses a video without one", async () => {
    const s = spec({
      visual: { kind: 'still', image: fixture('tall.jpg') },
      width: 240,
      height: 320,
      audio: { kind: 'file', path: fixture('upload-video') },
    });
    const probe = await render(s);
    assert.equal(probe.audio?.codec, 'aac');
    await assertAudioLength(s.outPath, 2, 0.05);
    await assert.rejects(
      renderVideo(tools, spec({ audio: { kind: 'file', path: fixture('mute.mp4') } })),
      /Audio input has no audio stream: .*mute\.mp4/,
    );
  });

  void it('rejects invalid specs before running ffmpeg', async () => {
    // No ffmpeg or ffprobe at all: each refusal must come from the spec alone.
    const none: MediaTools = { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' };
    const refuse = (overrides: Partial<RenderSpec>) =>
      assert.rejects(renderVideo(none, spec(overrides)), RangeError, JSON.stringify(overrides));
    const image = fixture('wide.png');
    await refuse({ width: 481 });
    for (const durationSec of [0.4, 60.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await refuse({ durationSec });
    }
    await refuse({ seed: -1 });
    await refuse({ fps: 25 as 24 });
    await refuse({ visual: { kind: 'still', image: '' } });
    await refuse({ visual: { kind: 'sequence', items: [] } });
    await refuse({ visual: { kind: 'sequence', items: Array.from({ length: 11 }, () => image) } });
    await refuse({ visual: { kind: 'edit', video: image, look: 'sepia' as 'mask' } });
    await refuse({ watermark: '' });
    await refuse({ watermark: 'x'.repeat(65) });
    await refuse({ watermark: 'two\nlines' });
  });

  void it('refuses inputs of the wrong kind for their role', async () => {
    const cases: [RenderSpec['visual'], RegExp][] = [
      [{ kind: 'still', image: fixture('clip.mp4') }, /Still input is not an image/],
      [{ kind: 'sequence', items: [fixture('six-sec.mp3')] }, /not an image or video/],
      [{ kind: 'transition', first: fixture('wide.png'), last: fixture('clip.mp4') }, /Last-frame/],
      [
        { kind: 'continuation', clip: fixture('wide.png'), last: null },
        /clip input is not a video/,
      ],
      [{ kind: 'edit', video: fixture('tall.jpg'), look: 'mask' }, /Edit input is not a video/],
      [
        { kind: 'animate', image: fixture('clip.mp4'), video: fixture('clip.mp4') },
        /Animate image/,
      ],
      [
        { kind: 'animate', image: fixture('wide.png'), video: fixture('wide.png') },
        /Animate video/,
      ],
    ];
    for (const [visual, message] of cases) {
      await assert.rejects(renderVideo(tools, spec({ visual })), message);
    }
    assert.deepEqual(
      readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.part')),
      [],
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
        visual: { kind: 'sequence', items: [fixture('clip.mp4'), fixture('tall.jpg')] },
        width: 320,
        height: 240,
        audio: { kind: 'file', path: fixture('six-sec.mp3') },
      }),
      bundled,
    );
    assertVideo(refs, 320, 240, 2);
    assert.equal(refs.audio?.codec, 'aac');
    const first = await render(
      spec({ visual: { kind: 'still', image: fixture('wide.png') }, width: 320, height: 240 }),
      bundled,
    );
    assertVideo(first, 320, 240, 2);
    const text = await render(spec({ audio: { kind: 'synth' } }), bundled);
    assertVideo(text, 480, 480, 2);
  });
});
