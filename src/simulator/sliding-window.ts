/**
 * Counts events in the sliding window (now - windowMs, now] and remembers the largest count
 * ever seen, which is always reached right after an event.
 */
export class SlidingWindow {
  private events: number[] = [];
  private head = 0;
  private maxSeen = 0;

  constructor(private readonly windowMs = 1000) {}

  count(now: number): number {
    while (this.head < this.events.length && (this.events[this.head] ?? now) <= now - this.windowMs)
      this.head += 1;
    // compact now and then so a long benchmark does not keep every timestamp
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    return this.events.length - this.head;
  }

  add(now: number): number {
    this.events.push(now);
    const n = this.count(now);
    if (n > this.maxSeen) this.maxSeen = n;
    return n;
  }

  /** Time until fewer than `limit` events remain in the window (0 if that is already so). */
  msUntilBelow(now: number, limit: number): number {
    const n = this.count(now);
    if (n < limit) return 0;
    const leaving = this.events[this.head + n - limit];
    return leaving === undefined ? 0 : Math.max(0, leaving + this.windowMs - now);
  }

  get max(): number {
    return this.maxSeen;
  }
}
