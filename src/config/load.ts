import { isAbsolute, resolve } from 'node:path';
import type { ProviderSetup } from '../providers/provider.js';
import { PROVIDERS } from '../providers/registry.js';
import { parseStorageSpec, type StorageSpec } from '../storage/storage-spec.js';
import { configSchema, listEntries, type RawConfig } from './schema.js';

/** The HTTP edge: socket and route timeouts, CORS, failed-authentication throttling. */
export interface HttpEdgeConfig {
  readonly headersTimeoutMs: number;
  /** receiving the whole request, body included */
  readonly requestTimeoutMs: number;
  /** no byte either way on a connection with a request in flight */
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** answering once the request is in */
  readonly routeTimeoutMs: number;
  /** request bodies over 1 MiB held in memory at once; more wait, unread */
  readonly maxLargeBodies: number;
  /** of those, the most one account may hold */
  readonly maxLargeBodiesPerAccount: number;
  /** exact origins, or `['*']`; empty means no CORS headers at all */
  readonly corsOrigins: readonly string[];
  readonly authFailureLimit: number;
  readonly authFailureWindowMs: number;
  /** proxies whose X-Forwarded-For is believed; empty means the connecting address */
  readonly trustProxy: readonly string[];
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** where results and stored inputs live (VIDGATE_STORAGE) */
  readonly storage: StorageSpec;
  readonly publicUrl: string;
  /** false when publicUrl is the default, which then follows the port actually bound */
  readonly publicUrlSet: boolean;
  readonly bootstrapToken: string | undefined;
  readonly logLevel: RawConfig['VIDGATE_LOG_LEVEL'];
  readonly resultLinkTtlMs: number;
  readonly dispatchTimeoutMs: number;
  /** how long a cancel waits for the upstream's confirmation (ADR 0015) */
  readonly cancelWaitMs: number;
  readonly resultRetentionMs: number;
  readonly workerConcurrency: number;
  readonly reconcileWindowMs: number;
  readonly role: 'all' | 'api' | 'worker';
  readonly leaseMs: number;
  readonly databaseUrl: string | undefined;
  readonly encryptionKey: Buffer | undefined;
  readonly adminToken: string | undefined;
  readonly mediaAllowHosts: readonly string[];
  /** hosts webhook deliveries may reach although private (VIDGATE_WEBHOOK_ALLOW_HOSTS) */
  readonly webhookAllowHosts: readonly string[];
  /** multiplies the webhook retry delays; 1 outside tests */
  readonly webhookBackoffScale: number;
  readonly ffmpegPath: string | undefined;
  readonly ffprobePath: string | undefined;
  readonly pathEnv: string;
  readonly http: HttpEdgeConfig;
  /** what each provider's own variables ask of this process, by provider id */
  readonly providers: ReadonlyMap<string, ProviderSetup>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every problem is reported together, not one per restart. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const k of known) {
    const v = env[k];
    if (v !== undefined) input[k] = v;
  }
  const parsed = configSchema.safeParse(input);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const providers = new Map<string, ProviderSetup>();
  for (const p of PROVIDERS) {
    const result = p.configure(env);
    if (result.ok) providers.set(p.id, result.setup);
    else problems.push(...result.problems);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const c = parsed.data;
  const dataDir = isAbsolute(c.VIDGATE_DATA_DIR)
    ? c.VIDGATE_DATA_DIR
    : resolve(cwd, c.VIDGATE_DATA_DIR);
  const storage = parseStorageSpec(c.VIDGATE_STORAGE);
  // the schema refused every value this does not parse
  if (typeof storage === 'string') throw new ConfigError([`VIDGATE_STORAGE: ${storage}`]);
  const publicUrl = (c.VIDGATE_PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    dataDir,
    storage: Object.freeze(storage),
    publicUrl,
    publicUrlSet: c.VIDGATE_PUBLIC_URL !== undefined,
    bootstrapToken: c.VIDGATE_BOOTSTRAP_TOKEN,
    logLevel: c.VIDGATE_LOG_LEVEL,
    resultLinkTtlMs: c.VIDGATE_RESULT_LINK_TTL_SECONDS * 1000,
    dispatchTimeoutMs: c.VIDGATE_DISPATCH_TIMEOUT_SECONDS * 1000,
    cancelWaitMs: c.VIDGATE_CANCEL_WAIT_SECONDS * 1000,
    resultRetentionMs: c.VIDGATE_RESULT_RETENTION_SECONDS * 1000,
    workerConcurrency: c.VIDGATE_WORKER_CONCURRENCY,
    reconcileWindowMs: c.VIDGATE_RECONCILE_WINDOW_SECONDS * 1000,
    role: c.VIDGATE_ROLE,
    leaseMs: c.VIDGATE_LEASE_SECONDS * 1000,
    databaseUrl: c.DATABASE_URL,
    encryptionKey: c.VIDGATE_ENCRYPTION_KEY
      ? Buffer.from(c.VIDGATE_ENCRYPTION_KEY, 'base64')
      : undefined,
    adminToken: c.VIDGATE_ADMIN_TOKEN,
    mediaAllowHosts: (c.VIDGATE_MEDIA_ALLOW_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
    webhookAllowHosts: Object.freeze(listEntries(c.VIDGATE_WEBHOOK_ALLOW_HOSTS)),
    webhookBackoffScale: c.VIDGATE_WEBHOOK_BACKOFF_SCALE,
    ffmpegPath: c.FFMPEG_PATH,
    ffprobePath: c.FFPROBE_PATH,
    pathEnv: env.PATH ?? '',
    http: Object.freeze({
      headersTimeoutMs: c.VIDGATE_HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: c.VIDGATE_HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      idleTimeoutMs: c.VIDGATE_HTTP_IDLE_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: c.VIDGATE_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      routeTimeoutMs: c.VIDGATE_HTTP_ROUTE_TIMEOUT_SECONDS * 1000,
      maxLargeBodies: c.VIDGATE_HTTP_MAX_LARGE_BODIES,
      maxLargeBodiesPerAccount: c.VIDGATE_HTTP_MAX_LARGE_BODIES_PER_ACCOUNT,
      corsOrigins: Object.freeze(listEntries(c.VIDGATE_CORS_ORIGINS)),
      authFailureLimit: c.VIDGATE_AUTH_FAILURE_LIMIT,
      authFailureWindowMs: c.VIDGATE_AUTH_FAILURE_WINDOW_SECONDS * 1000,
      trustProxy: Object.freeze(listEntries(c.VIDGATE_TRUST_PROXY)),
    }),
    providers,
  });
}

/** The HTTP edge settings of an empty environment, for apps built without a Config. */
export function defaultHttpEdgeConfig(): HttpEdgeConfig {
  return loadConfig({}).http;
}
