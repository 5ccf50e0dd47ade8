import { isAbsolute, resolve } from 'node:path';
import { configSchema, type RawConfig } from './schema.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly publicUrl: string;
  /** false when publicUrl is the default, which then follows the port actually bound */
  readonly publicUrlSet: boolean;
  readonly bootstrapToken: string | undefined;
  readonly logLevel: RawConfig['VIDGATE_LOG_LEVEL'];
  readonly resultLinkTtlMs: number;
  readonly sandboxTimeScale: number;
  readonly dispatchTimeoutMs: number;
  readonly workerConcurrency: number;
  readonly reconcileWindowMs: number;
  readonly role: 'all' | 'api' | 'worker';
  readonly leaseMs: number;
  readonly databaseUrl: string | undefined;
  readonly dashscopeApiKey: string | undefined;
  readonly dashscopeBaseUrl: string | undefined;
  readonly upstreamTimeoutMs: number;
  readonly encryptionKey: Buffer | undefined;
  readonly adminToken: string | undefined;
  readonly mediaAllowHosts: readonly string[];
  readonly ffmpegPath: string | undefined;
  readonly ffprobePath: string | undefined;
  readonly pathEnv: string;
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
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const c = parsed.data;
  const dataDir = isAbsolute(c.VIDGATE_DATA_DIR)
    ? c.VIDGATE_DATA_DIR
    : resolve(cwd, c.VIDGATE_DATA_DIR);
  const publicUrl = (c.VIDGATE_PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    dataDir,
    publicUrl,
    publicUrlSet: c.VIDGATE_PUBLIC_URL !== undefined,
    bootstrapToken: c.VIDGATE_BOOTSTRAP_TOKEN,
    logLevel: c.VIDGATE_LOG_LEVEL,
    resultLinkTtlMs: c.VIDGATE_RESULT_LINK_TTL_SECONDS * 1000,
    sandboxTimeScale: c.VIDGATE_SANDBOX_TIME_SCALE,
    dispatchTimeoutMs: c.VIDGATE_DISPATCH_TIMEOUT_SECONDS * 1000,
    workerConcurrency: c.VIDGATE_WORKER_CONCURRENCY,
    reconcileWindowMs: c.VIDGATE_RECONCILE_WINDOW_SECONDS * 1000,
    role: c.VIDGATE_ROLE,
    leaseMs: c.VIDGATE_LEASE_SECONDS * 1000,
    databaseUrl: c.DATABASE_URL,
    dashscopeApiKey: c.DASHSCOPE_API_KEY,
    dashscopeBaseUrl: c.DASHSCOPE_HTTP_BASE_URL?.replace(/\/+$/, ''),
    upstreamTimeoutMs: c.VIDGATE_UPSTREAM_TIMEOUT_SECONDS * 1000,
    encryptionKey: c.VIDGATE_ENCRYPTION_KEY
      ? Buffer.from(c.VIDGATE_ENCRYPTION_KEY, 'base64')
      : undefined,
    adminToken: c.VIDGATE_ADMIN_TOKEN,
    mediaAllowHosts: (c.VIDGATE_MEDIA_ALLOW_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
    ffmpegPath: c.FFMPEG_PATH,
    ffprobePath: c.FFPROBE_PATH,
    pathEnv: env.PATH ?? '',
  });
}
