import { formatDashScopeTime } from '../shared/dashscope-time.js';
import type { LinkSigner } from '../shared/link-signer.js';
import { simModelNamed } from './rules/sim-catalogue.js';
import { returnsActualPrompt, simUsage } from './rules/sim-output.js';
import { statusAt, type SimTask } from './sim-task.js';

/** What rendering a task needs besides the task. */
export interface TaskViewContext {
  signer: LinkSigner;
  /** scheme://host[:port] the client reached the simulator at */
  origin: string;
  resultTtlMs: number;
  referenceVideoSeconds: number;
}

/** Looks like OSS's, so clients that log or redact it behave as in production. */
export const SIM_ACCESS_KEY_ID = 'LTAI5tSimulatorKey';

export function resultPath(taskId: string): string {
  return `/results/${taskId}.mp4`;
}

/** The signed, expiring link DashScope hands out for a finished video (an OSS URL upstream). */
export function resultUrl(task: SimTask, ctx: TaskViewContext): string {
  const path = resultPath(task.taskId);
  const { exp, sig } = ctx.signer.sign(path, task.endAt + ctx.resultTtlMs);
  return (
    `${ctx.origin}${path}?Expires=${exp}&OSSAccessKeyId=${SIM_ACCESS_KEY_ID}` +
    `&Signature=${encodeURIComponent(sig)}`
  );
}

function usageOf(task: SimTask, ctx: TaskViewContext): Record<string, unknown> {
  const model = simModelNamed(task.model);
  return model ? simUsage(model, task.body, ctx.referenceVideoSeconds) : {};
}

/** DashScope's `GET /tasks/{id}` body fields (`output`, `usage`) for a task at time `now`. */
export function taskView(
  task: SimTask,
  now: number,
  ctx: TaskViewContext,
): { output: Record<string, unknown>; usage?: Record<string, unknown> } {
  const status = statusAt(task, now);
  const output: Record<string, unknown> = {
    task_id: task.taskId,
    task_status: status,
    submit_time: formatDashScopeTime(task.submitAt),
  };
  switch (status) {
    case 'PENDING':
      return { output };
    case 'RUNNING':
      output.scheduled_time = formatDashScopeTime(task.scheduledAt);
      return { output };
    case 'CANCELED':
      output.end_time = formatDashScopeTime(task.canceledAt ?? now);
      return { output };
    case 'FAILED':
      output.scheduled_time = formatDashScopeTime(task.scheduledAt);
      output.end_time = formatDashScopeTime(task.endAt);
      output.code = task.failure?.code ?? 'InternalError';
      output.message = task.failure?.message ?? 'Internal error.';
      return { output };
    case 'SUCCEEDED': {
      output.scheduled_time = formatDashScopeTime(task.scheduledAt);
      output.end_time = formatDashScopeTime(task.endAt);
      const prompt = task.body.input.prompt;
      if (typeof prompt === 'string') {
        output.orig_prompt = prompt;
        const model = simModelNamed(task.model);
        if (model && returnsActualPrompt(model, task.body))
          output.actual_prompt = `${prompt} Cinematic lighting, smooth camera motion.`;
      }
      output.video_url = resultUrl(task, ctx);
      return { output, usage: usageOf(task, ctx) };
    }
  }
}
