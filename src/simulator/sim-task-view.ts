import { formatDashScopeTime } from '../shared/dashscope-time.js';
import type { LinkSigner } from '../shared/link-signer.js';
import { simFamilyModelNamed } from './rules/families/family-catalogue.js';
import {
  familyReturnsActualPrompt,
  familyUsage,
  videoUrlLocation,
} from './rules/families/family-output.js';
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
  /** the length of an input video or audio of a family task (rules/families/family-output.ts) */
  inputMediaSeconds: number;
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
  const family = simFamilyModelNamed(task.model);
  if (family) return familyUsage(family, task.body, ctx.inputMediaSeconds);
  const model = simModelNamed(task.model);
  return model ? simUsage(model, task.body, ctx.referenceVideoSeconds) : {};
}

/** `actual_prompt` is answered: wan2.5 (§2.1) and kf2v (F§5), with prompt_extend not false. */
function actualPromptOf(task: SimTask): boolean {
  const family = simFamilyModelNamed(task.model);
  if (family) return familyReturnsActualPrompt(family, task.body);
  const model = simModelNamed(task.model);
  return model !== undefined && returnsActualPrompt(model, task.body);
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
        if (actualPromptOf(task))
          output.actual_prompt = `${prompt} Cinematic lighting, smooth camera motion.`;
      }
      const family = simFamilyModelNamed(task.model);
      // F§7.2 / F§8: s2v and animate answer at output.results.video_url (docs/simulator.md)
      if (family && videoUrlLocation(family) === 'output.results.video_url')
        output.results = { video_url: resultUrl(task, ctx) };
      else output.video_url = resultUrl(task, ctx);
      return { output, usage: usageOf(task, ctx) };
    }
  }
}
