import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MediaTools } from '../media/ffmpeg.js';
import type { CheckedMediaReader } from '../media/checked-media.js';
import type { MediaFetcher } from '../media/media-fetcher.js';
import type { ModelSpec } from '../models/model-table.js';
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
  /**
   * The id this upstream knows a model by, or null when it does not offer it (a DashScope
   * region lacks it, families §1.1). Absent: every model of the table, by its own name.
   */
  modelIdFor?(spec: ModelSpec): string | null;
  /**
   * s2v's synchronous image check (families §7.1), for upstreams that have it. A verdict on an
   * image is an answer either way; a request the upstream refuses throws a ProviderError.
   */
  detectFace?(imageUrl: string, signal?: AbortSignal): Promise<FaceCheck>;
  /**
   * The upstream task ids a completion push names (DashScope's through EventBridge), read
   * leniently; only ever a hint to query them. Absent: the upstream has no push.
   */
  pushTaskIds?(body: unknown): string[];
  close?(): Promise<void>;
}

/** What the face check said about an image (DashScope's `output` of face-detect). */
export interface FaceCheck {
  checkPass: boolean;
  humanoid: boolean;
  /** why it did not pass */
  code?: string;
  message?: string;
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
}

/** A channel as a provider asks for it; core fills in the rest with newChannelSchema's defaults. */
export interface ChannelRequest {
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly models: readonly string[];
  readonly limits?: Readonly<Record<string, number>>;
}

/** A channel this start creates, or updates by name, because of the provider's variables. */
export interface StartupChannel extends ChannelRequest {
  /** the relayed account takes over from the embedded default channel, which is disabled */
  readonly replacesDefault: boolean;
}

/** The channels `vidgate serve` makes from a provider's environment variables. */
export interface ProviderSetup {
  readonly startupChannels: readonly StartupChannel[];
  /** values among the variables that are secrets: redacted from every log line */
  readonly secrets: readonly string[];
  /** one channel's provider; `settings` are unparsed, the provider parses them with its schema */
  create(settings: unknown, deps: ProviderDeps): VideoProvider;
}

/** The environment a provider reads its variables from (only the names it declares). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

export type SetupResult = { ok: true; setup: ProviderSetup } | { ok: false; problems: string[] };

/** A `channels add` flag that sets one setting, e.g. `--key` appending to `apiKeys`. */
export interface SettingFlag {
  readonly flag: string;
  readonly setting: string;
  /** repeatable; the setting gets every value as a list */
  readonly multiple: boolean;
  /** placeholder in the usage text, e.g. KEY */
  readonly value: string;
}

/** The provider's own `vidgate channels add` flags, beyond the ones every channel has. */
export interface ChannelFlags {
  /** the flag that picks one of `settingsPresets`, e.g. DashScope's --region */
  readonly presetFlag?: string;
  readonly settings: readonly SettingFlag[];
  /** one line of usage text on what one channel of this provider is */
  readonly help: string;
}

export interface ProviderDefinition {
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  /** settings of one channel of this provider; secrets are listed in `secretFields` */
  readonly settingsSchema: z.ZodType;
  readonly secretFields: readonly string[];
  /** named settings fragments a CLI flag can pick, e.g. DashScope's regions */
  readonly settingsPresets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly channelFlags: ChannelFlags;
  /** models a new channel of this provider serves when none are named (`*`: the whole table) */
  readonly defaultModels: readonly string[];
  /** the channel an empty store gets, making this provider vidgate's embedded upstream */
  readonly defaultChannel?: ChannelRequest & {
    /** a model of each mode the example requests written at first start name */
    readonly exampleModels: Readonly<Record<'first-frame' | 'references', string>>;
  };
  /**
   * The provider's environment variables: keys are their names, each described. They are part
   * of vidgate's configuration (docs/configuration.md lists them; a test checks).
   */
  readonly variables: z.ZodObject;
  /** Reads the variables once per process; a problem names its variable. */
  configure(env: EnvSource): SetupResult;
}

/**
 * Parses a provider's variables with its schema and hands the typed values to `build`, so that
 * every provider reports bad variables the way core settings are reported.
 */
export function readVariables<S extends z.ZodObject>(
  schema: S,
  env: EnvSource,
  build: (values: z.output<S>) => ProviderSetup,
): SetupResult {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined) input[key] = v;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, setup: build(parsed.data) };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  };
}
