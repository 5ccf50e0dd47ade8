import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeExampleMedia } from '../../src/example-media.js';
import { runTool } from '../../src/media/ffmpeg.js';
import {
  startDashScopeSimulator,
  type DashScopeSimulator,
  type SimOptions,
} from '../../src/simulator/simulator.js';
import { simTaskIdOf } from '../../src/simulator/sim-video.js';
import {
  makeTempDir,
  mediaTools,
  removeDir,
  startTestVidgate,
  taskBodySchema,
  type ApiResponse,
  type TaskBodyJson,
  type TestVidgate,
} from './helpers.js';

/**
 * Pieces of dashscope-families*.test.ts: real media files on a loopback host, a recording
 * proxy between vidgate and the simulator (what path and headers each upstream call had), and
 * the check that a vidgate task relayed one upstream task faithfully.
 */

/** One request that went through the proxy towards the simulator. */
export interface SeenCall {
  method: string;
  /** path and query, below the origin (e.g. `/api/v1/services/aigc/...`) */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecordingProxy {
  /** the base URL to give vidgate's channel: `http://127.0.0.1:PORT/api/v1` */
  url: string;
  calls: SeenCall[];
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy on loopback in front of `target` (the simulator's origin). It keeps
 * the Host header, so the simulator signs result links on the proxy, which relays them too.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const calls: SeenCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (path.startsWith('/api/v1/')) {
        calls.push({ method: req.method ?? 'GET', path, headers: req.headers, body: String(body) });
      }
      const up = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path,
          headers: req.headers,
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.socket?.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The files a loopback media host serves, by name. */
export interface FamilyMedia {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, for VIDGATE_MEDIA_ALLOW_HOSTS */
  hostPort: string;
  /** a file's URL */
  at(name: string): string;
  close(): Promise<void>;
}

/**
 * Real media: the example files a fresh start writes (last-frame.jpg 960x540, portrait.jpg
 * 480x640, clip.mp4 3 s with sound, speech.wav 4 s), plus first-frame.jpg (960x540) and
 * small.jpg (320x320, under the face check's 400 px). Any path containing a known name serves
 * that file, so `/NO_FACE/portrait.jpg` is the portrait under a name the simulator fails.
 */
export async function startFamilyMedia(): Promise<FamilyMedia> {
  const dir = makeTempDir('family-media');
  const files = new Map<string, { type: string; bytes: Buffer }>();
  try {
    await writeExampleMedia(dir, mediaTools());
    // prettier-ignore
    await runTool(mediaTools().ffmpeg, ['-y', '-v', 'error', '-f', 'lavfi', '-i',
      'testsrc2=s=960x540', '-frames:v', '1', '-q:v', '4', join(dir, 'first-frame.jpg')]);
    // prettier-ignore
    await runTool(mediaTools().ffmpeg, ['-y', '-v', 'error', '-f', 'lavfi', '-i',
      'testsrc2=s=320x320', '-frames:v', '1', '-q:v', '4', join(dir, 'small.jpg')]);
    const types: Record<string, string> = {
      'first-frame.jpg': 'image/jpeg',
      'last-frame.jpg': 'image/jpeg',
      'portrait.jpg': 'image/jpeg',
      'small.jpg': 'image/jpeg',
      'clip.mp4': 'video/mp4',
      'speech.wav': 'audio/wav',
    };
    for (const [name, type] of Object.entries(types)) {
      files.set(name, { type, bytes: readFileSync(join(dir, name)) });
    }
  } finally {
    removeDir(dir);
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const name = [...files.keys()].find((n) => path.endsWith(`/${n}`));
    const file = name ? files.get(name) : undefined;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length });
    res.end(req.method === 'HEAD' ? undefined : file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${hostPort}`;
  return {
    url,
    hostPort,
    at: (name) => `${url}/media/${name}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The headers the Python SDK sends on a create (reference §12.1). */
export function sdkHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'x-dashscope-async': 'enable',
  };
}

/** A create that vidgate accepted: its task id. */
export function acceptedId(res: ApiResponse): string {
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const body = taskBodySchema.parse(res.json);
  assert.equal(body.output.task_status, 'PENDING');
  return body.output.task_id;
}

/** The simulator's own answer for one of its tasks (a GET /tasks/{id} with the account's key). */
export async function simAnswer(
  sim: DashScopeSimulator,
  key: string,
  upstreamId: string,
): Promise<{ output: Record<string, unknown>; usage?: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/tasks/${upstreamId}`, {
    headers: { authorization: `Bearer ${key}`, connection: 'close' },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { output: Record<string, unknown>; usage?: Record<string, unknown> };
}

/** The one upstream task a vidgate task made (vidgate sends its task id as X-Request-Id). */
export function upstreamOf(sim: DashScopeSimulator, vidgateId: string) {
  const mine = sim.tasks().filter((t) => t.clientRequestId === vidgateId);
  assert.equal(mine.length, 1, `exactly one upstream task for ${vidgateId}`);
  const [task] = mine;
  assert.ok(task);
  return task;
}

/** Waits for a vidgate task to end; it must have SUCCEEDED. */
export async function succeeded(s: TestVidgate, id: string): Promise<TaskBodyJson> {
  const done = await s.waitForTask(id, ['SUCCEEDED', 'FAILED', 'CANCELED'], 300_000);
  assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
  return done.body;
}

/**
 * A SUCCEEDED vidgate task answers vidgate's own link at `output.video_url` and the upstream's
 * `usage` as it came, and the link downloads the upstream task's video.
 */
export async function checkResult(
  s: TestVidgate,
  sim: DashScopeSimulator,
  key: string,
  body: TaskBodyJson,
  upstreamId: string,
): Promise<{ simOutput: Record<string, unknown> }> {
  const link = body.output.video_url;
  assert.ok(link, 'output.video_url is answered');
  assert.match(new URL(link).pathname, /^\/results\/task_/, 'a vidgate result link');
  assert.ok(!link.includes(`:${new URL(sim.url).port}/`), 'not the simulator’s link');
  const answer = await simAnswer(sim, key, upstreamId);
  assert.equal(answer.output['task_status'], 'SUCCEEDED');
  assert.ok(answer.usage, 'the simulator answered usage');
  assert.deepEqual(body.usage, answer.usage, 'usage as the upstream answered it');
  const video = await s.fetchResult(link);
  assert.equal(video.status, 200);
  assert.equal(video.bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4');
  assert.equal(simTaskIdOf(video.bytes), upstreamId, 'the upstream task’s own video');
  return { simOutput: answer.output };
}

/** A Beijing (or other) DashScope account on the simulator, behind the proxy, relayed by vidgate. */
export interface FamilyRig {
  sim: DashScopeSimulator;
  proxy: RecordingProxy;
  media: FamilyMedia;
  s: TestVidgate;
  key: string;
  accountId: string;
  close(): Promise<void>;
}

/** The simulator, the proxy in front of it, the media host and vidgate with one DashScope channel. */
export async function startFamilyRig(
  simOpts: SimOptions = {},
  env: Record<string, string> = {},
): Promise<FamilyRig> {
  const key = 'sk-sim-families-0123456789';
  const accountId = 'acct-bj';
  const sim = await startDashScopeSimulator({
    accounts: [{ id: accountId, region: 'beijing', keys: [key] }],
    durations: { queueMs: [100, 300], runMs: [300, 800] },
    ...simOpts,
  });
  const proxy = await startRecordingProxy(sim.origin);
  const media = await startFamilyMedia();
  const s = await startTestVidgate({
    env: {
      DASHSCOPE_API_KEY: key,
      DASHSCOPE_HTTP_BASE_URL: proxy.url,
      VIDGATE_MEDIA_ALLOW_HOSTS: media.hostPort,
      // generous: a busy machine answers slowly, and a timeout would only add retries
      VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '30',
      VIDGATE_RECONCILE_WINDOW_SECONDS: '10',
      ...env,
    },
  });
  return {
    sim,
    proxy,
    media,
    s,
    key,
    accountId,
    async close() {
      await s.stop();
      await proxy.close();
      await sim.close();
      await media.close();
    },
  };
}

/** The create calls the proxy saw for a vidgate task (its id is the X-Request-Id). */
export function createCallsOf(proxy: RecordingProxy, vidgateId: string): SeenCall[] {
  return proxy.calls.filter((c) => c.method === 'POST' && c.headers['x-request-id'] === vidgateId);
}
