import type { Clock } from '../shared/clock.js';
import type { MediaStorage } from '../storage/media-storage.js';
import type { ResultRetentionQueries } from '../store/result-retention-queries.js';

/** results deleted per sweep at most; the next sweep takes the rest */
const BATCH = 200;

/**
 * Deletes results past their retention (issue 15; `VIDGATE_RESULT_RETENTION_SECONDS`, 7 days
 * by default). The object goes first, then the task is marked: a crash between the two leaves
 * the mark for the next sweep, whose delete of a missing object is a no-op, so no object is ever
 * orphaned and no task names a deleted one without saying so for long.
 */
export class ResultRetention {
  constructor(
    private readonly d: {
      queries: ResultRetentionQueries;
      storage: MediaStorage;
      clock: Clock;
      retentionMs: number;
    },
  ) {}

  /** How many results this sweep deleted. */
  async sweep(): Promise<number> {
    const now = this.d.clock.now();
    const expired = await this.d.queries.listExpired(now - this.d.retentionMs, BATCH);
    let deleted = 0;
    for (const r of expired) {
      await this.d.storage.delete(r.resultKey);
      if (await this.d.queries.markExpired(r, this.d.clock.now())) deleted++;
    }
    return deleted;
  }
}

/** How often the sweep runs: a quarter of the retention, between 1 s and 10 minutes. */
export function retentionSweepMs(retentionMs: number): number {
  return Math.min(600_000, Math.max(1000, Math.floor(retentionMs / 4)));
}
