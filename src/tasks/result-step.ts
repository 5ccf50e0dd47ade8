import { backoffMs } from '../jobs/backoff.js';
import { ProviderError } from '../providers/provider-error.js';
import { ObjectTooLargeError } from '../storage/media-storage.js';
import type { TaskRow } from '../store/task-store.js';
import { TaskTransitions } from './task-transitions.js';

const DAY_MS = 24 * 3600 * 1000;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The FETCHING step: the upstream's video is copied into vidgate's storage before the task shows
 * SUCCEEDED, so a client never gets a link that does not work. A result the provider refuses (a
 * link to a non-public address, too large) or one over the storage bound fails the task at once
 * with nothing stored; other failures are retried until shortly before the upstream's 24-hour
 * link expires. Messages are fixed texts: the cause, which may name hosts or paths, goes to the log.
 */
export class ResultStep extends TaskTransitions {
  async run(row: TaskRow): Promise<void> {
    const channel = row.channelId ? this.d.channels.get(row.channelId) : undefined;
    if (!channel || !row.upstreamVideoUrl) return this.later(row, 5000);
    const key = `results/${row.id}.mp4`;
    // no model's output comes near (15 s of 1080P is tens of MB); a longer stream is no video
    const maxBytes = 2 * 1024 ** 3;
    const releaseInputs = () =>
      this.d.media.release(row.id).catch((err: unknown) => {
        this.d.logger.warn({ task: row.id, err: errText(err) }, 'kept media copies not removed');
      });
    try {
      const stream = await channel.provider.openResult(row.upstreamVideoUrl);
      const stored = await this.d.storage.put(key, stream, { maxBytes });
      await this.move(row, 'SUCCEEDED', {
        resultKey: key,
        resultBytes: stored.size,
        upstreamVideoUrl: null,
      });
      await releaseInputs();
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
      const age = this.now() - Number(row.finishedAt ?? this.now());
      if (refusal || age > DAY_MS - 3600_000) {
        this.d.logger.warn(
          { task: row.id, code: refusal?.code ?? 'ResultUnavailable', err: errText(err) },
          'result not stored',
        );
        await this.d.storage.delete(key);
        await releaseInputs();
        if (refusal) return this.fail(row, refusal.code, refusal.message);
        return this.fail(
          row,
          'ResultUnavailable',
          'The result could not be copied before its link expired; quote the task_id when reporting it.',
        );
      }
      this.d.logger.warn({ task: row.id, err: errText(err) }, 'result download failed; will retry');
      return this.later(row, backoffMs(4));
    }
  }
}
