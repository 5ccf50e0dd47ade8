import type { LinkSigner } from '../shared/link-signer.js';
import type { Clock } from '../shared/clock.js';

/**
 * The signature of a channel's push URL never expires on its own (a new link key retires it):
 * a fixed `exp` far ahead, under a purpose no result link has.
 */
const PUSH_EXP_MS = Date.UTC(2100, 0, 1);
const purposeOf = (channelId: string) => `push:${channelId}`;

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
 * An upstream's task-finished push (DashScope's through EventBridge, families §9) as a hint:
 * the task it names is queried at once, within the channel's query budget as every poll is;
 * status, result and usage still come only from that query. A forged or malformed push can
 * cost at most one early query per open task, and a task already due is not made due again.
 */
export class PushTrigger {
  constructor(
    private readonly d: {
      tasks: PushTasks;
      /**
       * The upstream task ids a push to this channel names, read by the channel's provider;
       * null when the channel is unknown or its upstream has no push
       */
      idsOf: (channelId: string, body: unknown) => Promise<string[] | null>;
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
    const ids = await this.d.idsOf(channelId, body);
    if (ids === null) return { kind: 'forged' };
    if (ids.length === 0) return { kind: 'accepted', ids: 0, due: 0 };
    // other applications share the account: unknown ids are acknowledged and dropped
    const open = await this.d.tasks.findOpenByUpstreamIds(channelId, ids);
    const due = open.length > 0 ? await this.d.tasks.markDue(open, this.d.clock.now()) : 0;
    if (due > 0) this.d.onDue();
    return { kind: 'accepted', ids: ids.length, due };
  }
}
