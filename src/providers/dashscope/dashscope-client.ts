import { pipeline, Transform, type Readable } from 'node:stream';
import type { z } from 'zod';
import { AddressPolicy, effectivePort } from '../../media/address-policy.js';
import {
  formatBytes,
  MediaFetchError,
  type MediaFetcher,
  type OpenedMedia,
} from '../../media/media-fetcher.js';
import { S2V_DETECT_MODEL } from '../../models/families/s2v.js';
import { mediaUrlKind } from '../../models/media-url.js';
import {
  createPathOf,
  findModel,
  regionalId,
  type DashScopeRegion,
  type ModelSpec,
} from '../../models/model-table.js';
import { mediaUrlsOf, type TaskRequest } from '../../models/task-request.js';
import { ProviderError } from '../provider-error.js';
import type {
  FaceCheck,
  ListFilter,
  ListPage,
  SubmitOptions,
  SubmitResult,
  UpstreamView,
  VideoProvider,
} from '../provider.js';
import { CHANNEL_CODES, listTime, toUpstreamView } from './mapping.js';
import { upstreamCall, UpstreamCallError, type UpstreamAnswer } from './upstream-http.js';
import { pushTaskIds } from './push-events.js';
import { TempUpload } from './temp-upload.js';
import {
  createAnswerSchema,
  detectAnswerSchema,
  errorBodySchema,
  listBodySchema,
  taskBodySchema,
} from './wire.js';

/** s2v's face check (families §7.1) */
export const DETECT_PATH = '/services/aigc/image2video/face-detect';

export interface DashScopeSettings {
  /** includes `/api/v1`, as DASHSCOPE_HTTP_BASE_URL does */
  baseUrl: string;
  apiKeys: string[];
  requestTimeoutMs: number;
  downloadTimeoutMs: number;
  /**
   * `host` / `host:port` entries result links may name even though they are not public
   * addresses (e.g. an OSS endpoint inside a VPC); the API's own host:port always may
   */
  resultAllowHosts: string[];
  /** a result larger than this is cut off and the task fails with ResultTooLarge */
  maxResultBytes: number;
  /** the account's region when the base URL does not tell it */
  region?: DashScopeRegion;
}

/** Public hosts and workspace domains tell their region (reference §1; families §3.1). */
const REGION_HOSTS: ReadonlyArray<[RegExp, DashScopeRegion]> = [
  [/^dashscope\.aliyuncs\.com$|\.cn-beijing\.maas\.aliyuncs\.com$/, 'beijing'],
  [/^dashscope-intl\.aliyuncs\.com$|\.ap-southeast-1\.maas\.aliyuncs\.com$/, 'singapore'],
  [/^dashscope-us\.aliyuncs\.com$|\.us-east-1\.maas\.aliyuncs\.com$/, 'virginia'],
  [/\.cn-hongkong\.maas\.aliyuncs\.com$/, 'hongkong'],
];

/** The region of a channel: its base URL's, else the setting, else Beijing (the SDKs' default). */
export function channelRegion(baseUrl: string, setting?: DashScopeRegion): DashScopeRegion {
  const host = new URL(baseUrl).hostname.toLowerCase();
  return REGION_HOSTS.find(([re]) => re.test(host))?.[1] ?? setting ?? 'beijing';
}

/** `read`s change nothing upstream; a create or cancel that may have arrived may have acted */
type CallKind = 'create' | 'cancel' | 'read';

/** DashScope's JSON answers are small; anything larger is not one of them */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const h = Array.isArray(value) ? value[0] : value;
  if (!h) return undefined;
  const secs = Number(h);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * DashScope's HTTP API for one account (channel). Keys rotate per request; all of them share
 * the account's limits, which the engine enforces before calling. Keys never appear in errors.
 */
export class DashScopeClient implements VideoProvider {
  private next = 0;
  private readonly resultHosts: readonly string[];
  private readonly temp: TempUpload;
  readonly region: DashScopeRegion;

  /** `fetcher` downloads results under the media address policy (ADR 0009). */
  constructor(
    private readonly s: DashScopeSettings,
    private readonly fetcher: MediaFetcher,
  ) {
    if (s.apiKeys.length === 0) throw new Error('a DashScope channel needs at least one API key');
    this.region = channelRegion(s.baseUrl, s.region);
    // an upstream can answer anything from its own origin already, so links there give it
    // nothing new; everywhere else only public addresses (the simulator runs on loopback)
    const api = new URL(s.baseUrl);
    this.resultHosts = [`${api.hostname}:${effectivePort(api)}`, ...s.resultAllowHosts];
    // a malformed entry is a settings error now, not a download failing for a day
    new AddressPolicy(this.resultHosts);
    this.temp = new TempUpload({
      get: (path, signal) => this.call('read', path, { method: 'GET' }, signal),
      fetcher,
      timeoutMs: s.downloadTimeoutMs,
    });
  }

  private key(): string {
    const k = this.s.apiKeys[this.next % this.s.apiKeys.length] ?? '';
    this.next++;
    return k;
  }

  private async call(
    kind: CallKind,
    path: string,
    init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
    signal?: AbortSignal,
  ): Promise<UpstreamAnswer> {
    try {
      return await upstreamCall(`${this.s.baseUrl}${path}`, {
        method: init.method,
        body: init.body,
        timeoutMs: this.s.requestTimeoutMs,
        maxAnswerBytes: MAX_ANSWER_BYTES,
        ...(signal ? { signal } : {}),
        headers: {
          Authorization: `Bearer ${this.key()}`,
          Accept: 'application/json; charset=utf-8',
          ...init.headers,
        },
      });
    } catch (err) {
      const code = err instanceof UpstreamCallError ? err.code : 'Error';
      // a create (or cancel) the upstream may have read in full must be reconciled, never
      // blindly resent; one that never left whole cannot have acted and is retried (ADR 0011)
      const written = err instanceof UpstreamCallError ? err.written : true;
      const kindOf = kind !== 'read' && written ? 'uncertain' : 'retry';
      throw new ProviderError(kindOf, 'RequestTimeOut', `DashScope did not answer (${code}).`);
    }
  }

  private parse<T>(kind: CallKind, res: UpstreamAnswer, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = undefined;
    }
    if (res.status >= 200 && res.status < 300) {
      const parsed = schema.safeParse(json);
      if (parsed.success) return parsed.data;
      // a 2xx we cannot read may still mean a task was created (or canceled)
      throw new ProviderError(
        kind === 'read' ? 'retry' : 'uncertain',
        'InternalError',
        'DashScope answered with an unreadable body.',
      );
    }
    const err = errorBodySchema.safeParse(json);
    const code = (err.success ? err.data.code : undefined) ?? `HTTP${res.status}`;
    const message =
      (err.success ? err.data.message : undefined) ?? `DashScope answered HTTP ${res.status}.`;
    throw classify(res.status, code, message, retryAfterMs(res.headers['retry-after']));
  }

  pushTaskIds(body: unknown): string[] {
    return pushTaskIds(body);
  }

  modelIdFor(spec: ModelSpec): string | null {
    return regionalId(spec, this.region) ?? null;
  }

  async submit(req: TaskRequest, opts: SubmitOptions): Promise<SubmitResult> {
    const model = this.modelIdFor(req.spec);
    if (model === null) {
      // the pool never picks a channel whose region lacks the model; this guards the contract
      throw new ProviderError(
        'reject',
        'InvalidParameter',
        `Model ${req.spec.name} is not offered in ${this.region} (${regionsText(req.spec)}).`,
      );
    }
    const urls = mediaUrlsOf(req).map(mediaUrlKind);
    const usesOss = urls.includes('oss') || urls.includes('upload');
    // files uploaded to vidgate go to the channel's own temporary storage first (ADR 0017)
    const input = urls.includes('upload')
      ? await this.temp.handOver(model, req.body.input, opts.signal)
      : req.body.input;
    // the region's own id of the model (families §1.1: wanx2.1-kf2v-plus in Beijing)
    const body = { ...req.body, model, input };
    const res = await this.call(
      'create',
      // each model at its own path: kf2v, s2v and animate live under image2video
      createPathOf(req.spec),
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-DashScope-Async': 'enable',
          'X-Request-Id': opts.requestId,
          ...(usesOss ? { 'X-DashScope-OssResourceResolve': 'enable' } : {}),
        },
        body: JSON.stringify(body),
      },
      opts.signal,
    );
    const answer = this.parse('create', res, createAnswerSchema);
    const status = answer.output.task_status === 'RUNNING' ? 'RUNNING' : 'PENDING';
    return { upstreamTaskId: answer.output.task_id, view: { kind: status } };
  }

  async query(upstreamTaskId: string, signal?: AbortSignal): Promise<UpstreamView> {
    const res = await this.call(
      'read',
      `/tasks/${encodeURIComponent(upstreamTaskId)}`,
      { method: 'GET' },
      signal,
    );
    return toUpstreamView(this.parse('read', res, taskBodySchema));
  }

  async list(filter: ListFilter, signal?: AbortSignal): Promise<ListPage> {
    const q = new URLSearchParams({
      start_time: listTime(filter.startTime),
      end_time: listTime(filter.endTime),
      page_no: String(filter.pageNo),
      page_size: String(filter.pageSize),
    });
    if (filter.model) q.set('model_name', this.upstreamName(filter.model));
    if (filter.status) q.set('status', filter.status);
    const res = await this.call('read', `/tasks?${q.toString()}`, { method: 'GET' }, signal);
    const body = this.parse('read', res, listBodySchema);
    return {
      total: body.total ?? body.data.length,
      tasks: body.data.map((d) => ({
        upstreamTaskId: d.task_id,
        // the table's name, whatever the region calls the model
        model: d.model_name ? (findModel(d.model_name)?.name ?? d.model_name) : '',
        status: d.status,
        createdAt: d.gmt_create ?? 0,
        ...(d.start_time !== undefined ? { startedAt: d.start_time } : {}),
        ...(d.request_id ? { requestId: d.request_id } : {}),
      })),
    };
  }

  /** families §7.1: synchronous, no async header; a verdict answers 200 either way. */
  async detectFace(imageUrl: string, signal?: AbortSignal): Promise<FaceCheck> {
    const res = await this.call(
      'read',
      DETECT_PATH,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: S2V_DETECT_MODEL, input: { image_url: imageUrl } }),
      },
      signal,
    );
    const o = this.parse('read', res, detectAnswerSchema).output;
    return {
      checkPass: o.check_pass,
      humanoid: o.humanoid ?? o.check_pass,
      ...(o.code === undefined ? {} : { code: o.code }),
      ...(o.message === undefined ? {} : { message: o.message }),
    };
  }

  private upstreamName(model: string): string {
    const spec = findModel(model);
    return (spec && this.modelIdFor(spec)) ?? model;
  }

  async cancel(upstreamTaskId: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call(
      'cancel',
      `/tasks/${encodeURIComponent(upstreamTaskId)}/cancel`,
      { method: 'POST' },
      signal,
    );
    this.parse('read', res, errorBodySchema);
  }

  /**
   * Result links are public signed OSS URLs; no key is sent with them. The link comes from the
   * upstream, so it is fetched like client media (addresses vetted on every redirect hop) and
   * bounded in size: a hostile or broken upstream gets the task failed, never a file stored.
   */
  async openResult(videoUrl: string, signal?: AbortSignal): Promise<Readable> {
    const max = this.s.maxResultBytes;
    let opened: OpenedMedia;
    try {
      opened = await this.fetcher.open(videoUrl, {
        maxBytes: max,
        timeoutMs: this.s.downloadTimeoutMs,
        alsoAllowHosts: this.resultHosts,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (err instanceof MediaFetchError && err.code === 'InvalidURL') throw resultRefused();
      if (err instanceof MediaFetchError && err.code === 'InvalidParameter') {
        throw resultTooLarge(max);
      }
      throw err;
    }
    return capped(opened.body, max);
  }
}

function resultRefused(): ProviderError {
  return new ProviderError(
    'reject',
    'ResultRefused',
    'The upstream named a result link on a host vidgate does not download from (not a public ' +
      'internet address); nothing was stored.',
  );
}

function resultTooLarge(max: number): ProviderError {
  return new ProviderError(
    'reject',
    'ResultTooLarge',
    `The upstream's result is larger than ${formatBytes(max)}, the channel's limit; nothing was stored.`,
  );
}

/** The body, failing with ResultTooLarge as soon as more than `max` bytes have arrived. */
function capped(body: Readable, max: number): Readable {
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > max) cb(resultTooLarge(max));
      else cb(null, chunk);
    },
  });
  // pipeline destroys both sides on any error, so the reader sees the body's errors too
  pipeline(body, limiter, () => undefined);
  return limiter;
}

/** DashScope's error codes → how the engine must react (see ProviderErrorKind). */
export function classify(
  status: number,
  code: string,
  message: string,
  retryAfter?: number,
): ProviderError {
  if (CHANNEL_CODES.has(code))
    return new ProviderError('channel', code, message, retryAfter, status);
  if (status === 429 || status >= 500 || status === 408) {
    return new ProviderError('retry', code, message, retryAfter, status);
  }
  return new ProviderError('reject', code, message, undefined, status);
}

function regionsText(spec: ModelSpec): string {
  const regions = Object.keys(spec.regions);
  return regions.length > 0 ? `it is offered in ${regions.join(', ')}` : 'no region offers it';
}
