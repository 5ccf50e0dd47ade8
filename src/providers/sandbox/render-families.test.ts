import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MediaTools } from '../../media/ffmpeg.js';
import { locateMediaTools, runTool } from '../../media/ffmpeg.js';
import { probeMedia } from '../../media/probe.js';
import { findMarkFont, markFilters } from './render-mark.js';
import type { EditLook, RenderSpec } from './render.js';
import { renderVideo } from './render.js';

// Each visual kind rendered small from generated inputs, then decoded and looked at.
const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
const W = 320;
const H = 180;
const RED = [200, 30, 30];
const BLUE = [30, 60, 200];
let dir = '';
let counter = 0;

const fixture = (name: string) => join(dir, name);

async function ffmpeg(...args: string[]): Promise<void> {
  await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

function spec(overrides: Partial<RenderSpec>): RenderSpec {
  counter += 1;
  return {
    visual: { kind: 'text' },
    width: W,
    height: H,
    durationSec: 2,
    seed: 9,
    audio: { kind: 'none' },
    outPath: join(dir, 'out', `family-${counter}.mp4`),
    ...overrides,
  };
}

type Frame = Buffer;

/** Every frame of a file as W×H RGB24, optionally resampled to `fps` first. */
async function decode(path: string, fps?: number): Promise<Frame[]> {
  counter += 1;
  const raw = join(dir, `frames-${counter}.rgb`);
  const filters = [...(fps ? [`fps=${fps}`] : []), `scale=${W}:${H}`].join(',');
  await ffmpeg('-i', path, '-vf', filters, '-f', 'rawvideo', '-pix_fmt', 'rgb24', raw);
  const bytes = readFileSync(raw);
  const size = W * H * 3;
  return Array.from({ length: bytes.length / size }, (_, i) =>
    bytes.subarray(i * size, (i + 1) * size),
  );
}

function frameAt(frames: Frame[], i: number): Frame {
  const frame = frames[i];
  assert.ok(frame, `no frame ${i} of ${frames.length}`);
  return frame;
}

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
const WHOLE: Region = { x0: 0, y0: 0, x1: W, y1: H };

function* pixels(region: Region): Generator<number> {
  for (let y = region.y0; y < region.y1; y++) {
    for (let x = region.x0; x < region.x1; x++) yield (y * W + x) * 3;
  }
}

function meanColor(frame: Frame, region = WHOLE): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (const p of pixels(region)) {
    for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (frame[p + c] ?? 0);
    n += 1;
  }
  return sum.map((s) => s / n);
}

/** Mean absolute difference per channel value, 0..255. */
function difference(a: Frame, b: Frame, region = WHOLE): number {
  let total = 0;
  let n = 0;
  for (const p of pixels(region)) {
    for (let c = 0; c < 3; c++) total += Math.abs((a[p + c] ?? 0) - (b[p + c] ?? 0));
    n += 3;
  }
  return total / n;
}

/** Standard deviation of the (RGB-mean) brightness over the frame: 0 for a flat picture. */
function contrast(frame: Frame): number {
  const values = [...pixels(WHOLE)].map(
    (p) => ((frame[p] ?? 0) + (frame[p + 1] ?? 0) + (frame[p + 2] ?? 0)) / 3,
  );
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

function assertColor(actual: number[], expected: number[], within: number, what: string) {
  const off = actual.map((v, c) => Math.abs(v - (expected[c] ?? 0)));
  assert.ok(
    off.every((d) => d <= within),
    `${what}: mean colour ${actual.map(Math.round).join(',')} not within ${within} of ${expected.join(',')}`,
  );
}

async function renderProbe(s: RenderSpec, fps = 24) {
  await renderVideo(tools, s);
  const probe = await probeMedia(tools, s.outPath);
  assert.deepEqual(probe.video, { codec: 'h264', width: s.width, height: s.height, fps });
  assert.ok(Math.abs((probe.durationSec ?? 0) - s.durationSec) <= 0.1, `${probe.durationSec}`);
  return { probe, frames: await decode(s.outPath) };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const hex = (rgb: number[]) => `0x${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-render-families-'));
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `color=c=${hex(RED)}:s=${W}x${H}`,
    '-frames:v',
    '1',
    fixture('red.png'),
  );
  // Another size than the output: the renderer has to fit it.
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `color=c=${hex(BLUE)}:s=640x360`,
    '-frames:v',
    '1',
    fixture('blue.png'),
  );
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=640x360', '-frames:v', '1', fixture('pattern.png'));
  // prettier-ignore
  const clip = (name: string, rate: number, seconds: number) => ffmpeg(
    '-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}:r=${rate}:d=${seconds}`,
    '-f', 'lavfi', '-i', `sine=f=440:d=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '12', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
    '-shortest', fixture(name),
  );
  await clip('moving.mp4', 24, 1);
  await clip('source.mp4', 30, 2);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('renderVideo draws every visual kind', () => {
  void it('still: frame 0 is the whole fitted image', async () => {
    const s = spec({ visual: { kind: 'still', image: fixture('pattern.png') } });
    const { probe, frames } = await renderProbe(s);
    assert.equal(probe.audio, null);
    assert.equal(frames.length, 48);
    const [image] = await decode(fixture('pattern.png'));
    assert.ok(image);
    assert.ok(difference(frameAt(frames, 0), image) < 8, 'frame 0 is not the image');
    assert.ok(difference(frameAt(frames, 47), image) > 8, 'the still does not move');
  });

  void it('sequence: ten items share the frames in order', async () => {
    const middle = Array.from({ length: 8 }, (_, i) =>
      fixture(i % 2 === 0 ? 'moving.mp4' : 'pattern.png'),
    );
    const items = [fixture('red.png'), ...middle, fixture('blue.png')];
    const s = spec({ visual: { kind: 'sequence', items }, audio: { kind: 'synth' } });
    const { probe, frames } = await renderProbe(s);
    assert.equal(probe.audio?.codec, 'aac');
    assert.equal(frames.length, 48);
    // 48 frames over 10 items: slices of 5 × 8 then 4 × 2; letterboxed, so look at the centre.
    const centre = { x0: 110, y0: 40, x1: 210, y1: 140 };
    assertColor(meanColor(frameAt(frames, 2), centre), RED, 12, 'first item');
    assertColor(meanColor(frameAt(frames, 46), centre), BLUE, 12, 'last item');
  });

  void it('transition: from the whole first image to the last image, silent', async () => {
    const s = spec({
      visual: { kind: 'transition', first: fixture('red.png'), last: fixture('blue.png') },
    });
    const { probe, frames } = await renderProbe(s);
    assert.equal(probe.audio, null);
    assert.equal(frames.length, 48);
    assertColor(meanColor(frameAt(frames, 0)), RED, 8, 'first frame');
    assertColor(meanColor(frameAt(frames, 47)), BLUE, 8, 'last frame');
    const middle = meanColor(frameAt(frames, 24));
    assertColor(middle, [115, 45, 115], 25, 'middle frame');
  });

  void it("continuation: the clip's own frames, then its last frame moving on", async () => {
    const s = spec({
      visual: { kind: 'continuation', clip: fixture('moving.mp4'), last: null },
      audio: { kind: 'file', path: fixture('moving.mp4') },
    });
    const { probe, frames } = await renderProbe(s);
    assert.equal(probe.audio?.codec, 'aac');
    assert.equal(frames.length, 48);
    const clip = await decode(fixture('moving.mp4'));
    assert.equal(clip.length, 24);
    for (let i = 0; i < 24; i++) {
      const d = difference(frameAt(frames, i), frameAt(clip, i));
      assert.ok(d < 6, `frame ${i} differs from the clip's by ${d}`);
    }
    assert.ok(difference(frameAt(frames, 24), frameAt(clip, 23)) < 8, 'the hold starts elsewhere');
    assert.ok(difference(frameAt(frames, 47), frameAt(frames, 24)) > 4, 'the hold does not move');
  });

  void it('continuation: cut at the duration, or moving towards a last image at 30 fps', async () => {
    const cut = spec({
      visual: { kind: 'continuation', clip: fixture('moving.mp4'), last: null },
      durationSec: 0.5,
    });
    const short = await renderProbe(cut);
    const clip = await decode(fixture('moving.mp4'));
    assert.equal(short.frames.length, 12);
    assert.ok(difference(frameAt(short.frames, 11), frameAt(clip, 11)) < 6);

    const towards = spec({
      visual: { kind: 'continuation', clip: fixture('moving.mp4'), last: fixture('blue.png') },
      fps: 30,
    });
    const { frames } = await renderProbe(towards, 30);
    assert.equal(frames.length, 60);
    assert.ok(difference(frameAt(frames, 0), frameAt(clip, 0)) < 6, 'frame 0 is not the clip');
    assertColor(meanColor(frameAt(frames, 59)), BLUE, 10, 'last frame');
  });

  void it('edit: every look transforms the video visibly and keeps its length and audio', async () => {
    const looks: EditLook[] = ['restyle', 'repaint', 'outpaint', 'extend', 'mask'];
    const source = await decode(fixture('source.mp4'), 24);
    const hashes = new Set<string>();
    for (const look of looks) {
      const s = spec({
        visual: { kind: 'edit', video: fixture('source.mp4'), look },
        audio: { kind: 'file', path: fixture('source.mp4') },
      });
      const { probe, frames } = await renderProbe(s);
      assert.equal(probe.audio?.codec, 'aac', look);
      assert.equal(frames.length, 48, look);
      for (const i of [0, 24, 47]) {
        const d = difference(frameAt(frames, i), frameAt(source, i));
        assert.ok(d > 12, `${look}: frame ${i} differs from the input by only ${d}`);
      }
      // Still the input's motion: the frames change as the input's do.
      assert.ok(difference(frameAt(frames, 0), frameAt(frames, 47)) > 4, `${look} is frozen`);
      hashes.add(sha256(s.outPath));
    }
    assert.equal(hashes.size, looks.length);
  });

  void it('edit: a shorter input holds its last frame', async () => {
    const s = spec({
      visual: { kind: 'edit', video: fixture('moving.mp4'), look: 'restyle' },
      durationSec: 2,
    });
    const { frames } = await renderProbe(s);
    assert.equal(frames.length, 48);
    assert.ok(difference(frameAt(frames, 30), frameAt(frames, 47)) < 2);
    assert.ok(difference(frameAt(frames, 0), frameAt(frames, 23)) > 4);
  });

  void it("animate: the image's colours carrying the video's structure and motion", async () => {
    const s = spec({
      visual: { kind: 'animate', image: fixture('red.png'), video: fixture('source.mp4') },
    });
    const { frames } = await renderProbe(s);
    assert.equal(frames.length, 48);
    for (const i of [0, 40]) {
      const [r = 0, g = 0, b = 0] = meanColor(frameAt(frames, i));
      assert.ok(r > g + 40 && r > b + 40, `frame ${i} lost the image's red: ${r},${g},${b}`);
      // The image is flat red; any structure comes from the video.
      assert.ok(contrast(frameAt(frames, i)) > 20, `frame ${i} shows no video`);
    }
    assert.ok(difference(frameAt(frames, 0), frameAt(frames, 40)) > 4, 'no motion');
  });

  void it('is byte-identical for the same spec, for the new kinds', async () => {
    const visuals: RenderSpec['visual'][] = [
      { kind: 'transition', first: fixture('pattern.png'), last: fixture('blue.png') },
      { kind: 'continuation', clip: fixture('moving.mp4'), last: fixture('pattern.png') },
      { kind: 'edit', video: fixture('source.mp4'), look: 'mask' },
      { kind: 'animate', image: fixture('pattern.png'), video: fixture('source.mp4') },
    ];
    for (const visual of visuals) {
      const base = { visual, audio: { kind: 'synth' as const }, watermark: 'AI Generated' };
      const [a, b, c] = [spec(base), spec(base), spec({ ...base, seed: 10 })];
      await Promise.all([a, b, c].map((s) => renderVideo(tools, s)));
      assert.equal(sha256(a.outPath), sha256(b.outPath), visual.kind);
      assert.notEqual(sha256(a.outPath), sha256(c.outPath), visual.kind);
    }
  });
});

void describe('the watermark', () => {
  const corner = { x0: Math.round(W * 0.6), y0: Math.round(H * 0.8), x1: W, y1: H };
  const topLeft = { x0: 0, y0: 0, x1: W / 2, y1: H / 2 };

  void it('marks the lower right and nothing else', async () => {
    const visual = { kind: 'still' as const, image: fixture('blue.png') };
    const plain = spec({ visual });
    const marked = spec({ visual, watermark: 'Happy Horse' });
    // Every character the filter graph or drawtext treats specially, rendered as text.
    const awkward = spec({ visual, watermark: "AI: gen'd, [x]; 50% \\ ok" });
    const [plainRun, ...markedRuns] = await Promise.all(
      [plain, marked, awkward].map((s) => renderProbe(s)),
    );
    assert.ok(plainRun);
    const plainFrame = frameAt(plainRun.frames, 10);
    markedRuns.forEach((run, i) => {
      const f = frameAt(run.frames, 10);
      assert.ok(difference(f, plainFrame, corner) > 10, `mark ${i}: corner unchanged`);
      assert.ok(difference(f, plainFrame, topLeft) < 1, `mark ${i}: the mark spilled`);
    });
  });

  void it('falls back to a drawn plate without a font, and finds a font if there is one', async () => {
    assert.equal(findMarkFont([]), null);
    assert.equal(findMarkFont([join(dir, 'none.ttf'), fixture('red.png')]), fixture('red.png'));
    const canvas = { width: W, height: H, fps: 24 };
    const filters = markFilters(canvas, 'AI Generated', null);
    assert.doesNotMatch(filters, /drawtext/);
    const out = fixture('plate.png');
    // prettier-ignore
    await ffmpeg(
      '-f', 'lavfi', '-i', `color=c=${hex(BLUE)}:s=${W}x${H}`, '-vf', filters, '-frames:v', '1',
      '-pix_fmt', 'rgb24', '-f', 'rawvideo', out,
    );
    const plate = readFileSync(out);
    const flat = Buffer.alloc(W * H * 3);
    for (let p = 0; p < flat.length; p += 3) flat.set(BLUE, p);
    assert.ok(difference(plate, flat, corner) > 20, 'no plate in the corner');
    assert.ok(difference(plate, flat, topLeft) < 2, 'the plate spilled');
  });
});
