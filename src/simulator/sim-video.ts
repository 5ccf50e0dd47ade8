import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateMediaTools, runTool, type MediaTools } from '../media/ffmpeg.js';
import { simFamilyModelNamed } from './rules/families/family-catalogue.js';
import { familyOutputOf } from './rules/families/family-output.js';
import { simModelNamed } from './rules/sim-catalogue.js';
import { simOutputOf } from './rules/sim-output.js';
import type { SimTask } from './sim-task.js';

// One clip per ffmpeg binary for the whole process: benchmarks start many simulators and serve
// thousands of downloads, and the bytes never differ.
const tinyClips = new Map<string, Promise<Buffer>>();

async function renderTinyClip(tools: MediaTools): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'dashscope-sim-'));
  const out = join(dir, 'clip.mp4');
  try {
    // prettier-ignore
    await runTool(tools.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=192x108:rate=12:duration=2',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050:duration=2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '32k', '-shortest', '-movflags', '+faststart', '-f', 'mp4', out,
    ], { timeoutMs: 60_000 });
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A 2 s 192x108 H.264/AAC MP4, rendered once per process at first use. */
export function tinyClip(tools: MediaTools): Promise<Buffer> {
  let clip = tinyClips.get(tools.ffmpeg);
  if (!clip) {
    clip = renderTinyClip(tools);
    tinyClips.set(tools.ffmpeg, clip);
    // a failed render must not poison the cache for the rest of the process
    clip.catch(() => tinyClips.delete(tools.ffmpeg));
  }
  return clip;
}

const MARK = Buffer.from('vidgate-sim-task:');

/**
 * The clip with a trailing MP4 `free` box naming the task: players skip `free` boxes, and a
 * test can tell from the stored bytes which upstream task a video came from.
 */
function markedClip(clip: Buffer, taskId: string): Buffer {
  const payload = Buffer.concat([MARK, Buffer.from(taskId)]);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write('free', 4, 'latin1');
  return Buffer.concat([clip, header, payload]);
}

/** The upstream task id a simulator video was made for (see markedClip), or null. */
export function simTaskIdOf(video: Buffer): string | null {
  const at = video.lastIndexOf(MARK);
  if (at < 4 || video.toString('latin1', at - 4, at) !== 'free') return null;
  return video.toString('latin1', at + MARK.length);
}

interface RenderSpec {
  width: number;
  height: number;
  seconds: number;
  seed: number;
  audio: boolean;
}

function renderSpec(task: SimTask, inputMediaSeconds: number): RenderSpec {
  const seed = createHash('sha256').update(task.taskId).digest().readUInt32BE(0) % 2_147_483_647;
  const family = simFamilyModelNamed(task.model);
  if (family) {
    const out = familyOutputOf(family, task.body, inputMediaSeconds);
    return {
      width: out.width,
      height: out.height,
      // ffmpeg needs a positive length; a 0 s input (a #sim-seconds=0 stand-in) renders 1 s
      seconds: out.outputSec > 0 ? out.outputSec : 1,
      seed: out.seed ?? seed,
      audio: out.withAudio,
    };
  }
  const model = simModelNamed(task.model);
  if (!model) return { width: 1280, height: 720, seconds: 5, seed, audio: true };
  const out = simOutputOf(model, task.body);
  return {
    width: out.width,
    height: out.height,
    seconds: out.durationSec,
    seed: out.seed ?? seed,
    audio: out.withAudio,
  };
}

/**
 * A real H.264 MP4 of the task's size and duration, with a tone unless it is silent: ffmpeg's
 * test pattern, its hue and pitch picked by the seed so that different seeds give different bytes.
 */
async function renderClip(tools: MediaTools, spec: RenderSpec, out: string): Promise<void> {
  const size = `${spec.width}x${spec.height}`;
  const video = `testsrc2=size=${size}:rate=24:duration=${spec.seconds},hue=h=${spec.seed % 360}`;
  const audio = spec.audio
    ? [
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${220 + (spec.seed % 660)}:sample_rate=44100:duration=${spec.seconds}`,
      ]
    : [];
  const audioCodec = spec.audio ? ['-c:a', 'aac', '-b:a', '64k'] : ['-an'];
  // prettier-ignore
  await runTool(tools.ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', video, ...audio,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...audioCodec,
    '-t', String(spec.seconds), '-movflags', '+faststart', '-f', 'mp4', out,
  ], { timeoutMs: 300_000 });
}

/** Where result downloads get their bytes: one shared tiny clip marked per task, or a render. */
export class SimVideoSource {
  private tools: MediaTools | undefined;
  private dir: Promise<string> | undefined;
  private readonly renders = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly render: boolean,
    tools: MediaTools | undefined,
    private readonly inputMediaSeconds = 5,
  ) {
    this.tools = tools;
  }

  video(task: SimTask): Promise<Buffer> {
    const tools = (this.tools ??= locateMediaTools({}));
    if (!this.render) return tinyClip(tools).then((clip) => markedClip(clip, task.taskId));
    let video = this.renders.get(task.taskId);
    if (!video) {
      video = this.renderTask(tools, task);
      this.renders.set(task.taskId, video);
      video.catch(() => this.renders.delete(task.taskId));
    }
    return video;
  }

  async close(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }

  private async renderTask(tools: MediaTools, task: SimTask): Promise<Buffer> {
    this.dir ??= mkdtemp(join(tmpdir(), 'dashscope-sim-render-'));
    const out = join(await this.dir, `${task.taskId}.mp4`);
    await renderClip(tools, renderSpec(task, this.inputMediaSeconds), out);
    const bytes = await readFile(out);
    await rm(out, { force: true });
    // marked like the tiny clip, so simTaskIdOf tells rendered videos apart too
    return markedClip(bytes, task.taskId);
  }
}
