import { z } from 'zod';
import { formatDashScopeTime } from '../shared/dashscope-time.js';
import type { TaskView } from '../store/task-store.js';
import { WIRE_STATUS, isTerminal } from '../tasks/status.js';

export interface TaskOutput {
  task_id: string;
  task_status: string;
  submit_time?: string;
  scheduled_time?: string;
  end_time?: string;
  video_url?: string;
  orig_prompt?: string;
  actual_prompt?: string;
  code?: string;
  message?: string;
  /** vidgate extension: when the task is expected to finish (DashScope time format) */
  estimated_end_time?: string;
}

export interface TaskBody {
  request_id: string;
  output: TaskOutput;
  usage?: Record<string, unknown>;
}

const usageSchema = z.record(z.string(), z.unknown());

const time = (ms: number | null): string | undefined =>
  ms === null ? undefined : formatDashScopeTime(Number(ms));

/** DashScope's task body (reference §7) for a task row; `videoUrl` is vidgate's own link. */
export function renderTask(
  row: TaskView,
  requestId: string,
  videoUrl: string | undefined,
): TaskBody {
  const output: TaskOutput = {
    task_id: row.id,
    task_status: WIRE_STATUS[row.state],
    submit_time: time(row.createdAt),
    scheduled_time: time(row.scheduledAt),
  };
  if (isTerminal(row.state)) output.end_time = time(row.finishedAt ?? row.updatedAt);
  else if (row.etaAt !== null) output.estimated_end_time = time(row.etaAt);
  if (row.state === 'SUCCEEDED' && row.resultExpiredAt !== null) {
    // vidgate extension: the task succeeded; its video outlived its retention (issue 15)
    output.code = 'ResultExpired';
    output.message = `The video was deleted on ${time(row.resultExpiredAt) ?? 'expiry'} (UTC+8) at the end of its retention; the task succeeded and was billed as usual.`;
  } else if (row.state === 'SUCCEEDED' && videoUrl) output.video_url = videoUrl;
  if (row.origPrompt !== null) output.orig_prompt = row.origPrompt;
  if (row.actualPrompt !== null) output.actual_prompt = row.actualPrompt;
  if (row.state === 'FAILED') {
    output.code = row.errorCode ?? 'InternalError';
    output.message = row.errorMessage ?? 'The task failed.';
  }
  const body: TaskBody = { request_id: requestId, output };
  if (row.state === 'SUCCEEDED' && row.usage) body.usage = usageSchema.parse(JSON.parse(row.usage));
  return body;
}

/** What DashScope answers for a task it does not know; also the answer for others' tasks. */
export function renderUnknownTask(taskId: string, requestId: string): TaskBody {
  return { request_id: requestId, output: { task_id: taskId, task_status: 'UNKNOWN' } };
}
