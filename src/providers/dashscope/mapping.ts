import { parseDashScopeTime } from '../../shared/dashscope-time.js';
import type { UpstreamView } from '../provider.js';
import type { TaskBody } from './wire.js';

const t = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  return parseDashScopeTime(s) ?? undefined;
};

/** DashScope task statuses map one to one onto the engine's view (SUSPENDED counts as queued). */
export function toUpstreamView(body: TaskBody): UpstreamView {
  const o = body.output;
  const times = {
    submitTime: t(o.submit_time),
    scheduledTime: t(o.scheduled_time),
    endTime: t(o.end_time),
  };
  switch (o.task_status) {
    case 'PENDING':
    case 'SUSPENDED':
      return { kind: 'PENDING', ...times };
    case 'RUNNING':
      return { kind: 'RUNNING', ...times };
    case 'SUCCEEDED': {
      // families §1.1: most answer output.video_url; s2v and animate may answer output.results
      const videoUrl = o.video_url ?? o.results?.video_url;
      if (!videoUrl) {
        return {
          kind: 'FAILED',
          code: 'InternalError',
          message: 'The upstream reported success without a video_url.',
          ...times,
        };
      }
      return {
        kind: 'SUCCEEDED',
        videoUrl,
        usage: body.usage ?? {},
        ...(o.orig_prompt !== undefined ? { origPrompt: o.orig_prompt } : {}),
        ...(o.actual_prompt !== undefined ? { actualPrompt: o.actual_prompt } : {}),
        ...times,
      };
    }
    case 'FAILED':
      return {
        kind: 'FAILED',
        code: o.code ?? 'InternalError',
        message: o.message ?? 'The upstream task failed.',
        ...times,
      };
    case 'CANCELED':
      return { kind: 'CANCELED' };
    default:
      return { kind: 'UNKNOWN' };
  }
}

/** Codes that say the whole account cannot serve for now: take the channel out of rotation. */
export const CHANNEL_CODES: ReadonlySet<string> = new Set([
  'Throttling.AllocationQuota',
  'Arrearage',
  'PrepaidBillOverdue',
  'PostpaidBillOverdue',
  'CommodityNotPurchased',
  'InvalidApiKey',
  'AccessDenied.Unpurchased',
  'Model.AccessDenied',
  'Workspace.AccessDenied',
]);

/** `YYYYMMDDhhmmss` in Beijing time, as the task list's start_time/end_time want it. */
export function listTime(ms: number): string {
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
