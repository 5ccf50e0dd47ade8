import { z } from 'zod';

/** `PORT=` must not coerce to 0 (an ephemeral port): an empty number is no number. */
const emptyToNaN = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? NaN : v);

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must be 0..65535')
  .max(65535, 'must be 0..65535');

const positiveInt = (def: number) =>
  z
    .preprocess(
      emptyToNaN,
      z.coerce
        .number({ error: 'must be a number' })
        .int('must be an integer')
        .positive('must be > 0'),
    )
    .default(def);

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/**
 * Every setting vidgate reads, with its default. Keys are the environment variable names;
 * docs/configuration.md is checked against this list by a test.
 */
export const configSchema = z.object({
  PORT: z.preprocess(emptyToNaN, port).default(8080).describe('HTTP port'),
  HOST: z.string().default('0.0.0.0').describe('address to listen on'),
  VIDGATE_DATA_DIR: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .default('./data')
    .describe('SQLite file, results, secrets'),
  VIDGATE_PUBLIC_URL: optionalText
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional())
    .describe('base of the links vidgate hands out (default http://localhost:PORT)'),
  VIDGATE_BOOTSTRAP_TOKEN: optionalText
    .pipe(z.string().min(16, 'must be at least 16 characters').optional())
    .describe('value of the first token created on an empty store'),
  VIDGATE_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('log level'),
  VIDGATE_RESULT_LINK_TTL_SECONDS: positiveInt(86400).describe('lifetime of a video_url link'),
  VIDGATE_SANDBOX_TIME_SCALE: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be > 0')
    .max(100, 'must be <= 100')
    .default(1)
    .describe('multiplies the sandbox queue and run phases (1 = demo speed, ~10-20 s a task)'),
  VIDGATE_DISPATCH_TIMEOUT_SECONDS: positiveInt(3600).describe(
    'a task not dispatched upstream within this time fails without cost',
  ),
  VIDGATE_WORKER_CONCURRENCY: positiveInt(8).describe('tasks one worker process handles at once'),
  VIDGATE_RECONCILE_WINDOW_SECONDS: positiveInt(60).describe(
    'how long a submit whose answer was lost is looked for in the task list before it is resent',
  ),
  VIDGATE_LEASE_SECONDS: positiveInt(60).describe(
    "how long a worker owns a claimed task without renewing; a dead worker's tasks move on after it",
  ),
  VIDGATE_ROLE: z
    .enum(['all', 'api', 'worker'])
    .default('all')
    .describe('all = API and workers; api = HTTP only; worker = background work only'),
  DATABASE_URL: optionalText
    .pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (unset for the embedded SQLite)')
        .optional(),
    )
    .describe('PostgreSQL connection string; unset = SQLite in the data directory'),
  DASHSCOPE_API_KEY: optionalText.describe(
    'creates (or updates) the channel dashscope-default at start and relays to DashScope',
  ),
  DASHSCOPE_HTTP_BASE_URL: optionalText
    .pipe(z.url({ error: 'must be an absolute URL ending in /api/v1' }).optional())
    .describe('base URL for DASHSCOPE_API_KEY, e.g. https://dashscope-intl.aliyuncs.com/api/v1'),
  VIDGATE_UPSTREAM_TIMEOUT_SECONDS: positiveInt(15).describe(
    'per-request timeout towards DashScope for the channel made from DASHSCOPE_API_KEY',
  ),
  VIDGATE_ENCRYPTION_KEY: optionalText
    .pipe(
      z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
        .optional(),
    )
    .describe('key that encrypts upstream API keys at rest (default: a key file in the data dir)'),
  VIDGATE_ADMIN_TOKEN: optionalText
    .pipe(z.string().min(16, 'must be at least 16 characters').optional())
    .describe('bearer token of the /admin API; unset = admin API off'),
  VIDGATE_MEDIA_ALLOW_HOSTS: optionalText.describe(
    'comma-separated host or host:port list the media fetcher may reach even if private',
  ),
  FFMPEG_PATH: optionalText.describe('ffmpeg binary (default: PATH, then the npm-shipped one)'),
  FFPROBE_PATH: optionalText.describe('ffprobe binary (default: PATH, then the npm-shipped one)'),
});

export type RawConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof typeof configSchema.shape;
