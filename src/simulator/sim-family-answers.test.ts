import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { locateMediaTools, runTool } from '../media/ffmpeg.js';
import { createdTaskId, SIM_CREATE_PATHS, simGet, simPost } from './sim-client.js';
import { simTaskIdOf } from './sim-video.js';
import { startDashScopeSimulator, type DashScopeSimulator, type SimOptions } from './simulator.js';

/**
 * What a finished family task answers (F§2.5, F§3.4, F§4.4, F§5–F§8, F§10 of
 * dashscope-model-families.md): the URL location, `actual_prompt` and `usage` per family, with
 * input lengths from the `#sim-seconds=N` stand-in or the `inputMediaSeconds` option.
 */

const T0 = Date.UTC(2026, 0, 15, 4, 0, 0);
const sims: DashScopeSimulator[] = [];
after(() => Promise.all(sims.map((s) => s.close())));

function clock() {
  let t = T0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const IMG = 'https://media.example.com/face.png';
const VID = 'https://media.example.com/clip.mp4';
const AUD = 'https://media.example.com/voice.mp3';
const secs = (url: string, n: number) => `${url}#sim-seconds=${n}`;

/** A create body as the tests write it. */
interface Body {
  model: string;
  input: object;
  parameters?: object;
}

const answerSchema = z.object({
  output: z.record(z.string(), z.unknown()),
  usage: z.record(z.string(), z.unknown()).optional(),
});

/** Starts a simulator, runs one task of `body` to SUCCEEDED and returns its answer. */
async function finished(body: Body, opts: SimOptions = {}) {
  const c = clock();
  const sim = await startDashScopeSimulator({
    clock: c,
    durations: { queueMs: 0, runMs: 1000 },
    ...opts,
  });
  sims.push(sim);
  const group =
    body.model.includes('kf2v') || /s2v|animate/.test(body.model)
      ? 'image2video'
      : 'video-generation';
  const id = createdTaskId(await simPost(sim.url, SIM_CREATE_PATHS[group], body));
  c.advance(1000);
  const a = await simGet(sim.url, `/tasks/${id}`);
  assert.equal(a.status, 200);
  const view = answerSchema.parse(a.json);
  assert.equal(view.output.task_status, 'SUCCEEDED');
  return { ...view, id, sim };
}

const hhShape = (input: number, output: number, SR: number, ratio: string) => ({
  duration: input + output,
  input_video_duration: input,
  output_video_duration: output,
  video_count: 1,
  SR,
  ratio,
});

describe('usage per family and the output.video_url location', () => {
  const cases: { name: string; body: Body; usage: object; opts?: SimOptions }[] = [
    {
      name: 'wan2.7-t2v: duration/input/output/video_count/SR/ratio (F§2.5)',
      body: {
        model: 'wan2.7-t2v',
        input: { prompt: 'p' },
        parameters: { resolution: '720P', ratio: '4:3', duration: 7 },
      },
      usage: hhShape(0, 7, 720, '4:3'),
    },
    {
      name: 'wan2.7-i2v with first_clip: the clip billed as input, duration the total (F§2.2, F§11 #6)',
      body: {
        model: 'wan2.7-i2v',
        input: { media: [{ type: 'first_clip', url: secs(VID, 3) }] },
        parameters: { duration: 15 },
      },
      usage: hhShape(3, 15, 1080, '16:9'),
    },
    {
      name: 'wan2.7-r2v: reference video seconds are input (F§2.5)',
      body: {
        model: 'wan2.7-r2v',
        input: {
          prompt: 'p',
          media: [
            { type: 'reference_video', url: secs(VID, 2.5) },
            { type: 'reference_video', url: VID },
          ],
        },
        parameters: { duration: 10, resolution: '720P', ratio: '9:16' },
      },
      usage: hhShape(7.5, 10, 720, '9:16'),
    },
    {
      name: 'wan2.7-videoedit duration 0 = input length (F§10)',
      body: { model: 'wan2.7-videoedit', input: { media: [{ type: 'video', url: secs(VID, 8) }] } },
      usage: hhShape(8, 8, 1080, '16:9'),
    },
    {
      name: 'wan2.7-videoedit duration N = min(N, input)',
      body: {
        model: 'wan2.7-videoedit',
        input: { media: [{ type: 'video', url: secs(VID, 4) }] },
        parameters: { duration: 10 },
      },
      usage: hhShape(4, 4, 1080, '16:9'),
    },
    {
      name: 'wan3.0 duration -1 = reference audio total; video input billed (F§3.4)',
      body: {
        model: 'wan3.0-video',
        input: {
          prompt: 'p',
          media: [
            { type: 'reference_audio', url: secs(AUD, 4) },
            { type: 'reference_audio', url: secs(AUD, 5) },
            { type: 'reference_video', url: secs(VID, 3) },
          ],
        },
        parameters: { duration: -1, resolution: '480P', ratio: '21:9' },
      },
      usage: hhShape(3, 9, 480, '21:9'),
    },
    {
      name: 'wan3.0-video-prime duration -1 without audio = 5',
      body: { model: 'wan3.0-video-prime', input: { prompt: 'p' }, parameters: { duration: -1 } },
      usage: hhShape(0, 5, 1080, '16:9'),
    },
    {
      name: 'happyhorse t2v: F§4.4 schema, input 0',
      body: {
        model: 'happyhorse-1.1-t2v',
        input: { prompt: 'p' },
        parameters: { resolution: '480P', ratio: '5:4', duration: 3 },
      },
      usage: hhShape(0, 3, 480, '5:4'),
    },
    {
      name: 'happyhorse video-edit = min(input, 15), billed in + out (F§4.4)',
      body: {
        model: 'happyhorse-1.0-video-edit',
        input: { prompt: 'p', media: [{ type: 'video', url: secs(VID, 20) }] },
      },
      usage: hhShape(20, 15, 1080, '16:9'),
    },
    {
      name: 'wan2.2-kf2v-flash: video_duration 5, video_count, SR (F§5)',
      body: {
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: IMG },
        parameters: { resolution: '480P' },
      },
      usage: { video_duration: 5, video_count: 1, SR: 480 },
    },
    {
      name: 'wanx2.1-kf2v-plus: video_ratio "standard" (F§5)',
      body: { model: 'wanx2.1-kf2v-plus', input: { first_frame_url: IMG } },
      usage: { video_duration: 5, video_count: 1, video_ratio: 'standard' },
    },
    {
      name: 'VACE image_reference: 5 s (F§6)',
      body: {
        model: 'wanx2.1-vace-plus',
        input: { function: 'image_reference', prompt: 'p', ref_images_url: [IMG] },
      },
      usage: { video_duration: 5, video_count: 1 },
    },
    {
      name: 'VACE video_repainting: min(input, 5) (F§6)',
      body: {
        model: 'wanx2.1-vace-plus',
        input: { function: 'video_repainting', prompt: 'p', video_url: secs(VID, 3.2) },
      },
      usage: { video_duration: 3.2, video_count: 1 },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const a = await finished(c.body, c.opts);
      assert.deepEqual(a.usage, c.usage);
      assert.match(String(a.output.video_url), /\/results\/[0-9a-f-]{36}\.mp4\?Expires=/);
      assert.equal(a.output.results, undefined);
    });
  }
});

describe('s2v and animate answer at output.results.video_url (F§7.2, F§8)', () => {
  it('s2v: video_duration = audio length as a float; the link serves an MP4', async () => {
    const a = await finished({
      model: 'wan2.2-s2v',
      input: { image_url: IMG, audio_url: secs(AUD, 10.23) },
    });
    assert.deepEqual(a.usage, { video_duration: 10.23, video_count: 1 });
    assert.equal(a.output.video_url, undefined);
    const url = z.object({ video_url: z.string() }).parse(a.output.results).video_url;
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
    assert.equal(simTaskIdOf(bytes), a.id);
  });

  it('s2v caps at 20 s (F§7.2 ⚠); animate = the video length, or inputMediaSeconds', async () => {
    const capped = await finished({
      model: 'wan2.2-s2v',
      input: { image_url: IMG, audio_url: secs(AUD, 25) },
    });
    assert.deepEqual(capped.usage, { video_duration: 20, video_count: 1 });
    const move = await finished({
      model: 'wan2.2-animate-move',
      input: { image_url: IMG, video_url: secs(VID, 7.5) },
      parameters: { mode: 'wan-std' },
    });
    assert.deepEqual(move.usage, { video_duration: 7.5, video_count: 1 });
    assert.ok(z.object({ video_url: z.string() }).safeParse(move.output.results).success);
    const standIn = await finished(
      {
        model: 'wan2.2-animate-mix',
        input: { image_url: IMG, video_url: VID },
        parameters: { mode: 'wan-pro' },
      },
      { inputMediaSeconds: 4 },
    );
    assert.deepEqual(standIn.usage, { video_duration: 4, video_count: 1 });
  });
});

describe('prompts in the answer', () => {
  it('kf2v returns actual_prompt when prompt_extend is on, not when off (F§5)', async () => {
    const on = await finished({
      model: 'wan2.2-kf2v-flash',
      input: { first_frame_url: IMG, prompt: 'pan left' },
    });
    assert.equal(on.output.orig_prompt, 'pan left');
    assert.match(String(on.output.actual_prompt), /^pan left ./);
    const off = await finished({
      model: 'wan2.2-kf2v-flash',
      input: { first_frame_url: IMG, prompt: 'pan left' },
      parameters: { prompt_extend: false },
    });
    assert.equal(off.output.actual_prompt, undefined);
    const wan27 = await finished({ model: 'wan2.7-t2v', input: { prompt: 'a fox' } });
    assert.equal(wan27.output.orig_prompt, 'a fox');
    assert.equal(wan27.output.actual_prompt, undefined, 'only kf2v among the families');
  });
});

describe('rendered family videos (render: true)', () => {
  it('kf2v is silent, 5 s at its tier; s2v has sound and the audio length; 4:3 uses F§1.3', async () => {
    const tools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
    const dir = mkdtempSync(join(tmpdir(), 'sim-family-'));
    const probe = async (body: Body) => {
      const a = await finished(body, { render: true, mediaTools: tools });
      const results = a.output.results as { video_url?: string } | undefined;
      const url = String(results?.video_url ?? a.output.video_url);
      const file = join(dir, `${a.id}.mp4`);
      writeFileSync(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
      // prettier-ignore
      const { stdout } = await runTool(tools.ffprobe, [
        '-v', 'error', '-show_entries', 'stream=codec_type,width,height:format=duration',
        '-of', 'json', file,
      ]);
      const probed = z
        .object({
          streams: z.array(
            z.object({
              codec_type: z.string(),
              width: z.number().optional(),
              height: z.number().optional(),
            }),
          ),
          format: z.object({ duration: z.string() }),
        })
        .parse(JSON.parse(stdout));
      const video = probed.streams.find((s) => s.codec_type === 'video');
      return {
        size: [video?.width, video?.height],
        seconds: Number(probed.format.duration),
        audio: probed.streams.some((s) => s.codec_type === 'audio'),
      };
    };
    try {
      const kf = await probe({
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: IMG },
        parameters: { resolution: '480P' },
      });
      assert.deepEqual(kf.size, [832, 480]);
      assert.ok(Math.abs(kf.seconds - 5) < 0.2, `kf2v ${kf.seconds} s`);
      assert.equal(kf.audio, false, 'kf2v is silent');
      const s2v = await probe({
        model: 'wan2.2-s2v',
        input: { image_url: IMG, audio_url: secs(AUD, 2.5) },
      });
      assert.ok(Math.abs(s2v.seconds - 2.5) < 0.2, `s2v ${s2v.seconds} s`);
      assert.equal(s2v.audio, true);
      const t2v = await probe({
        model: 'wan2.7-t2v',
        input: { prompt: 'p' },
        parameters: { resolution: '720P', ratio: '4:3', duration: 2 },
      });
      assert.deepEqual(t2v.size, [1104, 832]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
