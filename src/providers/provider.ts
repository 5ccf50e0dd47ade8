import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MediaTools } from '../media/ffmpeg.js';
import type { CheckedMediaReader } from '../media/checked-media.js';
import type { MediaFetcher } from '../media/media-fetcher.js';
import type { TaskRequest } from '../models/task-request.js';

/** Timestamps DashScope reports for an upstream task, ms epoch. */
export interface UpstreamTimes {
  submitTime?: number;
  scheduledTime?: number;
  endTime?: number;
}

/** What an upstream says about one of its tasks. */
export type UpstreamView =
  | ({ kind: 'PENDING' | 'RUNNING' } & UpstreamTimes)
  | ({
      kind: 'SUCCEEDED';
      videoUrl: string;
      usage: Record<string, unknown>;
      origPrompt?: string;
      actualPrompt?: string;
    } & UpstreamTimes)
  | ({ kind: 'FAILED'; code: string; message: string } & UpstreamTimes)
  | { kind: 'CANCELED' }
  /** not found, or older than the upstream's retention */
  | { kind: 'UNKNOWN' };

/** One entry of an upstream's task list (DashScope §8), used to reconcile lost submits. */
export interface ListedTask {
  upstreamTaskId: string;
  model: string;
  status: string;
  createdAt: number;
  /** when the upstream started running it (DashScope's start_time), for RUNNING and later */
  startedAt?: number;
  /** upstream request id of the submit, when the upstream reports it */
  requestId?: string;
}

export interface ListFilter {
  model?: string;
  startTime: number;
  endTime: number;
  status?: string;
  pageNo: number;
  pageSize: number;
}

export interface ListPage {
  tasks: ListedTask[];
  total: number;
}

/** What a provider can do; core code asks these, never the provider's id. */
export interface ProviderCapabilities {
  /** the upstream lists tasks by time window (reconciliation of lost submits, batch status) */
  readonly listTasks: boolean;
  readonly cancel: boolean;
  /** the upstream's result link expires, so results must be copied promptly */
  readonly resultLinksExpire: boolean;
  /** the provider fetches http(s)/data: media itself and refuses oss:// */
  readonly resolvesMediaLocally: boolean;
}

export interface SubmitOptions {
  /** sent upstream as the request id where the wire format has one, to match lost submits */
  requestId: string;
  signal?: AbortSignal;
}

export interface SubmitResult {
  upstreamTaskId: string;
  view: UpstreamView;
  /** the upstream's own estimate of the run time, when it has one (the sandbox knows exactly) */
  expectedRunMs?: number;
}

/** One configured upstream account (a channel) as the engine sees it. */
export interface VideoProvider {
  /** `req.body` is the accepted body (what a pass-through upstream is sent), inline media resolved */
  submit(req: TaskRequest, opts: SubmitOptions): Promise<SubmitResult>;
  query(upstreamTaskId: string, signal?: AbortSignal): Promise<UpstreamView>;
  /** Streams a finished video; the engine copies it into vidgate's storage. */
  openResult(videoUrl: string, signal?: AbortSignal): Promise<Readable>;
  list?(filter: ListFilter, signal?: AbortSignal): Promise<ListPage>;
  cancel?(upstreamTaskId: string, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface ProviderDeps {
  clock: Clock;
  logger: Logger;
  tools: MediaTools;
  fetcher: MediaFetcher;
  /**
   * the copies of remote inputs the CHECKING step checked (ADR 0009): a provider that reads
   * media itself takes these instead of fetching the URLs again
   */
  checkedMedia?: CheckedMediaReader;
  /** a directory the provider may use for its own files */
  workDir: string;
  sandboxTimeScale: number;
}

export interface ProviderDefinition {
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  /** settings of one channel of this provider; secrets are listed in `secretFields` */
  readonly settingsSchema: z.ZodType;
  readonly secretFields: readonly string[];
  /** named settings fragments a CLI flag can pick, e.g. DashScope's regions */
  readonly settingsPresets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** `settings` are unparsed; the provider parses them with its own schema */
  create(settings: unknown, deps: ProviderDeps): VideoProvider;
}
