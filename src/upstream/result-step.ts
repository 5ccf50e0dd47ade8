import { ProviderError } from '../providers/provider-error.js';
import { ObjectTooLargeError } from '../storage/media-storage.js';
import type { TaskRow } from '../store/task-store.js';
import { decideFetched, type FetchObservation } from './decisions/fetching.js';
import { TaskTransitions } from './task-transitions.js';

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** no model's output comes near (15 s of 1080P is tens of MB); a longer stream is no video */
const MAX_RESULT_BYTES = 2 * 1024 ** 3;

/** The FETCHING step: copies the result into storage and lets decideFetched judge the outcome. */
export class ResultStep extends TaskTransitions {
  async run(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (!channel || !row.upstreamVideoUrl) return this.later(row, 5000);
    const key = `results/${row.id}.mp4`;
    let obs: FetchObservation;
    try {
      const stream = await channel.provider.openResult(row.upstreamVideoUrl);
      const stored = await this.d.storage.put(key, stream, { maxBytes: MAX_RESULT_BYTES });
      obs = { kind: 'stored', key, bytes: stored.size };
    } catch (err) {
      const refusal =
        err instanceof ProviderError && err.kind === 'reject'
          ? { code: err.code, message: err.message }
          : err instanceof ObjectTooLargeError
            ? {
                code: 'ResultTooLarge',
                message: 'The result is larger than the 2 GB vidgate stores; nothing was stored.',
              }
            : null;
      obs = { kind: 'failed', refusal, error: errText(err) };
    }
    // a stored result is the end upstream: the inputs go before SUCCEEDED is visible, so a client
    // that sees it finished never finds its inline media still on disk (a busy CI run did)
    if (obs.kind === 'stored') await this.dropInputs(row);
    const actions = decideFetched(row, obs, this.decisionClock());
    const ends = actions.some((a) => a.kind === 'move');
    // a task that gave up keeps no partial copy
    if (obs.kind === 'failed' && ends) await this.d.storage.delete(key);
    await this.apply(row, actions);
    // the checked copies of its inputs are needed no more once the task has ended either way
    if (ends) {
      await this.d.media.release(row.id).catch((err: unknown) => {
        this.d.logger.warn({ task: row.id, err: errText(err) }, 'kept media copies not removed');
      });
    }
  }
}
