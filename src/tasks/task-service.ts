import { createHash } from 'node:crypto';
import { Refusal } from '../contract/refusal.js';
import { parseBoundedJson } from '../shared/json-depth.js';
import type { CreateScope } from '../models/validate-request.js';
import { findModel, type ModelSpec } from '../models/model-table.js';
import { parseStoredBody } from '../models/task-request.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { MediaChecker } from '../media/media-checker.js';
import { mediaUrlKind, UPLOAD_BUCKET } from '../models/media-url.js';
import { isTransientStoreError, StoreUnavailableError } from '../store/transient.js';
import type { TaskEventRow } from '../store/task-events.js';
import type {
  KeyClaim,
  ListedTaskRow,
  StoredKey,
  TaskListFilter,
  TaskRow,
  TaskStore,
  TaskView,
} from '../store/task-store.js';
import { CANCELABLE_STATES, CANCELED_WITHOUT_UPSTREAM } from './status.js';
import { intakeCreate, LargeJsonBody, type Intake } from './create-intake.js';
import type { TaskInputs } from './task-inputs.js';
import { TurnPacer } from './turn-pacer.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Caller {
  accountId: string;
  tokenId: string;
}

export interface TaskServiceOptions {
  dispatchTimeoutMs: number;
  /** inline (data:) media is checked here, at create time; remote media later by a worker */
  media: MediaChecker;
  /** where inline media is kept instead of the task row */
  inputs: TaskInputs;
  /** parses and checks a large body off the event loop (an IntakePool) */
  parseLarge?: (taskId: string, scope: CreateScope, bytes: Uint8Array) => Promise<Intake>;
  /** called after a task is stored, so an idle worker in this process picks it up at once */
  onCreated?: () => void;
  /** how long a cancel waits for the worker to cancel upstream before it answers (ADR 0015) */
  cancelWaitMs?: number;
  /** files uploaded to vidgate (ADR 0017): a create may name only its own account's */
  uploads?: UploadOwnership;
  /** why no channel can run a model (channels/ModelAvailability fits); null when one can */
  availability?: { problemOf(spec: ModelSpec): Promise<string | null> };
}

/** Whether an account may name an uploaded file (uploads/UploadService fits). */
export interface UploadOwnership {
  /** why `url` in `field` cannot be used by the account; null when it can */
  problemOf(accountId: string, field: string, url: string): Promise<string | null>;
}

/**
 * How a cancel ended, as the API answers it: `unconfirmed` when the worker had not reached the
 * upstream within the wait (the request stands; the task's status tells the outcome).
 */
export type CancelOutcome = 'canceled' | 'notCancelable' | 'unknown' | 'unconfirmed';

const CANCEL_WAIT_MS = 10_000;
const CANCEL_POLL_MS = 50;

/**
 * How many creates may start in one event-loop turn. A create's synchronous work (decoding and
 * checking inline media, storing the body through better-sqlite3) is about a millisecond for a
 * README-sized body. With all 16 of a burst in one turn, task queries waited 30–100 ms behind
 * them; 4 keeps a turn to a few milliseconds and most of the throughput (docs/benchmarks.md).
 */
const CREATES_PER_TURN = 4;

/** A large body parsed where no intake thread runs (tests build services without one). */
function parseJson(bytes: Uint8Array): unknown {
  const parsed = parseBoundedJson(bytes);
  if (!parsed.ok) throw new Refusal(parsed.code, parsed.message);
  return parsed.value;
}

/** A create's answer: the task, and whether an earlier create under the same key made it. */
export type CreatedTask = TaskRow & { readonly replayed: boolean };

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted, so a retry that orders its fields differently is the same body. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What tells a retry from another request under one key: the route's mode and the body. A large
 * body is left unparsed by the HTTP edge, so its bytes are hashed as sent; clients retry with the
 * bytes they sent first, and parsing it here would hold the event loop (ADR 0012).
 */
function bodyHashOf(mode: CreateScope, raw: unknown): string {
  if (raw instanceof LargeJsonBody)
    return sha256(Buffer.concat([Buffer.from(`${mode}\nraw\n`), raw.bytes]));
  return sha256(`${mode}\njson\n${canonicalJson(raw)}`);
}

/** Creating and reading tasks; the HTTP routes are thin shells around this. */
export class TaskService {
  private readonly pacer = new TurnPacer(CREATES_PER_TURN);

  constructor(
    private readonly tasks: TaskStore,
    private readonly clock: Clock,
    private readonly options: TaskServiceOptions,
  ) {}

  /**
   * Checks and stores a create. `raw` is the parsed JSON body, or a LargeJsonBody the HTTP
   * edge left unparsed: those are parsed and checked off the event loop (`parseLarge`).
   * With an `idempotencyKey`, a create repeated with the same body within 24 hours answers the
   * task the first one made, and one with another body is refused (ADR 0014).
   */
  private async availabilityProblem(model: string): Promise<string | null> {
    const spec = findModel(model);
    return spec && this.options.availability ? this.options.availability.problemOf(spec) : null;
  }

  async create(
    caller: Caller,
    mode: CreateScope,
    raw: unknown,
    idempotencyKey?: string,
  ): Promise<CreatedTask> {
    const claim: KeyClaim | undefined =
      idempotencyKey === undefined
        ? undefined
        : {
            accountId: caller.accountId,
            keyHash: sha256(idempotencyKey),
            bodyHash: bodyHashOf(mode, raw),
          };
    if (claim) {
      // a retry is answered before its media is checked and stored a second time
      const earlier = await this.tasks.findKey(claim.accountId, claim.keyHash, this.clock.now());
      if (earlier) return this.replay(earlier, claim);
    }
    const deps = { media: this.options.media, inputs: this.options.inputs };
    let id: string;
    let intake: Intake;
    if (raw instanceof LargeJsonBody) {
      id = newId('task', this.clock.now());
      intake = this.options.parseLarge
        ? await this.options.parseLarge(id, mode, raw.bytes)
        : await intakeCreate(deps, id, mode, parseJson(raw.bytes));
    } else {
      // creates arriving together ran back to back in one event-loop turn, and every task
      // query waited behind them
      await this.pacer.take();
      id = newId('task', this.clock.now());
      intake = await intakeCreate(deps, id, mode, raw);
    }
    if (!intake.ok) throw new Refusal(intake.code, intake.message);
    const foreign =
      (await this.uploadProblem(caller, intake.request)) ??
      (await this.availabilityProblem(intake.model));
    if (foreign !== null) {
      await this.options.inputs.remove(parseStoredBody(intake.request));
      throw new Refusal('InvalidParameter', foreign);
    }
    const now = this.clock.now();
    const row: TaskRow = {
      id,
      accountId: caller.accountId,
      tokenId: caller.tokenId,
      model: intake.model,
      mode: intake.mode,
      request: intake.request,
      // remote media is fetched and checked by a worker before any upstream is used
      state: intake.remote ? 'CHECKING' : 'QUEUED',
      channelId: null,
      upstreamTaskId: null,
      attempts: 0,
      nextRunAt: now,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: now,
      updatedAt: now,
      dispatchDeadline: now + this.options.dispatchTimeoutMs,
      submittedAt: null,
      scheduledAt: null,
      finishedAt: null,
      etaAt: null,
      uncertainSince: null,
      errorCode: null,
      errorMessage: null,
      usage: null,
      upstreamVideoUrl: null,
      resultKey: null,
      resultBytes: null,
      origPrompt: null,
      actualPrompt: null,
      evidencePrompt: null,
      evidenceSeconds: null,
      adoptedAt: null,
      slotReleasedAt: null,
      dueReason: null,
      cancelRequestedAt: null,
      resultExpiredAt: null,
    };
    let earlier: StoredKey | undefined;
    try {
      if (claim) {
        const keyed = await this.tasks.insertKeyed(row, claim);
        if (!keyed.inserted) earlier = keyed.existing;
      } else {
        await this.tasks.insert(row);
      }
    } catch (err) {
      // a store that went away may have committed the task before it did (ADR 0016): its inputs
      // stay, since a stored task without them would fail; unused copies cost only disk
      const maybeStored = err instanceof StoreUnavailableError || isTransientStoreError(err);
      if (!maybeStored) await this.options.inputs.remove(parseStoredBody(intake.request));
      throw err;
    }
    if (earlier && claim) {
      // a concurrent create with the key stored its task first: this one's copies are not needed
      await this.options.inputs.remove(parseStoredBody(intake.request));
      return this.replay(earlier, claim);
    }
    this.options.onCreated?.();
    return { ...row, replayed: false };
  }

  /** The first uploaded file the body names that the caller's account did not upload. */
  private async uploadProblem(caller: Caller, request: string): Promise<string | null> {
    const uploads = this.options.uploads;
    if (!uploads || !request.includes(`oss://${UPLOAD_BUCKET}/`)) return null;
    for (const f of this.options.media.fieldsOf(parseStoredBody(request))) {
      if (mediaUrlKind(f.url) !== 'upload') continue;
      const problem = await uploads.problemOf(caller.accountId, f.field, f.url);
      if (problem !== null) return problem;
    }
    return null;
  }

  private async replay(earlier: StoredKey, claim: KeyClaim): Promise<CreatedTask> {
    if (earlier.bodyHash !== claim.bodyHash) {
      throw new Refusal(
        'BadRequest.IdempotencyKeyReused',
        `The Idempotency-Key was used within the last 24 hours for a create with another body ` +
          `(task ${earlier.taskId}). Send the same body to get that task again, or use a new key.`,
      );
    }
    const task = await this.tasks.get(earlier.taskId);
    // keys and tasks are stored in one transaction and tasks are never deleted
    if (!task) throw new Error(`idempotency key of task ${earlier.taskId} has no task`);
    return { ...task, replayed: true };
  }

  async get(caller: Caller, taskId: string): Promise<TaskView | undefined> {
    if (taskId.length > 64) return undefined;
    return this.tasks.getForAccount(taskId, caller.accountId);
  }

  /**
   * A client's cancel (ADR 0015). A task nothing was sent upstream for is canceled here, by a
   * conditional update that a worker's admission cannot cross; for any other cancelable task the
   * request is marked and the worker holding it cancels upstream while the upstream task is
   * still PENDING. The answer waits (bounded) for that worker, as DashScope answers at once.
   */
  async cancel(caller: Caller, taskId: string): Promise<CancelOutcome> {
    if (taskId.length > 64) return 'unknown';
    const now = this.clock.now();
    const marked = await this.tasks.requestCancel(taskId, caller.accountId, now);
    if (!marked) {
      const seen = await this.tasks.getForAccount(taskId, caller.accountId);
      return seen ? 'notCancelable' : 'unknown';
    }
    if (CANCELED_WITHOUT_UPSTREAM.includes(marked.state)) {
      const done = await this.tasks.transition(marked.id, marked.state, 'CANCELED', {
        finishedAt: now,
        usage: null,
        dueReason: null,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: now,
      });
      if (done) {
        await this.dropInputs(done);
        return 'canceled';
      }
    }
    this.options.onCreated?.();
    return this.awaitCancel(taskId);
  }

  private async awaitCancel(taskId: string): Promise<CancelOutcome> {
    const polls = Math.ceil((this.options.cancelWaitMs ?? CANCEL_WAIT_MS) / CANCEL_POLL_MS);
    for (let i = 0; i < polls; i++) {
      await sleep(CANCEL_POLL_MS);
      const row = await this.tasks.get(taskId);
      if (!row) return 'unknown';
      if (row.state === 'CANCELED') return 'canceled';
      // the worker dropped the request (the upstream refused it) or the task moved on
      if (row.cancelRequestedAt === null || !CANCELABLE_STATES.includes(row.state))
        return 'notCancelable';
    }
    return 'unconfirmed';
  }

  private async dropInputs(row: TaskRow): Promise<void> {
    try {
      await this.options.inputs.remove(parseStoredBody(row.request));
    } catch {
      // a failure here only costs disk, as when a worker finishes a task (task-transitions.ts)
    }
  }

  /** One page of the caller's account's tasks, newest first. */
  async list(
    caller: Caller,
    filter: Omit<TaskListFilter, 'accountId'>,
  ): Promise<{ total: number; rows: ListedTaskRow[] }> {
    return this.tasks.listPage({ ...filter, accountId: caller.accountId });
  }

  /** The task's state changes, oldest first; none for an unknown task or another account's. */
  async events(caller: Caller, taskId: string): Promise<TaskEventRow[]> {
    if (taskId.length > 64) return [];
    return this.tasks.eventsForAccount(taskId, caller.accountId);
  }
}
