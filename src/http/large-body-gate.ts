/**
 * At most `max` large request bodies held in memory at once (issue 11: a bound on RSS), and at
 * most `perOwner` of them for one owner (an account, or a client address before one is known).
 * A body over either bound is not read until a held one is answered: its socket stays paused, so
 * TCP holds the client back instead of vidgate buffering its upload. Nothing is refused; a waiting
 * upload still has the request timeout. The per-owner bound keeps one tenant's slow or stalled
 * uploads from holding every place: they can only make that tenant's own uploads wait.
 */
export class LargeBodyGate {
  private held = 0;
  private readonly byOwner = new Map<string, number>();
  private readonly waiting: { owner: string; grant: () => void }[] = [];

  constructor(
    readonly max: number,
    readonly perOwner: number,
  ) {}

  /** Resolves with this body's release (safe to call more than once) when a place is free. */
  acquire(owner: string): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.held++;
        this.byOwner.set(owner, (this.byOwner.get(owner) ?? 0) + 1);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          const left = (this.byOwner.get(owner) ?? 1) - 1;
          if (left > 0) this.byOwner.set(owner, left);
          else this.byOwner.delete(owner);
          this.grantWaiting();
        });
      };
      if (this.free(owner)) grant();
      else this.waiting.push({ owner, grant });
    });
  }

  /** bodies held right now, and uploads waiting for a place */
  get load(): { held: number; waiting: number } {
    return { held: this.held, waiting: this.waiting.length };
  }

  private free(owner: string): boolean {
    return this.held < this.max && (this.byOwner.get(owner) ?? 0) < this.perOwner;
  }

  /** The longest-waiting uploads whose owners are under their bound go first. */
  private grantWaiting(): void {
    for (let i = 0; i < this.waiting.length && this.held < this.max;) {
      const w = this.waiting[i];
      if (w && this.free(w.owner)) {
        this.waiting.splice(i, 1);
        w.grant();
      } else i++;
    }
  }
}
