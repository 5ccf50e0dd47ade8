import type { ModelSpec } from '../models/model-table.js';
import type { Clock } from '../shared/clock.js';
import { serves, type ChannelPool } from './channel-pool.js';

/** how stale the API's view of the channels may be; a new channel is seen within this */
const REFRESH_MS = 10_000;

/**
 * Whether some enabled channel can ever run a model (item 7 of issue 14): a create for a model
 * that no channel's region offers is refused at once, naming the regions that have it, instead
 * of waiting in the queue until its dispatch deadline.
 */
export class ModelAvailability {
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  /** whether the channels were ever read: without a view nothing is refused */
  private known = false;

  constructor(
    private readonly pool: ChannelPool,
    private readonly clock: Clock,
  ) {}

  /**
   * Why no channel can run `spec`; null when one can. A paused channel counts (the task waits
   * for it); a disabled one does not: the operator took it out. A task already queued when its
   * channel is disabled still waits for it until its dispatch deadline, as dispatch decides.
   */
  async problemOf(spec: ModelSpec): Promise<string | null> {
    await this.fresh();
    if (!this.known) return null;
    const channels = this.pool.all().filter((c) => c.enabled);
    if (channels.some((c) => serves(c, spec.name))) return null;
    const where = Object.entries(spec.regions).map(([region, id]) =>
      id === spec.name ? region : `${region} (as ${id})`,
    );
    const listing = channels.filter((c) => c.models.includes('*') || c.models.includes(spec.name));
    if (listing.length === 0) {
      return `Model ${spec.name} is not served by any enabled channel of this gateway: no channel lists it.`;
    }
    const offered =
      where.length > 0 ? `DashScope offers it in ${where.join(', ')}` : 'no region offers it';
    return `Model ${spec.name} is not served by any enabled channel of this gateway: the regions of its channels do not offer it (${offered}); a channel of one of those regions must be added to use it.`;
  }

  /**
   * Refreshes the channel view when it is older than a few seconds. A store that cannot be read
   * keeps the last view (a create is never failed for it: dispatch decides in the end).
   */
  async fresh(): Promise<void> {
    if (this.clock.now() - this.refreshedAt < REFRESH_MS) return;
    this.refreshing ??= this.pool
      .refresh()
      .then(
        () => {
          this.known = true;
          this.refreshedAt = this.clock.now();
        },
        () => {
          // try again within a second rather than on every create
          this.refreshedAt = this.clock.now() - REFRESH_MS + 1000;
        },
      )
      .finally(() => {
        this.refreshing = null;
      });
    await this.refreshing;
  }
}
