import { isIP } from 'node:net';
import { isStrongToken, TOKEN_STRENGTH_RULE } from '../auth/token-strength.js';
import { z } from 'zod';
import { emptyToNaN, optionalText, positiveInt } from '../shared/env-values.js';
import { parseStorageSpec } from '../storage/storage-spec.js';

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must be 0..65535')
  .max(65535, 'must be 0..65535');

/** Entries of a comma-separated setting, blanks dropped. */
export const listEntries = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');

/** `*`, or exact origins as browsers send them (`https://app.example.com`, no path). */
const corsOrigins = optionalText.refine((v) => {
  const entries = listEntries(v);
  if (entries.includes('*')) return entries.length === 1;
  return entries.every((e) => URL.canParse(e) && new URL(e).origin === e);
}, 'must be * or comma-separated origins such as https://app.example.com (scheme://host[:port], lowercase, no path)');

/** Addresses or CIDR ranges of the reverse proxies in front, or proxy-addr's named ranges. */
const trustedProxies = optionalText.refine(
  (v) =>
    listEntries(v).every((e) => {
      if (['loopback', 'linklocal', 'uniquelocal'].includes(e)) return true;
      const [address = '', bits, ...rest] = e.split('/');
      const family = isIP(address);
      if (family === 0 || rest.length > 0) return false;
      if (bits === undefined) return true;
      const n = Number(bits);
      return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
    }),
  'must be comma-separated IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal)',
);

/**
 * Every core setting vidgate reads, with its default. Keys are the environment variable names;
 * providers declare their own (ProviderDefinition.variables). docs/configuration.md is checked
 * against both lists by a test.
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
  VIDGATE_STORAGE: z
    .string()
    .trim()
    .default('file:')
    .superRefine((v, ctx) => {
      const spec = parseStorageSpec(v);
      if (typeof spec === 'string') ctx.addIssue({ code: 'custom', message: spec });
    })
    .describe('where results and stored inputs live: file: (the data dir) or s3://bucket/prefix'),
  VIDGATE_PUBLIC_URL: optionalText
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional())
    .describe('base of the links vidgate hands out (default http://localhost:PORT)'),
  VIDGATE_BOOTSTRAP_TOKEN: optionalText
    .pipe(z.string().refine(isStrongToken, TOKEN_STRENGTH_RULE).optional())
    .describe('value of the first token created on an empty store'),
  VIDGATE_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('log level'),
  VIDGATE_RESULT_LINK_TTL_SECONDS: positiveInt(86400).describe('lifetime of a video_url link'),
  VIDGATE_DISPATCH_TIMEOUT_SECONDS: positiveInt(3600).describe(
    'a task not dispatched upstream within this time fails without cost',
  ),
  VIDGATE_RESULT_RETENTION_SECONDS: positiveInt(604800).describe(
    'how long a stored video is kept after its task succeeded; then it is deleted and the task says so',
  ),
  VIDGATE_CANCEL_WAIT_SECONDS: positiveInt(10).describe(
    'how long a cancel of a task PENDING upstream waits for the upstream to confirm before it answers',
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
  VIDGATE_ENCRYPTION_KEY: optionalText
    .pipe(
      z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
        .optional(),
    )
    .describe('key that encrypts upstream API keys at rest (default: a key file in the data dir)'),
  VIDGATE_ADMIN_TOKEN: optionalText
    .pipe(z.string().refine(isStrongToken, TOKEN_STRENGTH_RULE).optional())
    .describe('bearer token of the /admin API; unset = admin API off'),
  VIDGATE_MEDIA_ALLOW_HOSTS: optionalText.describe(
    'comma-separated host or host:port list that input media and upstream result links may reach even if private',
  ),
  VIDGATE_WEBHOOK_ALLOW_HOSTS: optionalText.describe(
    'comma-separated host or host:port list that webhook deliveries may reach even if private',
  ),
  VIDGATE_WEBHOOK_BACKOFF_SCALE: z
    .preprocess(
      emptyToNaN,
      z.coerce.number({ error: 'must be a number' }).positive('must be > 0').max(1, 'must be <= 1'),
    )
    .default(1)
    .describe('test aid: multiplies the webhook retry delays (1 = 5 s, 30 s, 2 min, … hourly)'),
  VIDGATE_HTTP_HEADERS_TIMEOUT_SECONDS: positiveInt(20).describe(
    'time a client has to send the request line and headers (capped at the request timeout)',
  ),
  VIDGATE_HTTP_REQUEST_TIMEOUT_SECONDS: positiveInt(600).describe(
    'time a client has to send a whole request, body included (28 MB needs ~47 KB/s)',
  ),
  VIDGATE_HTTP_IDLE_TIMEOUT_SECONDS: positiveInt(60).describe(
    'a request whose connection carries no byte for this long is cut',
  ),
  VIDGATE_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: positiveInt(72).describe(
    'an idle keep-alive connection is closed after this long',
  ),
  VIDGATE_HTTP_ROUTE_TIMEOUT_SECONDS: positiveInt(30).describe(
    'time a route has to answer once the request is in (uploads and downloads also get the request timeout)',
  ),
  VIDGATE_HTTP_MAX_LARGE_BODIES: positiveInt(16).describe(
    'request bodies over 1 MiB held in memory at once (the RSS bound); further uploads wait, unread',
  ),
  VIDGATE_HTTP_MAX_LARGE_BODIES_PER_ACCOUNT: positiveInt(4).describe(
    'of those, the most one account may hold, so one tenant cannot make the others wait',
  ),
  VIDGATE_CORS_ORIGINS: corsOrigins.describe(
    'browser origins allowed to call the API (exact origins or *); unset = no CORS headers',
  ),
  VIDGATE_AUTH_FAILURE_LIMIT: positiveInt(20).describe(
    'failed authentications one client address may make per window before it gets 429',
  ),
  VIDGATE_AUTH_FAILURE_WINDOW_SECONDS: positiveInt(10).describe(
    'the window of VIDGATE_AUTH_FAILURE_LIMIT',
  ),
  VIDGATE_TRUST_PROXY: trustedProxies.describe(
    'reverse proxies whose X-Forwarded-For names the client; unset = the connecting address',
  ),
  FFMPEG_PATH: optionalText.describe('ffmpeg binary (default: PATH, then the npm-shipped one)'),
  FFPROBE_PATH: optionalText.describe('ffprobe binary (default: PATH, then the npm-shipped one)'),
});

export type RawConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof typeof configSchema.shape;
