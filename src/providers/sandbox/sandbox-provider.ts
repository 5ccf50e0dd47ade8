import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { probeMedia } from '../../media/probe.js';
import { MediaFetchError } from '../../media/media-fetcher.js';
import { findModel, type ModelSpec } from '../../models/model-table.js';
import {
  effectiveRequest,
  type EffectiveRequest,
  type RequestBody,
} from '../../models/task-request.js';
import { buildUsage } from '../../models/usage.js';
import { ProviderError } from '../provider-error.js';
import type {
  ProviderDeps,
  SubmitOptions,
  SubmitResult,
  UpstreamView,
  VideoProvider,
} from '../provider.js';
import { firstFrameOutputSize, parseSize } from './output-size.js';
import { renderVideo, type RenderAudio } from './render.js';
import { SandboxJobs, type SandboxJob } from './sandbox-jobs.js';

const RESULT_PREFIX = 'sandbox:';
/** ffprobe format names of video containers; still images probe as image2/png_pipe/… */
const VIDEO_CONTAINERS = /mov|mp4|matroska|webm|avi/;

/** Fallback bound on a fetched input when the model table names none (it always should). */
const MAX_INPUT_BYTES = 100 * 1024 * 1024;

type RenderOutcome =
  { ok: true; inputVideoSeconds: number } | { ok: false; code: string; message: string };

/**
 * The offline upstream: renders a real MP4 with ffmpeg for every task, with queued and running
 * phases scaled so that a demo task ends in about 10–20 seconds.
 */
export class SandboxProvider implements VideoProvider {
  private readonly jobs: SandboxJobs;
  private readonly renders = new Map<string, Promise<RenderOutcome>>();
  /** aborted by close(): no render outlives the provider */
  private readonly closing = new AbortController();
  private readonly outcomes = new Map<string, RenderOutcome>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly deps: ProviderDeps,
    private readonly maxConcurrentRenders: number,
  ) {
    this.jobs = new SandboxJobs(join(deps.workDir, 'jobs'));
  }

  submit(body: RequestBody, _opts: SubmitOptions): Promise<SubmitResult> {
    const refs: unknown[] = Array.isArray(body.input.reference_urls)
      ? body.input.reference_urls
      : [];
    const urls: unknown[] = [body.input.img_url, body.input.audio_url, ...refs];
    if (urls.some((u) => typeof u === 'string' && u.startsWith('oss://'))) {
      return Promise.reject(
        new ProviderError(
          'reject',
          'InvalidURL',
          'oss:// URLs are temporary DashScope uploads; the sandbox cannot read them. Send an http(s) URL or a data: URI, or route the model to a DashScope channel.',
        ),
      );
    }
    return this.createJob(body);
  }

  private async createJob(body: RequestBody): Promise<SubmitResult> {
    const now = this.deps.clock.now();
    const id = `sbx_${randomBytes(12).toString('hex')}`;
    const digest = createHash('sha256').update(id).digest();
    const scale = this.deps.sandboxTimeScale;
    const job: SandboxJob = {
      id,
      body,
      submittedAt: now,
      queueMs: Math.round((1500 + (digest.readUInt16BE(0) % 2000)) * scale),
      runMs: Math.round((5000 + (digest.readUInt16BE(2) % 4000)) * scale),
      failure: null,
      rendered: null,
    };
    await this.jobs.save(job);
    return {
      upstreamTaskId: id,
      view: { kind: 'PENDING', submitTime: now },
      expectedRunMs: job.queueMs + job.runMs,
    };
  }

  async query(upstreamTaskId: string): Promise<UpstreamView> {
    const job = await this.jobs.load(upstreamTaskId);
    if (!job) return { kind: 'UNKNOWN' };
    const model = findModel(job.body.model);
    if (!model) return { kind: 'UNKNOWN' };
    const now = this.deps.clock.now();
    const submitTime = job.submittedAt;
    const scheduledTime = job.submittedAt + job.queueMs;
    if (job.failure) return { kind: 'FAILED', ...job.failure, submitTime, scheduledTime };
    if (now < scheduledTime) return { kind: 'PENDING', submitTime };
    const outcome = this.outcomes.get(job.id) ?? (await this.finishedOnDisk(job));
    if (!outcome) {
      this.startRender(job, model);
      return { kind: 'RUNNING', submitTime, scheduledTime };
    }
    if (!outcome.ok) {
      const failure = { code: outcome.code, message: outcome.message };
      await this.jobs.save({ ...job, failure });
      return { kind: 'FAILED', ...failure, submitTime, scheduledTime };
    }
    const endTime = scheduledTime + job.runMs;
    if (now < endTime) return { kind: 'RUNNING', submitTime, scheduledTime };
    const eff = effectiveRequest(model, job.body);
    return {
      kind: 'SUCCEEDED',
      videoUrl: `${RESULT_PREFIX}${job.id}`,
      usage: buildUsage(model, eff, outcome.inputVideoSeconds),
      origPrompt: eff.prompt ?? '',
      ...(model.returnsActualPrompt && job.body.parameters.prompt_extend !== false && eff.prompt
        ? { actualPrompt: eff.prompt }
        : {}),
      submitTime,
      scheduledTime,
      endTime,
    };
  }

  openResult(videoUrl: string): Promise<Readable> {
    if (!videoUrl.startsWith(RESULT_PREFIX)) {
      return Promise.reject(new Error(`not a sandbox result: ${videoUrl}`));
    }
    const stream = createReadStream(this.jobs.videoPath(videoUrl.slice(RESULT_PREFIX.length)));
    return new Promise((ok, fail) => {
      stream.once('open', () => ok(stream));
      stream.once('error', fail);
    });
  }

  /** After a restart the render may already be on disk; the job file carries the input seconds. */
  private async finishedOnDisk(job: SandboxJob): Promise<RenderOutcome | null> {
    if (this.renders.has(job.id) || !job.rendered) return null;
    try {
      await stat(this.jobs.videoPath(job.id));
    } catch {
      return null;
    }
    const outcome: RenderOutcome = { ok: true, inputVideoSeconds: job.rendered.inputVideoSeconds };
    this.outcomes.set(job.id, outcome);
    return outcome;
  }

  private startRender(job: SandboxJob, model: ModelSpec): void {
    if (this.renders.has(job.id)) return;
    const p = this.withSlot(() => this.render(job, model)).catch((err: unknown): RenderOutcome => ({
      ok: false,
      code: err instanceof MediaFetchError ? err.code : 'InternalError.Algo',
      message: err instanceof Error ? err.message : String(err),
    }));
    this.renders.set(job.id, p);
    void p.then((outcome) => {
      this.outcomes.set(job.id, outcome);
      this.renders.delete(job.id);
    });
  }

  /** Stops every render (killing ffmpeg) and waits for them; jobs resume on the next start. */
  async close(): Promise<void> {
    this.closing.abort();
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.allSettled([...this.renders.values()]);
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.maxConcurrentRenders) {
      await new Promise<void>((r) => this.waiting.push(r));
    }
    this.closing.signal.throwIfAborted();
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async render(job: SandboxJob, model: ModelSpec): Promise<RenderOutcome> {
    const eff = effectiveRequest(model, job.body);
    const dir = this.jobs.inputDir(job.id, randomBytes(4).toString('hex'));
    const signal = this.closing.signal;
    await mkdir(dir, { recursive: true });
    try {
      const spec = await this.prepare(job, model, eff, dir);
      await renderVideo(
        this.deps.tools,
        {
          ...spec,
          durationSec: eff.durationSec,
          seed: eff.seed ?? seedOf(job.id),
          outPath: this.jobs.videoPath(job.id),
        },
        signal,
      );
      await this.jobs.save({ ...job, rendered: { inputVideoSeconds: spec.inputVideoSeconds } });
      return { ok: true, inputVideoSeconds: spec.inputVideoSeconds };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async prepare(job: SandboxJob, model: ModelSpec, eff: EffectiveRequest, dir: string) {
    const fetch = (url: string, name: string, maxBytes: number) =>
      this.deps.fetcher.fetchToFile(url, join(dir, name), {
        maxBytes,
        signal: this.closing.signal,
      });
    let audio: RenderAudio = eff.withAudio ? { kind: 'synth' } : { kind: 'none' };
    if (eff.withAudio && eff.audioUrl) {
      const a = await fetch(eff.audioUrl, 'audio', model.media.audio?.maxBytes ?? MAX_INPUT_BYTES);
      audio = { kind: 'file', path: a.path };
    }
    if (model.mode === 'first-frame') {
      const img = await fetch(
        eff.imgUrl ?? '',
        'first-frame',
        model.media.firstFrame?.maxBytes ?? MAX_INPUT_BYTES,
      );
      const probe = await probeMedia(this.deps.tools, img.path);
      if (!probe.video)
        throw new MediaFetchError('InvalidParameter', 'input.img_url is not an image.');
      const size = firstFrameOutputSize(probe.video.width, probe.video.height, eff.tier);
      return {
        mode: 'first-frame' as const,
        ...size,
        audio,
        inputs: [img.path],
        inputVideoSeconds: 0,
      };
    }
    const size = parseSize(eff.size ?? '') ?? { width: 1920, height: 1080 };
    if (model.mode === 'text') {
      return { mode: 'text' as const, ...size, audio, inputs: [], inputVideoSeconds: 0 };
    }
    const inputs: string[] = [];
    let inputVideoSeconds = 0;
    for (const [i, url] of eff.referenceUrls.entries()) {
      const f = await fetch(
        url,
        `ref${i}`,
        model.media.references?.video.maxBytes ?? MAX_INPUT_BYTES,
      );
      const probe = await probeMedia(this.deps.tools, f.path);
      if (!probe.video) {
        throw new MediaFetchError(
          'InvalidParameter',
          `input.reference_urls[${i}] is neither an image nor a video.`,
        );
      }
      if (VIDEO_CONTAINERS.test(probe.format) && probe.durationSec !== null) {
        inputVideoSeconds += Math.round(probe.durationSec);
      }
      inputs.push(f.path);
    }
    return { mode: 'references' as const, ...size, audio, inputs, inputVideoSeconds };
  }
}

function seedOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) & 0x7fffffff;
}
