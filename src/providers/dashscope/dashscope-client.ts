import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import type { RequestBody } from '../../models/task-request.js';
import { ProviderError } from '../provider-error.js';
import type {
  ListFilter,
  ListPage,
  SubmitOptions,
  SubmitResult,
  UpstreamView,
  VideoProvider,
} from '../provider.js';
import { CHANNEL_CODES, listTime, toUpstreamView } from './mapping.js';
import { upstreamCall, UpstreamCallError, type UpstreamAnswer } from './upstream-http.js';
import { createAnswerSchema, errorBodySchema, listBodySchema, taskBodySchema } from './wire.js';

export interface DashScopeSettings {
  /** includes `/api/v1`, as DASHSCOPE_HTTP_BASE_URL does */
  baseUrl: string;
  apiKeys: string[];
  requestTimeoutMs: number;
  downloadTimeoutMs: number;
}

type CallKind = 'create' | 'read';

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

  constructor(private readonly s: DashScopeSettings) {
    if (s.apiKeys.length === 0) throw new Error('a DashScope channel needs at least one API key');
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
      // a create the upstream may have read in full must be reconciled, never blindly resent;
      // one that never left whole cannot have made a task and is simply retried (ADR 0011)
      const written = err instanceof UpstreamCallError ? err.written : true;
      const kindOf = kind === 'create' && written ? 'uncertain' : 'retry';
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
      // a 2xx we cannot read may still mean a task was created
      throw new ProviderError(
        kind === 'create' ? 'uncertain' : 'retry',
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

  async submit(body: RequestBody, opts: SubmitOptions): Promise<SubmitResult> {
    const usesOss = JSON.stringify(body.input).includes('"oss://');
    const res = await this.call(
      'create',
      '/services/aigc/video-generation/video-synthesis',
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
    if (filter.model) q.set('model_name', filter.model);
    if (filter.status) q.set('status', filter.status);
    const res = await this.call('read', `/tasks?${q.toString()}`, { method: 'GET' }, signal);
    const body = this.parse('read', res, listBodySchema);
    return {
      total: body.total ?? body.data.length,
      tasks: body.data.map((d) => ({
        upstreamTaskId: d.task_id,
        model: d.model_name ?? '',
        status: d.status,
        createdAt: d.gmt_create ?? 0,
        ...(d.start_time !== undefined ? { startedAt: d.start_time } : {}),
        ...(d.request_id ? { requestId: d.request_id } : {}),
      })),
    };
  }

  async cancel(upstreamTaskId: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call(
      'read',
      `/tasks/${encodeURIComponent(upstreamTaskId)}/cancel`,
      { method: 'POST' },
      signal,
    );
    this.parse('read', res, errorBodySchema);
  }

  /** Result links are public signed OSS URLs; no key is sent with them. */
  async openResult(videoUrl: string, signal?: AbortSignal): Promise<Readable> {
    const timeout = AbortSignal.timeout(this.s.downloadTimeoutMs);
    const res = await fetch(videoUrl, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok || !res.body) throw new Error(`result download failed with HTTP ${res.status}`);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }
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
