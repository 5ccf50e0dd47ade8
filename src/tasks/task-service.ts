import { ApiError } from '../http/errors.js';
import type { ModelMode } from '../models/model-table.js';
import { validateRequest } from '../models/validate-request.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { hasRemoteMedia, type MediaChecker } from '../media/media-checker.js';
import type { TaskRow, TaskStore, TaskView } from '../store/task-store.js';

export interface Caller {
  accountId: string;
  tokenId: string;
}

export interface TaskServiceOptions {
  dispatchTimeoutMs: number;
  /** inline (data:) media is checked here, at create time; remote media later by a worker */
  media: MediaChecker;
  /** called after a task is stored, so an idle worker in this process picks it up at once */
  onCreated?: () => void;
}

/** Creating and reading tasks; the HTTP routes are thin shells around this. */
export class TaskService {
  constructor(
    private readonly tasks: TaskStore,
    private readonly clock: Clock,
    private readonly options: TaskServiceOptions,
  ) {}

  async create(caller: Caller, mode: ModelMode, raw: unknown): Promise<TaskRow> {
    const checked = validateRequest(mode, raw);
    if (!checked.ok) throw new ApiError(checked.code, checked.message);
    const inline = await this.options.media.checkInline(checked.body);
    if (!inline.ok) throw new ApiError(inline.code, inline.message);
    const now = this.clock.now();
    const row: TaskRow = {
      id: newId('task', now),
      accountId: caller.accountId,
      tokenId: caller.tokenId,
      model: checked.model.name,
      mode,
      request: JSON.stringify(checked.body),
      // remote media is fetched and checked by a worker before any upstream is used
      state: hasRemoteMedia(checked.body) ? 'CHECKING' : 'QUEUED',
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
    };
    await this.tasks.insert(row);
    this.options.onCreated?.();
    return row;
  }

  async get(caller: Caller, taskId: string): Promise<TaskView | undefined> {
    if (taskId.length > 64) return undefined;
    return this.tasks.getForAccount(taskId, caller.accountId);
  }
}
