import type { LinkSigner } from '../shared/link-signer.js';
import type { Clock } from '../shared/clock.js';

/**
 * The signature of a channel's push URL never expires on its own (a new link key retires it):
 * a fixed `exp` far ahead, under a purpose no result link has.
 */
const PUSH_EXP_MS = Date.UTC(2100, 0, 1);
const purposeOf = (channelId: string) => `push:dashscope:${channelId}`;
/** a push names one task, a batch a handful: more is not an EventBridge delivery */
const MAX_IDS = 20;
const MAX_DEPTH = 4;

/** What the trigger needs of the store: open tasks by upstream id, and making them due. */
export interface PushTasks {
  findOpenByUpstreamIds(channelId: string, upstreamTaskIds: string[]): Promise<string[]>;
  markDue(ids: string[], now: number): Promise<number>;
}

/** The secret path segment of a channel's push URL (`vidgate channels push-url NAME`). */
export function pushTokenOf(links: LinkSigner, channelId: string): string {
  return links.sign(purposeOf(channelId), PUSH_EXP_MS).sig;
}

export type PushOutcome = { kind: 'forged' } | { kind: 'accepted'; ids: number; due: number };

/**
 * DashScope's task-finished push (families §9, through EventBridge's HTTP target) as a hint:
 * the task it names is queried at once, within the channel's query budget as every poll is;
 * status, result and usage still come only from that query. A forged or malformed push can
 * cost at most one early query per open task, and a task already due is not made due again.
 */
export class PushTrigger {
  constructor(
    private readonly d: {
      tasks: PushTasks;
      links: LinkSigner;
      clock: Clock;
      /** wakes this process's workers */
      onDue: () => void;
    },
  ) {}

  async accept(channelId: string, token: string, body: unknown): Promise<PushOutcome> {
    const exp = Math.floor(PUSH_EXP_MS / 1000);
    const verdict = this.d.links.verify(purposeOf(channelId), exp, token, this.d.clock.now());
    if (verdict !== 'ok') return { kind: 'forged' };
    const ids = taskIdsOf(body);
    if (ids.length === 0) return { kind: 'accepted', ids: 0, due: 0 };
    // other applications share the account: unknown ids are acknowledged and dropped
    const open = await this.d.tasks.findOpenByUpstreamIds(channelId, ids);
    const due = open.length > 0 ? await this.d.tasks.markDue(open, this.d.clock.now()) : 0;
    if (due > 0) this.d.onDue();
    return { kind: 'accepted', ids: ids.length, due };
  }
}

const TASK_ID_KEYS = new Set(['task_id', 'taskId', 'taskid', 'TaskId']);

/**
 * Task ids wherever an event may carry them (the `data` of a CloudEvent, its `output`, a batch
 * of events, the top level): the field names are unpublished (families §11 #35).
 */
export function taskIdsOf(body: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (found.size >= MAX_IDS || depth > MAX_DEPTH || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (TASK_ID_KEYS.has(k) && typeof x === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(x)) {
        found.add(x);
      } else {
        walk(x, depth + 1);
      }
    }
  };
  walk(body, 0);
  return [...found].slice(0, MAX_IDS);
}
