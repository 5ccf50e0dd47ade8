import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AISDKError, APICallError } from 'ai';
import { z } from 'zod';
import {
  errorBodySchema,
  imageDataUri,
  type ErrorBodyJson,
  type TestVidgate,
} from '../e2e/helpers.js';

/** The images the AI SDK tests send, and a loopback host serving them for the URL inputs. */
export interface MediaHost {
  /**
   * `http://127.0.0.1:<port>`: `/frame.png` is the frame (640x360), `/landscape.jpg` a 960x540
   * picture, any other path the reference (480x480)
   */
  url: string;
  /** `127.0.0.1:<port>`, for VIDGATE_MEDIA_ALLOW_HOSTS */
  hostPort: string;
  frameBytes: Buffer;
  refBytes: Buffer;
  close(): Promise<void>;
}

export async function startMediaHost(): Promise<MediaHost> {
  const [frame, ref, wide] = await Promise.all([
    imageDataUri(640, 360, 'png'),
    imageDataUri(480, 480, 'jpeg', 'mandelbrot'),
    imageDataUri(960, 540, 'jpeg'),
  ]);
  const bytesOf = (uri: string) => Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
  const frameBytes = bytesOf(frame);
  const refBytes = bytesOf(ref);
  const wideBytes = bytesOf(wide);
  const server = createServer((req, res) => {
    const [type, bytes] =
      req.url === '/frame.png'
        ? ['image/png', frameBytes]
        : req.url === '/landscape.jpg'
          ? ['image/jpeg', wideBytes]
          : ['image/jpeg', refBytes];
    res.writeHead(200, { 'content-type': type, 'content-length': bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${hostPort}`,
    hostPort,
    frameBytes,
    refBytes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polling as the SDK does by default (10 min): a busy machine must not fail a test for slowness. */
export const SDK_POLL = { pollIntervalMs: 100, pollTimeoutMs: 600_000 };

/**
 * Pieces shared by tests that drive vidgate with the Vercel AI SDK (`@ai-sdk/alibaba` + `ai`).
 *
 * The SDK's default download refuses loopback links (an SSRF guard in @ai-sdk/provider-utils),
 * and vidgate's links in tests are on loopback, so generations pass `download` from here: it
 * fetches the very link the SDK got, through the test server (the link's origin is
 * VIDGATE_PUBLIC_URL, which names no real port when the server listens on port 0).
 */
export function sdkDownload(
  vg: () => TestVidgate,
  seen: string[],
): (req: { url: URL }) => Promise<{ data: Uint8Array; mediaType: string | undefined }> {
  return async ({ url }) => {
    seen.push(url.href);
    const res = await vg().fetchResult(url.href);
    assert.equal(res.status, 200, `the video link answers: ${url.href}`);
    return {
      data: new Uint8Array(res.bytes),
      mediaType: res.headers.get('content-type') ?? undefined,
    };
  };
}

/** What a promise the test expects to fail rejected with; fails the test if it resolved. */
export async function rejectionOf(p: Promise<unknown>, what: string): Promise<unknown> {
  return p.then(
    () => assert.fail(`expected a rejection: ${what}`),
    (e: unknown) => e,
  );
}

/**
 * GET on a connection of its own: the simulator is a plain node:http server that drops idle
 * keep-alive connections after 5 s, and a pooled one reused just then fails the request.
 */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          assert.equal(res.statusCode, 200, `GET ${url}`);
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

const simTaskSchema = z.object({
  taskId: z.string(),
  accountId: z.string(),
  clientRequestId: z.string().nullable(),
  body: z.object({
    model: z.string(),
    input: z.record(z.string(), z.unknown()),
    parameters: z.record(z.string(), z.unknown()),
  }),
});
export type SimTaskSeen = z.infer<typeof simTaskSchema>;

/** Every task the simulator made, read over its HTTP inspection API (`GET /__sim/tasks`). */
export async function simTasksOverHttp(simOrigin: string): Promise<SimTaskSeen[]> {
  const json = await getJson(`${simOrigin}/__sim/tasks`);
  return z.object({ tasks: z.array(simTaskSchema) }).parse(json).tasks;
}

/** Create requests the simulator's account saw, whatever it answered (`GET /__sim/stats`). */
export async function simCreateRequests(simOrigin: string, accountId: string): Promise<number> {
  const stats = z
    .object({ accounts: z.record(z.string(), z.object({ createRequests: z.number() })) })
    .parse(await getJson(`${simOrigin}/__sim/stats`));
  const account = stats.accounts[accountId];
  assert.ok(account, `the simulator knows account ${accountId}`);
  return account.createRequests;
}

/** The APICallError the SDK threw, with vidgate's DashScope error body in it. */
export function readApiError(err: unknown, status: number): ErrorBodyJson {
  assert.ok(APICallError.isInstance(err), `an APICallError, got ${String(err)}`);
  assert.equal(err.statusCode, status, err.message);
  assert.equal(err.isRetryable, false, 'the SDK does not retry it');
  const body = errorBodySchema.parse(JSON.parse(err.responseBody ?? ''));
  assert.equal(err.message, body.message, 'the SDK reports DashScope’s message');
  return body;
}

/** The task id in the SDK's ALIBABA_VIDEO_GENERATION_FAILED message ("… Task ID: <id>. …"). */
export function failedTaskOf(err: unknown): { taskId: string; message: string } {
  assert.ok(AISDKError.isInstance(err), `an AISDKError, got ${String(err)}`);
  assert.ok(!APICallError.isInstance(err), 'not a request error: the create was accepted');
  assert.equal(err.name, 'ALIBABA_VIDEO_GENERATION_FAILED', err.message);
  const m = /Task ID: (task_\w+)\. /.exec(err.message);
  assert.ok(m?.[1], `the message names the task: ${err.message}`);
  return { taskId: m[1], message: err.message };
}
