import { Refusal } from '../contract/refusal.js';
import { parseBoundedJson } from '../shared/json-depth.js';
import type { ModelMode } from '../models/model-table.js';
import { parseStoredBody } from '../models/task-request.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { MediaChecker } from '../media/media-checker.js';
import type { TaskEventRow } from '../store/task-events.js';
import type { TaskRow, TaskStore, TaskView } from '../store/task-store.js';
import { intakeCreate, LargeJsonBody, type Intake } from './create-intake.js';
import type { TaskInputs } from './task-inputs.js';
import { TurnPacer } from './turn-pacer.js';

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
  parseLarge?: (taskId: string, mode: ModelMode, bytes: Uint8Array) => Promise<Intake>;
  /** called after a task is stored, so an idle worker in this process picks it up at once */
  onCreated?: () => void;
}

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
   */
  async create(caller: Caller, mode: ModelMode, raw: unknown): Promise<TaskRow> {
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
    const now = this.clock.now();
    const row: TaskRow = {
      id,
      accountId: caller.accountId,
      tokenId: caller.tokenId,
      model: intake.model,
      mode,
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
    };
    try {
      await this.tasks.insert(row);
    } catch (err) {
      await this.options.inputs.remove(parseStoredBody(intake.request));
      throw err;
    }
    this.options.onCreated?.();
    return row;
  }

  async get(caller: Caller, taskId: string): Promise<TaskView | undefined> {
    if (taskId.length > 64) return undefined;
    return this.tasks.getForAccount(taskId, caller.accountId);
  }

  /** The task's state changes, oldest first; none for an unknown task or another account's. */
  async events(caller: Caller, taskId: string): Promise<TaskEventRow[]> {
    if (taskId.length > 64) return [];
    return this.tasks.eventsForAccount(taskId, caller.accountId);
  }
}
