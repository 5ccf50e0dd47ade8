import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { LinkSigner } from '../shared/link-signer.js';
import { checkSimCreate } from './check-create-body.js';
import {
  simFamilyModel,
  type SimFamilyModel,
  type SimTaskGroup,
} from './rules/families/family-catalogue.js';
import { isFields } from './rules/sim-problem.js';
import { faceDetect } from './sim-face-detect.js';
import type { SimAccount } from './sim-account.js';
import type { FaultTarget } from './sim-faults.js';
import { ListQueryError, listTasks } from './sim-list.js';
import type { AuthResult, SimState } from './sim-state.js';
import { statusAt, type SimTask } from './sim-task.js';
import { taskView } from './sim-task-view.js';
import { ossUrlsIn } from './sim-uploads.js';

/** A DashScope API operation, recognised from method and path (below `/api/v1`). */
export type SimOperation =
  | { kind: 'create'; group: SimTaskGroup }
  | { kind: 'detect' }
  | { kind: 'get'; taskId: string }
  | { kind: 'cancel'; taskId: string }
  | { kind: 'list' }
  | { kind: 'getPolicy' };

export interface SimRequest {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: Buffer;
  /** scheme://host[:port] as the client addressed the simulator */
  origin: string;
}

export interface SimReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A reply plus the task a create made, so a lost answer can be marked on it. */
export interface ApiOutcome {
  reply: SimReply;
  task?: SimTask;
}

const CREATE_PATH = '/services/aigc/video-generation/video-synthesis';
/** F§1.1 kf2v, s2v and animate; s2v's official curl has the trailing slash, clients omit it */
const I2V_CREATE_PATHS = [
  '/services/aigc/image2video/video-synthesis',
  '/services/aigc/image2video/video-synthesis/',
];
/** F§7.1 the synchronous s2v detect call */
const DETECT_PATH = '/services/aigc/image2video/face-detect';

export function matchOperation(method: string, path: string): SimOperation | null {
  if (method === 'POST' && path === CREATE_PATH)
    return { kind: 'create', group: 'video-generation' };
  if (method === 'POST' && I2V_CREATE_PATHS.includes(path))
    return { kind: 'create', group: 'image2video' };
  if (method === 'POST' && path === DETECT_PATH) return { kind: 'detect' };
  if (method === 'GET' && (path === '/tasks' || path === '/tasks/')) return { kind: 'list' };
  if (method === 'GET' && (path === '/uploads' || path === '/uploads/'))
    return { kind: 'getPolicy' };
  const m = /^\/tasks\/([^/]+)(\/cancel)?$/.exec(path);
  if (!m?.[1]) return null;
  const taskId = decodeURIComponent(m[1]);
  if (m[2] && method === 'POST') return { kind: 'cancel', taskId };
  if (!m[2] && method === 'GET') return { kind: 'get', taskId };
  return null;
}

/** Detect calls are faulted with the query group: like queries they make no task. */
export function faultTargetOf(op: SimOperation): FaultTarget {
  return op.kind === 'create' ? 'create' : 'query';
}

export function errorReply(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): SimReply {
  return { status, body: { request_id: randomUUID(), code, message }, headers };
}

export function throttledReply(retryAfterSec: number, message: string): SimReply {
  return errorReply(429, 'Throttling.RateQuota', message, {
    'retry-after': String(retryAfterSec),
  });
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The DashScope API proper: auth, limits, tasks. Faults are applied around it by the server. */
export class SimApi {
  constructor(
    private readonly state: SimState,
    private readonly signer: LinkSigner,
  ) {}

  handle(op: SimOperation, req: SimRequest, auth: AuthResult): ApiOutcome | Promise<ApiOutcome> {
    if (auth.kind !== 'ok') {
      this.state.unauthenticated += 1;
      const message =
        auth.kind === 'missing' ? 'No API-key provided.' : 'Invalid API-key provided.';
      return { reply: errorReply(401, 'InvalidApiKey', message) };
    }
    switch (op.kind) {
      case 'create':
        return this.create(req, auth.account, auth.key, op.group);
      case 'detect':
        return faceDetect(req, auth.account, this.state.now(), {
          region: this.state.opts.region,
          forced: this.state.forcedDetectFailure,
          verdict: this.state.opts.faceDetect,
        }).then((reply) => ({ reply }));
      case 'get':
        return { reply: this.query(auth.account, () => this.get(req, auth.account, op.taskId)) };
      case 'cancel':
        return { reply: this.query(auth.account, () => this.cancel(auth.account, op.taskId)) };
      case 'list':
        return { reply: this.query(auth.account, () => this.list(req, auth.account)) };
      case 'getPolicy':
        return { reply: this.getPolicy(req, auth.account) };
    }
  }

  private create(
    req: SimRequest,
    account: SimAccount,
    key: string,
    group: SimTaskGroup,
  ): ApiOutcome {
    const now = this.state.now();
    if (header(req, 'x-dashscope-async')?.toLowerCase() !== 'enable') {
      return {
        reply: errorReply(
          403,
          'AccessDenied',
          'current user api does not support synchronous calls',
        ),
      };
    }
    // a family model has a rate of its own, so its name is read before the limit; anything
    // else keeps the account's limit before the body is read (docs/simulator.md)
    const family = this.familyNamed(req.body);
    const rateBlock = family ? account.admitModelCreate(family, now) : account.admitCreate(now);
    if (rateBlock !== null) {
      account.countThrottle('createRate');
      return {
        reply: throttledReply(rateBlock, 'Requests rate limit exceeded, please try again later.'),
      };
    }
    if (!/^application\/json\b/i.test(header(req, 'content-type') ?? '')) {
      return {
        reply: errorReply(400, 'InvalidParameter', 'Content-Type must be application/json.'),
      };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(req.body.toString('utf8'));
    } catch {
      return { reply: errorReply(400, 'InvalidParameter', 'The request body is not valid JSON.') };
    }
    const checked = checkSimCreate(raw, this.state.opts.region, group);
    if (!checked.ok) return { reply: errorReply(checked.status, checked.code, checked.message) };
    const oss = this.state.uploads.createProblem(
      account.config.id,
      checked.body.model,
      ossUrlsIn(checked.body.input),
      header(req, 'x-dashscope-ossresourceresolve')?.toLowerCase() === 'enable',
      now,
    );
    if (oss !== null) return { reply: errorReply(400, 'InvalidParameter', oss) };
    if (account.config.arrearage) {
      return {
        reply: errorReply(
          400,
          'Arrearage',
          'Access denied, please make sure your account is in good standing.',
        ),
      };
    }
    if (account.config.allocationQuotaExhausted) {
      account.countThrottle('allocationQuota');
      return {
        reply: errorReply(429, 'Throttling.AllocationQuota', 'Free allocated quota exceeded.'),
      };
    }
    const busy =
      checked.kind === 'family'
        ? account.modelConcurrencyBlock(checked.model, now)
        : account.concurrencyBlock(now);
    if (busy !== null) {
      account.countThrottle('concurrency');
      return {
        reply: throttledReply(busy, 'Too many concurrent tasks, please try again later.'),
      };
    }
    const requestId = randomUUID();
    const task = this.state.createTask(
      account,
      key,
      checked.body,
      requestId,
      header(req, 'x-request-id') ?? null,
    );
    return {
      reply: {
        status: 200,
        body: { request_id: requestId, output: { task_id: task.taskId, task_status: 'PENDING' } },
      },
      task,
    };
  }

  /** The family model a create body names, if it is JSON naming one this region serves. */
  private familyNamed(body: Buffer): SimFamilyModel | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    const model = isFields(raw) ? raw.model : undefined;
    return typeof model === 'string' ? simFamilyModel(model, this.state.opts.region) : undefined;
  }

  /** §12.1 getPolicy; its rate limit is not documented, so none is applied. */
  private getPolicy(req: SimRequest, account: SimAccount): SimReply {
    if (req.query.get('action') !== 'getPolicy') {
      return errorReply(400, 'InvalidParameter', 'url error, please check url!');
    }
    const model = req.query.get('model');
    if (!model) return errorReply(400, 'InvalidParameter', 'Missing required parameter: model.');
    return {
      status: 200,
      body: this.state.uploads.policy(account.config.id, model, req.origin, this.state.now()),
    };
  }

  /** Queries, lists and cancels share one per-account limit (reference §8). */
  private query(account: SimAccount, run: () => SimReply): SimReply {
    const block = account.admitQuery(this.state.now());
    if (block !== null) {
      account.countThrottle('queryRate');
      return throttledReply(block, 'Requests rate limit exceeded, please try again later.');
    }
    return run();
  }

  private get(req: SimRequest, account: SimAccount, taskId: string): SimReply {
    const now = this.state.now();
    const requestId = randomUUID();
    const task = this.state.visibleTask(account, taskId);
    if (!task) {
      return {
        status: 200,
        body: { request_id: requestId, output: { task_id: taskId, task_status: 'UNKNOWN' } },
      };
    }
    task.requests.push({ kind: 'query', at: now, status: 200, requestId });
    const view = taskView(task, now, {
      signer: this.signer,
      origin: req.origin,
      resultTtlMs: this.state.opts.resultTtlMs,
      referenceVideoSeconds: this.state.opts.referenceVideoSeconds,
      inputMediaSeconds: this.state.opts.inputMediaSeconds,
    });
    return { status: 200, body: { request_id: requestId, ...view } };
  }

  private cancel(account: SimAccount, taskId: string): SimReply {
    const now = this.state.now();
    const task = this.state.visibleTask(account, taskId);
    const requestId = randomUUID();
    if (!task || statusAt(task, now) !== 'PENDING') {
      task?.requests.push({ kind: 'cancel', at: now, status: 400, requestId });
      return {
        status: 400,
        body: {
          request_id: requestId,
          code: 'UnsupportedOperation',
          message: 'Failed to cancel the task, please confirm if the task is in PENDING status.',
        },
      };
    }
    task.canceledAt = now;
    task.requests.push({ kind: 'cancel', at: now, status: 200, requestId });
    return { status: 200, body: { request_id: requestId } };
  }

  private list(req: SimRequest, account: SimAccount): SimReply {
    const now = this.state.now();
    try {
      const page = listTasks(req.query, {
        account,
        region: this.state.opts.region,
        now,
        lagMs: this.state.opts.listLagMs,
        pageSizeCap: this.state.opts.listPageSizeCap,
        isExpired: (t) => this.state.isExpired(t, now),
      });
      return { status: 200, body: { request_id: randomUUID(), ...page } };
    } catch (err) {
      if (err instanceof ListQueryError) return errorReply(400, 'InvalidParameter', err.message);
      throw err;
    }
  }
}
