/**
 * At most `max` large request bodies held in memory at once (issue 11: a bound on RSS). A body
 * over the limit is not read until one of the held ones is answered: its socket stays paused, so
 * TCP holds the client back instead of vidgate buffering its upload. Nothing is refused; a waiting
 * upload still has the request timeout.
 */
export class LargeBodyGate {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Resolves with this body's release (safe to call more than once) when a place is free. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.held++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          this.waiting.shift()?.();
        });
      };
      if (this.held < this.max) grant();
      else this.waiting.push(grant);
    });
  }

  /** bodies held right now, and uploads waiting for a place */
  get load(): { held: number; waiting: number } {
    return { held: this.held, waiting: this.waiting.length };
  }
}
