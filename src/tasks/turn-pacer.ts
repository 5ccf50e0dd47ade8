/**
 * Lets at most `perTurn` callers start in one event-loop turn, in arrival order; the rest start
 * in later turns, each after the loop has read its sockets again. For work that is synchronous
 * in effect (better-sqlite3 answers without yielding), so that a burst of it cannot fill one
 * turn while cheap requests wait behind it. Only starts are paced: a caller that awaits real
 * I/O does not hold up the next one.
 */
export class TurnPacer {
  private startedThisTurn = 0;
  private readonly waiting: (() => void)[] = [];
  private turnEndScheduled = false;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new Error('perTurn must be 1 or more');
  }

  /** Resolves when the caller may start. */
  take(): Promise<void> {
    this.scheduleTurnEnd();
    if (this.waiting.length === 0 && this.startedThisTurn < this.perTurn) {
      this.startedThisTurn += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    // immediates run after the turn's I/O callbacks; one scheduled from an immediate runs in
    // the next turn, so each batch released here gets a turn of its own
    setImmediate(() => {
      this.turnEndScheduled = false;
      this.startedThisTurn = 0;
      while (this.waiting.length > 0 && this.startedThisTurn < this.perTurn) {
        this.startedThisTurn += 1;
        this.waiting.shift()?.();
      }
      if (this.startedThisTurn > 0) this.scheduleTurnEnd();
    });
  }
}
