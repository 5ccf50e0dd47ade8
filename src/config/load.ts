import { isAbsolute, resolve } from 'node:path';
import { configSchema, type RawConfig } from './schema.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly bootstrapToken: string | undefined;
  readonly logLevel: RawConfig['VIDGATE_LOG_LEVEL'];
  readonly resultLinkTtlMs: number;
  readonly sandboxTimeScale: number;
  readonly dispatchTimeoutMs: number;
  readonly workerConcurrency: number;
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
    bootstrapToken: c.VIDGATE_BOOTSTRAP_TOKEN,
    logLevel: c.VIDGATE_LOG_LEVEL,
    resultLinkTtlMs: c.VIDGATE_RESULT_LINK_TTL_SECONDS * 1000,
    sandboxTimeScale: c.VIDGATE_SANDBOX_TIME_SCALE,
    dispatchTimeoutMs: c.VIDGATE_DISPATCH_TIMEOUT_SECONDS * 1000,
    workerConcurrency: c.VIDGATE_WORKER_CONCURRENCY,
    ffmpegPath: c.FFMPEG_PATH,
    ffprobePath: c.FFPROBE_PATH,
    pathEnv: env.PATH ?? '',
  });
}
