import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { mediaRulesFromTable } from '../../media/media-checker.js';
import { findModel, type ModelSpec } from '../../models/model-table.js';
import { mediaUrlKind } from '../../models/media-url.js';
import { effectiveRequest, mediaUrlsOf, type TaskRequest } from '../../models/task-request.js';
import { buildUsage } from '../../models/usage.js';
import { ProviderError } from '../provider-error.js';
import type {
  FaceCheck,
  ProviderDeps,
  SubmitOptions,
  SubmitResult,
  UpstreamView,
  VideoProvider,
} from '../provider.js';
import { familyOf } from '../../models/families/registry.js';
import type { CheckedSlot, PlanAudio, PlanVisual } from '../../models/families/model-family.js';
import { renderVideo, type RenderAudio, type RenderVisual } from './render.js';
import {
  InputProblem,
  jobInputs,
  prepareInput,
  takeCheckedCopies,
  type PrepareContext,
} from './sandbox-inputs.js';
import { sandboxDetectFace } from './sandbox-detect.js';
import { SandboxJobs, type SandboxJob } from './sandbox-jobs.js';

const RESULT_PREFIX = 'sandbox:';
/** What a client reads when a render fails for a reason of the sandbox's own (logged in full). */
const RENDER_FAILED =
  'The sandbox could not render the video; quote the task_id when reporting it.';
/** DashScope's own refusal (reference §8), so clients see one answer whichever upstream runs. */
const NOT_PENDING = 'Failed to cancel the task, please confirm if the task is in PENDING status.';

type RenderOutcome =
  | { ok: true; usage: Record<string, unknown>; actualPrompt?: string }
  | { ok: false; code: string; message: string };

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
  /** canceled by this instance, known before the job file says so (see cancel) */
  private readonly canceled = new Set<string>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly deps: ProviderDeps,
    private readonly options: {
      readonly maxConcurrentRenders: number;
      /** multiplies the queued and running phases (VIDGATE_SANDBOX_TIME_SCALE) */
      readonly timeScale: number;
    },
  ) {
    this.jobs = new SandboxJobs(join(deps.workDir, 'jobs'));
  }

  submit(req: TaskRequest, opts: SubmitOptions): Promise<SubmitResult> {
    if (mediaUrlsOf(req).some((u) => mediaUrlKind(u) === 'oss')) {
      return Promise.reject(
        new ProviderError(
          'reject',
          'InvalidURL',
          'oss:// URLs are temporary DashScope uploads; the sandbox cannot read them. Send an http(s) URL or a data: URI, upload the file to vidgate (GET /api/v1/uploads?action=getPolicy), or route the model to a DashScope channel.',
        ),
      );
    }
    return this.createJob(req, opts.requestId);
  }

  /** `taskId` is the request id the engine sends: its task id (see TaskWorker.submit). */
  private async createJob(req: TaskRequest, taskId: string): Promise<SubmitResult> {
    const { body } = req;
    const now = this.deps.clock.now();
    const id = `sbx_${randomBytes(12).toString('hex')}`;
    const digest = createHash('sha256').update(id).digest();
    const scale = this.options.timeScale;
    const job: SandboxJob = {
      id,
      body,
      submittedAt: now,
      queueMs: Math.round((1500 + (digest.readUInt16BE(0) % 2000)) * scale),
      runMs: Math.round((5000 + (digest.readUInt16BE(2) % 4000)) * scale),
      taskId,
      failure: null,
      canceledAt: null,
      rendered: null,
      media: {},
    };
    const inputs = jobInputs(req.effective);
    const reader = this.deps.checkedMedia;
    job.media = await takeCheckedCopies(reader, taskId, inputs, this.jobs.mediaDir(id));
    await this.jobs.save(job);
    // the job holds its own links now; nothing else renders this task's inputs
    await this.deps.checkedMedia?.release(taskId);
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
    // read right after the clock, as cancel() decides: a job canceled before its queue time
    // ended is seen as canceled here, never started
    if (job.canceledAt !== null || this.canceled.has(job.id)) return { kind: 'CANCELED' };
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
      await rm(this.jobs.mediaDir(job.id), { recursive: true, force: true });
      return { kind: 'FAILED', ...failure, submitTime, scheduledTime };
    }
    const endTime = scheduledTime + job.runMs;
    if (now < endTime) return { kind: 'RUNNING', submitTime, scheduledTime };
    const eff = effectiveRequest(model, job.body);
    const actualPrompt =
      outcome.actualPrompt ??
      (model.returnsActualPrompt && job.body.parameters.prompt_extend !== false && eff.prompt
        ? eff.prompt
        : undefined);
    return {
      kind: 'SUCCEEDED',
      videoUrl: `${RESULT_PREFIX}${job.id}`,
      usage: outcome.usage,
      origPrompt: eff.prompt ?? '',
      ...(actualPrompt === undefined ? {} : { actualPrompt }),
      submitTime,
      scheduledTime,
      endTime,
    };
  }

  /**
   * Takes a job out of the queue. As on DashScope only a PENDING job can be canceled: once its
   * queue time is over its render may have started, and it runs to its end.
   */
  async cancel(upstreamTaskId: string): Promise<void> {
    const job = await this.jobs.load(upstreamTaskId);
    const now = this.deps.clock.now();
    const pending =
      job !== null &&
      job.failure === null &&
      job.canceledAt === null &&
      !this.canceled.has(job.id) &&
      !this.renders.has(job.id) &&
      now < job.submittedAt + job.queueMs;
    if (!job || !pending) throw new ProviderError('reject', 'UnsupportedOperation', NOT_PENDING);
    // marked in the same synchronous step as the clock read, so a query racing this cancel
    // either ran before it (and saw PENDING) or sees CANCELED; it never starts the render
    this.canceled.add(job.id);
    await this.jobs.save({ ...job, canceledAt: now });
    await rm(this.jobs.mediaDir(job.id), { recursive: true, force: true });
  }

  async detectFace(imageUrl: string, signal?: AbortSignal): Promise<FaceCheck> {
    await mkdir(this.deps.workDir, { recursive: true });
    return sandboxDetectFace(this.deps, imageUrl, signal);
  }

  openResult(videoUrl: string): Promise<Readable> {
    if (!videoUrl.startsWith(RESULT_PREFIX)) {
      return Promise.reject(new Error(`not a sandbox result: ${videoUrl}`));
    }
    let path: string;
    try {
      path = this.jobs.videoPath(videoUrl.slice(RESULT_PREFIX.length));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const stream = createReadStream(path);
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
    const r = job.rendered;
    // jobs rendered before usage was kept carry their input seconds instead
    const model = findModel(job.body.model);
    const usage =
      r.usage ??
      (model ? buildUsage(model, effectiveRequest(model, job.body), r.inputVideoSeconds ?? 0) : {});
    const outcome: RenderOutcome = {
      ok: true,
      usage,
      ...(r.actualPrompt === undefined ? {} : { actualPrompt: r.actualPrompt }),
    };
    this.outcomes.set(job.id, outcome);
    return outcome;
  }

  private startRender(job: SandboxJob, model: ModelSpec): void {
    if (this.renders.has(job.id)) return;
    const p = this.withSlot(() => this.render(job, model)).catch((err: unknown): RenderOutcome => {
      if (err instanceof InputProblem) return { ok: false, code: err.code, message: err.message };
      // ffmpeg's stderr names files under the data directory: it goes to the log only
      this.deps.logger.error(
        { task: job.taskId, job: job.id, err: err instanceof Error ? err.message : String(err) },
        this.closing.signal.aborted ? 'sandbox render stopped' : 'sandbox render failed',
      );
      return { ok: false, code: 'InternalError.Algo', message: RENDER_FAILED };
    });
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
    while (this.active >= this.options.maxConcurrentRenders) {
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
      const ctx: PrepareContext = {
        tools: this.deps.tools,
        fetcher: this.deps.fetcher,
        rules: mediaRulesFromTable(model.media),
        attemptDir: dir,
        mediaDir: this.jobs.mediaDir(job.id),
        taken: job.media,
        signal,
      };
      // every input as a checked local file; the render reads those files and nothing else
      const files = new Map<string, string>();
      const media: CheckedSlot[] = [];
      for (const input of jobInputs(eff)) {
        const f = await prepareInput(input, ctx);
        files.set(input.field, f.path);
        media.push({ slot: input, info: f.info });
      }
      const family = familyOf(model);
      const problem = family.checkMedia(model, job.body, media);
      if (problem) throw new InputProblem(problem.code, problem.message);
      const plan = family.plan(model, job.body, eff, media);
      await renderVideo(
        this.deps.tools,
        {
          visual: resolveVisual(plan.visual, files),
          width: plan.width,
          height: plan.height,
          durationSec: plan.durationSec,
          fps: plan.fps,
          audio: resolveAudio(plan.audio, files),
          watermark: plan.watermark,
          seed: eff.seed ?? seedOf(job.id),
          outPath: this.jobs.videoPath(job.id),
        },
        signal,
      );
      const rendered = {
        usage: plan.usage,
        ...(plan.actualPrompt === undefined ? {} : { actualPrompt: plan.actualPrompt }),
      };
      await this.jobs.save({ ...job, rendered });
      await rm(this.jobs.mediaDir(job.id), { recursive: true, force: true });
      return { ok: true, ...rendered };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function fileOf(files: ReadonlyMap<string, string>, field: string): string {
  const path = files.get(field);
  if (path === undefined) throw new Error(`the plan names ${field}, which no input holds`);
  return path;
}

/** The plan names inputs by request field; the renderer reads their local files. */
function resolveVisual(v: PlanVisual, files: ReadonlyMap<string, string>): RenderVisual {
  const f = (field: string) => fileOf(files, field);
  switch (v.kind) {
    case 'text':
      return v;
    case 'still':
      return { kind: 'still', image: f(v.image) };
    case 'sequence':
      return { kind: 'sequence', items: v.items.map(f) };
    case 'transition':
      return { kind: 'transition', first: f(v.first), last: f(v.last) };
    case 'continuation':
      return { kind: 'continuation', clip: f(v.clip), last: v.last === null ? null : f(v.last) };
    case 'edit':
      return { kind: 'edit', video: f(v.video), look: v.look };
    case 'animate':
      return { kind: 'animate', image: f(v.image), video: f(v.video) };
  }
}

function resolveAudio(a: PlanAudio, files: ReadonlyMap<string, string>): RenderAudio {
  return a.kind === 'file' ? { kind: 'file', path: fileOf(files, a.field) } : a;
}

function seedOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) & 0x7fffffff;
}
