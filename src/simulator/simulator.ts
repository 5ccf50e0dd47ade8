import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LinkSigner } from '../shared/link-signer.js';
import type { SimAccount } from './sim-account.js';
import { handleAdmin } from './sim-admin.js';
import {
  errorReply,
  faultTargetOf,
  matchOperation,
  SimApi,
  throttledReply,
  type SimReply,
} from './sim-api.js';
import { FaultInjector, type ChosenFault, type SimFaults } from './sim-faults.js';
import {
  pick,
  resolveSimOptions,
  type SimAccountConfig,
  type SimOptions,
  type SimTaskFailure,
} from './sim-options.js';
import { serveResult } from './sim-results.js';
import { SIM_UPLOAD_PATH } from './sim-uploads.js';
import { SimState, type SimStats } from './sim-state.js';
import { snapshotTask, type SimTask } from './sim-task.js';
import { SimVideoSource } from './sim-video.js';
import { seededRandom } from '../shared/seeded-random.js';

export type { SimStats } from './sim-state.js';
export type { SimAccountStats, ThrottleReason } from './sim-account.js';
export type { SimTask, SimTaskRequest, SimTaskStatus } from './sim-task.js';
export type { FaultKind, FaultStep, SimFaults, TargetFaults } from './sim-faults.js';
export type {
  DurationsOption,
  SimAccountConfig,
  SimDurations,
  SimLimits,
  SimOptions,
  SimRegion,
  SimTaskFailure,
} from './sim-options.js';

/** A running simulator. */
export interface DashScopeSimulator {
  /** base URL for DashScope clients, e.g. `http://127.0.0.1:PORT/api/v1` */
  url: string;
  /** `http://127.0.0.1:PORT` (admin endpoints live under `/__sim/`) */
  origin: string;
  port: number;
  stats(): SimStats;
  /** every task ever created, with its body, request ids and the requests made about it */
  tasks(): SimTask[];
  task(taskId: string): SimTask | undefined;
  /** how many files clients put in the temporary storage (getPolicy + form POST) */
  uploadedFiles(): number;
  /** replaces the fault plan (throws on an invalid one) */
  setFaults(faults: SimFaults): void;
  /** queued fault steps not yet used, per target */
  faultsPending(): { create: number; query: number };
  /** adds an account or changes one (limits, keys, quota/arrearage flags); keeps its tasks */
  setAccount(account: SimAccountConfig): void;
  /** forces every s2v face-detect call to fail with this verdict; null goes back to the rule */
  setFaceDetectFailure(failure: SimTaskFailure | null): void;
  close(): Promise<void>;
}

const BASE_PATH = '/api/v1';
const MAX_BODY_BYTES = 32 * 1024 * 1024;

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: SimReply, corrupt = false): void {
  if (res.destroyed || res.writableEnded) return;
  const json = JSON.stringify(reply.body);
  // any proper prefix of a JSON object is invalid JSON, whatever the object held
  const payload = corrupt ? json.slice(0, Math.max(1, Math.floor(json.length / 2))) : json;
  res.writeHead(corrupt ? 200 : reply.status, {
    ...reply.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

/**
 * Starts a test double of DashScope's video API (create, query, cancel, list, signed result
 * links) on loopback, with per-account limits, statistics and fault injection.
 * See docs/simulator.md.
 */
export async function startDashScopeSimulator(
  options: SimOptions = {},
): Promise<DashScopeSimulator> {
  const opts = resolveSimOptions(options);
  const faults = new FaultInjector(opts.faults, opts.seed);
  const state = new SimState(opts, faults);
  const signer = new LinkSigner(randomBytes(32));
  const api = new SimApi(state, signer);
  const videos = new SimVideoSource(opts.render, opts.mediaTools, opts.inputMediaSeconds);
  const held = new Set<ServerResponse>();
  // a generator of its own, so latencies do not shift the duration or fault sequences
  const latencyRandom = seededRandom(opts.seed + 1);
  let origin = '';
  const timers = new Set<NodeJS.Timeout>();

  const hold = (res: ServerResponse): void => {
    // a hung answer lasts until the client gives up or the simulator closes
    held.add(res);
    res.on('close', () => held.delete(res));
  };
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const controls = {
    state,
    setFaults: (f: SimFaults) => faults.set(f),
    setAccount: (a: SimAccountConfig) => state.setAccount(a),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    if (await serveResult(req, res, url, { state, signer, videos })) return;
    const body = await readBody(req);
    if (url.pathname.startsWith('/__sim/')) {
      const reply = handleAdmin(method, url.pathname, url.searchParams, body, controls);
      send(res, reply ?? { status: 404, body: { code: 'NotFound', message: 'No such endpoint.' } });
      return;
    }
    if (url.pathname === SIM_UPLOAD_PATH && method === 'POST') {
      const up = state.uploads.receive(body, req.headers['content-type'] ?? '', state.now());
      res.writeHead(up.status, up.xml ? { 'content-type': 'application/xml' } : {});
      res.end(up.xml);
      return;
    }
    if (!url.pathname.startsWith(`${BASE_PATH}/`)) {
      send(res, errorReply(404, 'NotFound', 'Not Found'));
      return;
    }
    state.apiRequests += 1;
    const op = matchOperation(method, url.pathname.slice(BASE_PATH.length));
    if (!op) {
      send(res, errorReply(400, 'InvalidParameter', 'url error, please check url!'));
      return;
    }
    const auth = state.authenticate(req.headers.authorization);
    const target = faultTargetOf(op);
    // a detect call is counted by its own limit (SimAccount.admitDetect)
    if (auth.kind === 'ok' && op.kind !== 'detect') {
      if (target === 'create') auth.account.noteCreate(state.now());
      else auth.account.noteQuery(state.now());
    }
    const fault = faults.pick(target);
    if (fault && strikeBefore(fault, res, auth.kind === 'ok' ? auth.account : null)) return;
    if (op.kind === 'create') {
      // the task is made at the end of the wait, whether or not the client is still there
      const waitMs = fault?.handleAfterMs ?? pick(opts.createLatencyMs, latencyRandom);
      if (waitMs > 0) await new Promise<void>((resolve) => later(waitMs, resolve));
    }

    const request = {
      headers: req.headers,
      query: url.searchParams,
      body,
      origin: `http://${req.headers.host ?? new URL(origin).host}`,
    };
    const outcome = await api.handle(op, request, auth);
    if (fault?.kind === 'lostAnswer') {
      if (outcome.task) outcome.task.answerLost = true;
      if (fault.hang) hold(res);
      else res.socket?.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'slow') later(fault.delayMs, () => send(res, outcome.reply));
    else send(res, outcome.reply, fault?.kind === 'malformedJson');
  }

  /** Applies a fault that strikes before the request is handled; true when it answered. */
  function strikeBefore(
    fault: ChosenFault,
    res: ServerResponse,
    account: SimAccount | null,
  ): boolean {
    switch (fault.kind) {
      case 'reset':
        res.socket?.resetAndDestroy();
        return true;
      case 'timeout':
        hold(res);
        return true;
      case 'rate429':
        account?.countThrottle('injected');
        send(
          res,
          throttledReply(
            fault.retryAfterSec,
            'Requests rate limit exceeded, please try again later.',
          ),
        );
        return true;
      case 'error5xx':
        send(
          res,
          fault.status === 503
            ? errorReply(503, 'ModelUnavailable', 'Model is unavailable, please try again later.')
            : errorReply(
                500,
                'InternalError',
                'An internal error has occured, please try again later.',
              ),
        );
        return true;
      case 'slow':
      case 'malformedJson':
      case 'lostAnswer':
        return false;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) {
        send(res, errorReply(413, 'BadRequest.TooLarge', 'Request body is too large.'));
        res.on('finish', () => req.destroy());
      } else if (!res.headersSent) {
        send(res, errorReply(500, 'InternalError', 'Simulator error.'));
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not a TCP server');
  const port = address.port;
  // a wildcard bind is reachable on loopback; that is the address tests and local clients use
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `${origin}${BASE_PATH}`,
    origin,
    port,
    stats: () => state.stats(),
    tasks: () => state.allTasks(),
    uploadedFiles: () => state.uploads.count,
    task: (id) => {
      const t = state.anyTask(id);
      return t && snapshotTask(t);
    },
    setFaults: controls.setFaults,
    faultsPending: () => faults.pending(),
    setAccount: controls.setAccount,
    setFaceDetectFailure: (failure) => {
      state.forcedDetectFailure = failure;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of held) res.socket?.destroy();
      const closed = new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
      server.closeAllConnections();
      await closed;
      await videos.close();
    },
  };
}
