import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { after, before } from 'node:test';
import { runTool } from '../../src/media/ffmpeg.js';
import type { MediaProbe } from '../../src/media/probe.js';
import { loopbackServer, type LoopbackServer } from '../support/media-traps.js';
import {
  ffprobe,
  makeTempDir,
  mediaTools,
  removeDir,
  startTestVidgate,
  taskBodySchema,
  type TaskBodyJson,
  type TestVidgate,
} from './helpers.js';

/**
 * What the model-family end-to-end tests share (issue 14): input media made by ffmpeg and served
 * from a loopback host vidgate may reach, one sandbox vidgate, and a task run to SUCCEEDED whose
 * video is downloaded and probed. Expected values are written from the families reference
 * (§1.3, §2.5, §3.4, §4.4, §5–§8, §10), not read from vidgate's model table.
 */

/** A render waits its turn behind the others on a busy machine: generous, never a timing test. */
export const TASK_WAIT_MS = 300_000;

/** Tier areas (families §1.3): 832×480, 1280×720, 1920×1080. */
export const AREA = { '480P': 399_360, '720P': 921_600, '1080P': 2_073_600 } as const;

export interface InputFile {
  /** http://127.0.0.1:<port>/<name> on the media host */
  url: string;
  /** the bytes as a data: URI (images only are sent this way) */
  dataUri: string;
  path: string;
}

export interface FamilyInputs {
  /** 800×450 (16:9) test pattern, PNG (each side ≥ 400 px, as HappyHorse r2v needs) */
  frame: InputFile;
  /** 480×640 (3:4) mandelbrot, JPEG: a second, distinct image */
  portrait: InputFile;
  /** 640×360, 3 s, 24 fps, with a 440 Hz sine track */
  clip: InputFile;
  /** 1280×960 (4:3, above the 720P area), 2 s, 30 fps, with a sine track */
  big: InputFile;
  /** 480×640, 3 s, 24 fps, no audio stream */
  silent: InputFile;
  /** 4 s WAV sine */
  tone: InputFile;
  /** 640×360, 16 s, 12 fps, no audio: longer than HappyHorse's 15 s edit cap */
  long: InputFile;
}

export interface FamilyHarness {
  vg: TestVidgate;
  host: LoopbackServer;
  inputs: FamilyInputs;
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.mp4': 'video/mp4',
  '.wav': 'audio/wav',
};

async function ffmpeg(args: string[]): Promise<void> {
  await runTool(mediaTools().ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

// prettier-ignore
const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

async function makeInputs(dir: string): Promise<void> {
  const lavfi = (src: string) => ['-f', 'lavfi', '-i', src];
  // prettier-ignore
  await Promise.all([
    ffmpeg([...lavfi('testsrc2=s=800x450'), '-frames:v', '1', join(dir, 'frame.png')]),
    ffmpeg([...lavfi('mandelbrot=s=480x640'), '-frames:v', '1', join(dir, 'portrait.jpg')]),
    ffmpeg([
      ...lavfi('testsrc2=s=640x360:r=24:d=3'), ...lavfi('sine=f=440:d=3'),
      ...H264, '-c:a', 'aac', '-shortest', join(dir, 'clip.mp4'),
    ]),
    ffmpeg([
      ...lavfi('testsrc=s=1280x960:r=30:d=2'), ...lavfi('sine=f=660:d=2'),
      ...H264, '-c:a', 'aac', '-shortest', join(dir, 'big.mp4'),
    ]),
    ffmpeg([...lavfi('smptebars=s=480x640:r=24:d=3'), ...H264, '-an', join(dir, 'silent.mp4')]),
    ffmpeg([...lavfi('sine=f=330:d=4'), '-c:a', 'pcm_s16le', join(dir, 'tone.wav')]),
    ffmpeg([...lavfi('testsrc2=s=640x360:r=12:d=16'), ...H264, '-an', join(dir, 'long.mp4')]),
  ]);
}

/** Makes the inputs, serves them, and starts one sandbox vidgate that may fetch from the host. */
export async function startFamilyHarness(): Promise<FamilyHarness> {
  const dir = makeTempDir('families-media');
  try {
    await makeInputs(dir);
  } catch (err) {
    removeDir(dir);
    throw err;
  }
  const names = [
    'frame.png',
    'portrait.jpg',
    'clip.mp4',
    'big.mp4',
    'silent.mp4',
    'tone.wav',
    'long.mp4',
  ];
  const files = new Map(names.map((n) => [`/${n}`, readFileSync(join(dir, n))]));
  const host = await loopbackServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const bytes = files.get(path);
    if (!bytes) {
      res.writeHead(404).end();
      return;
    }
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': bytes.length }).end(bytes);
  });
  const file = (name: string): InputFile => {
    const bytes = files.get(`/${name}`) ?? Buffer.alloc(0);
    const type = TYPES[extname(name)] ?? 'application/octet-stream';
    return {
      url: `${host.url}/${name}`,
      dataUri: `data:${type};base64,${bytes.toString('base64')}`,
      path: join(dir, name),
    };
  };
  let vg: TestVidgate;
  try {
    vg = await startTestVidgate({
      env: { VIDGATE_SANDBOX_TIME_SCALE: '0.05', VIDGATE_MEDIA_ALLOW_HOSTS: host.host },
    });
  } catch (err) {
    await host.close();
    removeDir(dir);
    throw err;
  }
  return {
    vg,
    host,
    inputs: {
      frame: file('frame.png'),
      portrait: file('portrait.jpg'),
      clip: file('clip.mp4'),
      big: file('big.mp4'),
      silent: file('silent.mp4'),
      tone: file('tone.wav'),
      long: file('long.mp4'),
    },
    async stop() {
      try {
        await vg.stop();
      } finally {
        await host.close();
        removeDir(dir);
      }
    },
  };
}

/** A test file's harness: started before its tests, stopped after them. */
export interface HarnessHandle {
  readonly vg: TestVidgate;
  readonly inputs: FamilyInputs;
  /** creates on a seed route (`image2video`, …) and runs the task to its probed video */
  readonly run: (route: string, body: unknown) => Promise<Finished>;
}

export function useFamilyHarness(): HarnessHandle {
  let harness: FamilyHarness | undefined;
  before(async () => {
    harness = await startFamilyHarness();
  });
  after(async () => {
    await harness?.stop();
  });
  const started = (): FamilyHarness => {
    assert.ok(harness, 'the harness started');
    return harness;
  };
  return {
    get vg() {
      return started().vg;
    },
    get inputs() {
      return started().inputs;
    },
    run: (route, body) => runSeed(started().vg, route, body),
  };
}

export interface Finished {
  body: TaskBodyJson;
  /** the downloaded MP4 */
  path: string;
  probe: MediaProbe;
}

/** The create's task id; the create must be accepted as PENDING. */
export function acceptedId(res: { status: number; json: unknown }): string {
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const body = taskBodySchema.parse(res.json);
  assert.equal(body.output.task_status, 'PENDING');
  return body.output.task_id;
}

/** Waits for a task to end, requires SUCCEEDED, downloads and probes its video. */
export async function finish(vg: TestVidgate, taskId: string): Promise<Finished> {
  const done = await vg.waitForTask(
    taskId,
    ['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'],
    TASK_WAIT_MS,
  );
  assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
  const url = done.body.output.video_url;
  assert.ok(url, 'a SUCCEEDED task has a video_url');
  const path = await vg.saveResult(url);
  const probe = await ffprobe(path);
  assert.equal(probe.video?.codec, 'h264', 'an H.264 video stream');
  return { body: done.body, path, probe };
}

/** Creates on a seed route and runs the task to its probed video. */
export async function runSeed(vg: TestVidgate, route: string, body: unknown): Promise<Finished> {
  return finish(vg, acceptedId(await vg.api('POST', `/task/bailian/${route}`, body)));
}

/** Exact pixels, for the cells the §1.3 table documents. */
export function assertSize(f: Finished, width: number, height: number): void {
  assert.deepEqual(
    { width: f.probe.video?.width, height: f.probe.video?.height },
    { width, height },
    'output size',
  );
}

/**
 * Cells outside §1.3 (families §11 #36): the aspect within 2 % of the expected one and the pixel
 * area within 10 % of the tier's.
 */
export function assertAspectArea(f: Finished, aspect: number, area: number): void {
  const w = f.probe.video?.width ?? 0;
  const h = f.probe.video?.height ?? 0;
  assert.ok(w > 0 && h > 0, 'a video stream with a size');
  assert.ok(w % 2 === 0 && h % 2 === 0, `even sides: ${w}x${h}`);
  const off = Math.abs(w / h / aspect - 1);
  assert.ok(off <= 0.02, `${w}x${h}: aspect ${(w / h).toFixed(4)}, expected ${aspect.toFixed(4)}`);
  const areaOff = Math.abs((w * h) / area - 1);
  assert.ok(areaOff <= 0.1, `${w}x${h}: area ${w * h}, expected about ${area}`);
}

export function assertDuration(f: Finished, seconds: number): void {
  const d = f.probe.durationSec ?? -1;
  assert.ok(Math.abs(d - seconds) <= 0.1, `duration ${d} s, expected ${seconds} s`);
}

export function assertFps(f: Finished, fps: number): void {
  const got = f.probe.video?.fps ?? -1;
  assert.ok(Math.abs(got - fps) < 0.01, `fps ${got}, expected ${fps}`);
}

export function assertAudio(f: Finished, present: boolean): void {
  if (present) assert.ok(f.probe.audio, 'an audio stream');
  else assert.equal(f.probe.audio, null, 'no audio stream');
}

/**
 * `usage` exactly in the family's shape: the same keys, strings equal, numbers within 0.1 (input
 * lengths come from containers, e.g. a 3 s AAC clip lasts 3.02 s).
 */
export function assertUsage(f: Finished, expected: Record<string, number | string>): void {
  const usage = f.body.usage;
  assert.ok(usage, `a usage object: ${JSON.stringify(f.body)}`);
  assert.deepEqual(Object.keys(usage).sort(), Object.keys(expected).sort(), JSON.stringify(usage));
  for (const [key, want] of Object.entries(expected)) {
    const got: unknown = usage[key];
    if (typeof want === 'string') assert.equal(got, want, `usage.${key}`);
    else {
      assert.equal(typeof got, 'number', `usage.${key} is a JSON number: ${JSON.stringify(usage)}`);
      assert.ok(Math.abs(Number(got) - want) <= 0.1, `usage.${key} = ${String(got)}, not ${want}`);
    }
  }
}

/** The media models' usage (families §2.5, §4.4): billed `duration` = input + output. */
export function mediaUsage(
  out: number,
  sr: number,
  ratio: string,
  inputVideo = 0,
): Record<string, number | string> {
  return {
    duration: inputVideo + out,
    input_video_duration: inputVideo,
    output_video_duration: out,
    video_count: 1,
    SR: sr,
    ratio,
  };
}

/** One frame as RGB24 at the video's own size, `atSec` into it. */
export async function frameRgb(f: Finished, atSec: number): Promise<Buffer> {
  const out = `${f.path}.${atSec}.rgb`;
  // prettier-ignore
  await ffmpeg([
    '-ss', String(atSec), '-i', f.path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', out,
  ]);
  return readFileSync(out);
}

export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Mean absolute difference per channel value (0..255) of two W-wide RGB24 frames in a region. */
export function meanDifference(a: Buffer, b: Buffer, width: number, r: Region): number {
  let total = 0;
  let n = 0;
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) {
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) total += Math.abs((a[p + c] ?? 0) - (b[p + c] ?? 0));
      n += 3;
    }
  }
  return total / n;
}
