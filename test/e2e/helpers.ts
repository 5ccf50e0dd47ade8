import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import { startVidgate, type Vidgate } from '../../src/main.js';
import { locateMediaTools, runTool, type MediaTools } from '../../src/media/ffmpeg.js';
import { probeMedia, type MediaProbe } from '../../src/media/probe.js';
import { WIRE_TASK_STATUSES, type WireTaskStatus } from '../../src/tasks/status.js';

/** DashScope's error body, as every non-2xx JSON answer must look. */
export const errorBodySchema = z.strictObject({
  request_id: z.string().min(1),
  code: z.string().min(1),
  message: z.string(),
});
export type ErrorBodyJson = z.infer<typeof errorBodySchema>;

/** Asserts a DashScope-shaped JSON error of this status and code; returns its message. */
export function expectError(res: ApiResponse, status: number, code: string): string {
  assert.equal(res.status, status, JSON.stringify(res.json));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = errorBodySchema.parse(res.json);
  assert.equal(body.code, code);
  return body.message;
}

/** DashScope's task body (create and query); extra output/usage keys are allowed. */
export const taskBodySchema = z.object({
  request_id: z.string().min(1),
  output: z.looseObject({
    task_id: z.string().min(1),
    task_status: z.enum(WIRE_TASK_STATUSES),
    video_url: z.string().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z.record(z.string(), z.unknown()).optional(),
});
export type TaskBodyJson = z.infer<typeof taskBodySchema>;

/** The face check's answer (families §7.1): a verdict, 200 either way, one image billed. */
export const faceVerdictSchema = z.strictObject({
  request_id: z.string().min(1),
  output: z.strictObject({
    check_pass: z.boolean(),
    humanoid: z.boolean(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z.strictObject({ image_count: z.literal(1) }),
});

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** the parsed body when the response is JSON, otherwise null */
  json: unknown;
  bytes: Buffer;
}

/** One request as sent and answered; kept so a test can check properties of every response. */
export interface ExchangeRecord {
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  requestIdHeader: string | null;
  json: unknown;
}

export interface RawRequest {
  headers?: Record<string, string>;
  /** sent as-is; no content type is added */
  body?: string | Buffer;
}

export interface TaskWait {
  body: TaskBodyJson;
  /** every task_status observed, consecutive repeats collapsed, starting with the first poll */
  seen: WireTaskStatus[];
}

export interface TestVidgate {
  /** where the server listens, e.g. http://127.0.0.1:41234 */
  url: string;
  /** the bootstrap token (or the one passed in env), for the default account */
  token: string;
  dataDir: string;
  vg: Vidgate;
  /** every exchange made through api/request/fetchResult, in order */
  exchanges: ExchangeRecord[];
  /**
   * JSON request with a bearer token. `token` undefined uses the default token; null sends no
   * Authorization header at all.
   */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse>;
  /** Any request with exactly the given headers and body, for malformed-input tests. */
  request(method: string, path: string, init?: RawRequest): Promise<ApiResponse>;
  /** Polls GET /task/{id} until its status is one of `statuses`; throws on timeout. */
  waitForTask(
    id: string,
    statuses: readonly WireTaskStatus[],
    timeoutMs: number,
    token?: string,
  ): Promise<TaskWait>;
  /**
   * Fetches a video_url. The server runs on port 0, so VIDGATE_PUBLIC_URL (and therefore the
   * link's origin) does not name the real port: only the link's path and query are used,
   * against `url`.
   */
  fetchResult(videoUrl: string, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Downloads a video_url into the data dir and returns the file path. */
  saveResult(videoUrl: string): Promise<string>;
  /** A token for another account (created if new), issued straight on the server's store. */
  createToken(accountName: string): Promise<{ token: string; tokenId: string; accountId: string }>;
  revokeToken(tokenId: string): Promise<boolean>;
  /** Stops the server; removes the data dir unless the caller supplied it. */
  stop(): Promise<void>;
}

export interface StartTestOptions {
  /** reuse a data dir (restart tests); the caller then owns and removes it */
  dataDir?: string;
  /**
   * Extra settings; they override the test defaults (log level, bootstrap token, time scale)
   * but never PORT, HOST or VIDGATE_DATA_DIR.
   */
  env?: Record<string, string>;
}

const POLL_MS = 100;

/** A temp dir for one test file or server; names are unique so files may run in parallel. */
export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `vidgate-${label}-`));
}

/** Removes a temp dir; retries because a stopped sandbox may still be finishing a render. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/** A random setting value of the given length (tokens, secrets). */
export function randomText(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/** Starts the real server in-process on 127.0.0.1, on an ephemeral port and a temp data dir. */
export async function startTestVidgate(opts: StartTestOptions = {}): Promise<TestVidgate> {
  const ownsDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? makeTempDir('e2e');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    VIDGATE_LOG_LEVEL: 'silent',
    VIDGATE_BOOTSTRAP_TOKEN: randomText(32),
    VIDGATE_SANDBOX_TIME_SCALE: '0.2',
    ...opts.env,
    PORT: '0',
    HOST: '127.0.0.1',
    VIDGATE_DATA_DIR: dataDir,
  };
  let vg: Vidgate;
  try {
    vg = await startVidgate(loadConfig(env));
  } catch (err) {
    if (ownsDir) removeDir(dataDir);
    throw err;
  }
  const url = vg.url;
  const token = env['VIDGATE_BOOTSTRAP_TOKEN'] ?? '';
  const exchanges: ExchangeRecord[] = [];
  const tokenService = vg.tokens;

  async function request(method: string, path: string, init: RawRequest = {}) {
    const res = await fetch(new URL(path, url), {
      method,
      headers: init.headers,
      body: init.body,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const contentType = res.headers.get('content-type');
    let json: unknown = null;
    if (contentType?.includes('json') && bytes.length > 0) {
      json = JSON.parse(bytes.toString('utf8')) as unknown;
    }
    exchanges.push({
      method,
      path,
      status: res.status,
      contentType,
      requestIdHeader: res.headers.get('x-request-id'),
      json,
    });
    return { status: res.status, headers: res.headers, json, bytes };
  }

  async function api(method: string, path: string, body?: unknown, tok?: string | null) {
    const headers: Record<string, string> = {};
    const bearer = tok === undefined ? token : tok;
    if (bearer !== null) headers['authorization'] = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return request(method, path, {
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function waitForTask(
    id: string,
    statuses: readonly WireTaskStatus[],
    timeoutMs: number,
    tok?: string,
  ): Promise<TaskWait> {
    const seen: WireTaskStatus[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await api('GET', `/task/${encodeURIComponent(id)}`, undefined, tok);
      if (res.status !== 200) {
        throw new Error(`GET /task/${id} answered ${res.status}: ${JSON.stringify(res.json)}`);
      }
      const body = taskBodySchema.parse(res.json);
      const status = body.output.task_status;
      if (seen[seen.length - 1] !== status) seen.push(status);
      if (statuses.includes(status)) return { body, seen };
      if (Date.now() > deadline) {
        throw new Error(
          `task ${id} did not reach ${statuses.join('/')} within ${timeoutMs} ms; saw ${seen.join(' -> ')}: ${JSON.stringify(body)}`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  function resultPath(videoUrl: string): string {
    const link = new URL(videoUrl);
    return `${link.pathname}${link.search}`;
  }

  let downloads = 0;
  async function saveResult(videoUrl: string): Promise<string> {
    const res = await request('GET', resultPath(videoUrl));
    if (res.status !== 200) throw new Error(`download of ${videoUrl} answered ${res.status}`);
    const dir = join(dataDir, 'test-downloads');
    mkdirSync(dir, { recursive: true });
    downloads += 1;
    const path = join(dir, `result-${downloads}.mp4`);
    writeFileSync(path, res.bytes);
    return path;
  }

  let stopped = false;
  return {
    url,
    token,
    dataDir,
    vg,
    exchanges,
    api,
    request,
    waitForTask,
    fetchResult: (videoUrl, headers) => request('GET', resultPath(videoUrl), { headers }),
    saveResult,
    async createToken(accountName) {
      const accountId = await tokenService.ensureAccount(accountName);
      const issued = await tokenService.issue(accountId, `test-${accountName}`);
      return { token: issued.token, tokenId: issued.record.id, accountId };
    },
    revokeToken: (tokenId) => tokenService.revoke(tokenId),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await vg.stop();
      } finally {
        if (ownsDir) removeDir(dataDir);
      }
    },
  };
}

let tools: MediaTools | null = null;

/** ffmpeg/ffprobe as the server finds them. */
export function mediaTools(): MediaTools {
  tools ??= locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
  return tools;
}

/** Describes a media file with vidgate's own prober. */
export function ffprobe(path: string): Promise<MediaProbe> {
  return probeMedia(mediaTools(), path);
}

/** A W×H test picture made by ffmpeg, as a `data:` URI (what DashScope accepts as img_url). */
export async function imageDataUri(
  width: number,
  height: number,
  format: 'jpeg' | 'png' = 'jpeg',
  pattern = 'testsrc2',
): Promise<string> {
  const dir = makeTempDir('image');
  try {
    const path = join(dir, `image.${format === 'jpeg' ? 'jpg' : 'png'}`);
    // prettier-ignore
    await runTool(mediaTools().ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `${pattern}=s=${width}x${height}`, '-frames:v', '1', path,
    ]);
    return `data:image/${format};base64,${readFileSync(path).toString('base64')}`;
  } finally {
    removeDir(dir);
  }
}
