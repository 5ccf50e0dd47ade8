import { createHash } from 'node:crypto';
import type { SimAccount } from './sim-account.js';
import { REGION_IDS, type SimRegion } from './sim-options.js';
import { statusAt, type SimTask, type SimTaskStatus } from './sim-task.js';

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const STATUSES: readonly string[] = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
];

/** A list request DashScope would reject: 400 InvalidParameter with this message. */
export class ListQueryError extends Error {}

/** Parses `YYYYMMDDhhmmss` in Beijing time (UTC+8), the list API's time format. */
export function parseListTime(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? null : ms - BEIJING_OFFSET_MS;
}

/** Formats clock ms as the list API's `YYYYMMDDhhmmss` (UTC+8); handy for clients and tests. */
export function formatListTime(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  );
}

function positiveInt(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ListQueryError(`The ${name} is invalid.`);
  return n;
}

function timeParam(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  const ms = parseListTime(raw);
  if (ms === null) throw new ListQueryError(`The ${name} is invalid, expected yyyyMMddHHmmss.`);
  return ms;
}

export interface ListContext {
  account: SimAccount;
  region: SimRegion;
  now: number;
  lagMs: number;
  pageSizeCap: number;
  isExpired: (task: SimTask) => boolean;
}

function listItem(task: SimTask, status: SimTaskStatus, at: number, region: SimRegion) {
  const started = status !== 'PENDING' && !(status === 'CANCELED' && task.scheduledAt > at);
  const finished = status !== 'PENDING' && status !== 'RUNNING';
  const item: Record<string, unknown> = {
    api_key_id: `ak-${createHash('sha256').update(task.apiKey).digest('hex').slice(0, 16)}`,
    caller_parent_id: task.accountId,
    caller_uid: task.accountId,
    gmt_create: task.submitAt,
    start_time: started ? task.scheduledAt : task.submitAt,
    model_name: task.model,
    region: REGION_IDS[region],
    request_id: task.requestId,
    status,
    task_id: task.taskId,
    user_api_unique_key: `apikey:v1:aigc:video-generation:video-synthesis:${task.model}`,
  };
  if (finished) item.end_time = task.canceledAt ?? task.endAt;
  return item;
}

/**
 * DashScope's `GET /tasks` (reference §8): the account's tasks created in [start_time,
 * end_time], newest first, as they looked `lagMs` ago (the list is fed by a slower index).
 */
export function listTasks(query: URLSearchParams, ctx: ListContext): Record<string, unknown> {
  const pageNo = positiveInt(query, 'page_no', 1);
  const pageSize = Math.min(positiveInt(query, 'page_size', 10), ctx.pageSizeCap);
  let start = timeParam(query, 'start_time');
  let end = timeParam(query, 'end_time');
  if (start === null && end === null) {
    end = ctx.now;
    start = ctx.now - DAY_MS;
  } else if (start === null && end !== null) {
    start = end - DAY_MS;
  } else if (end === null) {
    end = ctx.now;
  }
  if (start === null || end === null) throw new ListQueryError('The time range is invalid.');
  // the list API speaks whole seconds: end_time covers its entire second
  end += 999;
  if (end < start) throw new ListQueryError('The start_time must not be after end_time.');
  if (end - start > DAY_MS + 999)
    throw new ListQueryError('The time range between start_time and end_time exceeds 24 hours.');
  const statusFilter = query.get('status') || null;
  if (statusFilter !== null && !STATUSES.includes(statusFilter))
    throw new ListQueryError('The status is invalid.');
  const model = query.get('model_name') || null;
  const taskId = query.get('task_id') || null;

  const seenAt = ctx.now - ctx.lagMs;
  const rows: { task: SimTask; status: SimTaskStatus }[] = [];
  const tasks = ctx.account.tasks;
  for (let i = tasks.length - 1; i >= 0; i--) {
    const t = tasks[i];
    if (!t || t.submitAt > seenAt || t.submitAt < start || t.submitAt > end) continue;
    if (ctx.isExpired(t)) continue;
    if (model !== null && t.model !== model) continue;
    if (taskId !== null && t.taskId !== taskId) continue;
    const status = statusAt(t, seenAt);
    if (statusFilter !== null && status !== statusFilter) continue;
    rows.push({ task: t, status });
  }
  return {
    total: rows.length,
    total_page: Math.ceil(rows.length / pageSize),
    page_no: pageNo,
    page_size: pageSize,
    data: rows
      .slice((pageNo - 1) * pageSize, pageNo * pageSize)
      .map((r) => listItem(r.task, r.status, seenAt, ctx.region)),
  };
}
