import { parseDashScopeTime } from '../../shared/dashscope-time.js';
import type { ListedTaskRow, TaskListFilter } from '../../store/task-store.js';
import {
  isTerminal,
  TASK_STATES,
  WIRE_STATUS,
  WIRE_TASK_STATUSES,
  type WireTaskStatus,
} from '../../tasks/status.js';
import { findModel } from '../../models/model-table.js';
import { ApiError } from '../errors.js';

const DAY_MS = 24 * 3600 * 1000;
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
const MAX_PAGE_NO = 100_000;

export type ListQuery = Omit<TaskListFilter, 'accountId'>;

function bad(name: string, what: string): ApiError {
  return new ApiError('InvalidParameter', `Parameter ${name} ${what}.`);
}

/** One query parameter as a single string; a repeated one is refused. */
function single(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(name, 'must be given once');
  return v;
}

/** DashScope's list times, `YYYYMMDDhhmmss` in Beijing time like its task times (§8). */
function compactTime(q: Record<string, unknown>, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  const ms = m ? parseDashScopeTime(`${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`) : null;
  // a 13th month or a 61st second would roll over into another time: refused instead
  const roundTrip = ms === null ? null : compact(ms);
  if (ms === null || roundTrip !== v) throw bad(name, 'must be a time as YYYYMMDDhhmmss');
  return ms;
}

function compact(ms: number): string {
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  );
}

function int(q: Record<string, unknown>, name: string, dflt: number, max: number): number {
  const v = single(q, name);
  if (v === undefined) return dflt;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max)
    throw bad(name, `must be a whole number from 1 to ${max}`);
  return Number(v);
}

/**
 * The list routes' query, parsed once: a window of at most 24 hours (the last 24 by default, as
 * on DashScope), an optional model and wire status, a page. `modelParam` is `model_name` on the
 * native face and `model` on the seed face; `task_id` picks one task. Parameters DashScope's SDKs
 * add (`api_key_id`, `region`) are ignored.
 */
export function parseListQuery(query: unknown, modelParam: string, now: number): ListQuery {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const start = compactTime(q, 'start_time');
  const end = compactTime(q, 'end_time');
  // a second's window ends at its last millisecond: end_time names a whole second
  const to = end !== undefined ? end + 999 : start !== undefined ? start + DAY_MS - 1 : now;
  const from = start ?? to - DAY_MS + 1;
  if (from > to) throw bad('end_time', 'must not be before start_time');
  if (to - from >= DAY_MS) throw bad('end_time', 'must be within 24 hours of start_time');
  const model = single(q, modelParam);
  if (model !== undefined && (model.length === 0 || model.length > 100))
    throw bad(modelParam, 'must be a model name');
  const taskId = single(q, 'task_id');
  if (taskId !== undefined && !/^[A-Za-z0-9_-]{1,100}$/.test(taskId))
    throw bad('task_id', 'must be a task id');
  const status = single(q, 'status');
  if (status !== undefined && !(WIRE_TASK_STATUSES as readonly string[]).includes(status))
    throw bad('status', `must be one of ${WIRE_TASK_STATUSES.join(', ')}`);
  return {
    from,
    to,
    ...(model !== undefined ? { model } : {}),
    ...(taskId !== undefined ? { taskId } : {}),
    ...(status !== undefined
      ? { states: TASK_STATES.filter((s) => WIRE_STATUS[s] === (status as WireTaskStatus)) }
      : {}),
    pageNo: int(q, 'page_no', 1, MAX_PAGE_NO),
    pageSize: int(q, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

export interface ListedTask {
  task_id: string;
  status: WireTaskStatus;
  model_name: string;
  /** the vidgate token that made the task, where DashScope names the API key */
  api_key_id: string;
  /** the account, where DashScope names the Alibaba Cloud user and its main account */
  caller_uid: string;
  caller_parent_id: string;
  /** `apikey:v1:aigc:<path group>:video-synthesis:<model>`, as DashScope spells it */
  user_api_unique_key: string;
  /** ms, as DashScope's list gives its times */
  gmt_create: number;
  start_time?: number;
  end_time?: number;
}

export interface TaskListBody {
  request_id: string;
  total: number;
  total_page: number;
  page_no: number;
  page_size: number;
  data: ListedTask[];
}

/** DashScope's list answer (§8) for a page of rows. */
export function renderTaskList(
  page: { total: number; rows: ListedTaskRow[] },
  q: ListQuery,
  requestId: string,
): TaskListBody {
  return {
    request_id: requestId,
    total: page.total,
    total_page: Math.ceil(page.total / q.pageSize),
    page_no: q.pageNo,
    page_size: q.pageSize,
    data: page.rows.map((r) => ({
      task_id: r.id,
      status: WIRE_STATUS[r.state],
      model_name: r.model,
      api_key_id: r.tokenId,
      caller_uid: r.accountId,
      caller_parent_id: r.accountId,
      user_api_unique_key: `apikey:v1:aigc:${findModel(r.model)?.taskGroup ?? 'video-generation'}:video-synthesis:${r.model}`,
      gmt_create: Number(r.createdAt),
      ...(r.scheduledAt !== null ? { start_time: Number(r.scheduledAt) } : {}),
      ...(isTerminal(r.state) ? { end_time: Number(r.finishedAt ?? r.updatedAt) } : {}),
    })),
  };
}
