import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface RunnerOptions<T extends { id: string }> {
  name: string;
  concurrency: number;
  /** how long to sleep when nothing is due and nobody calls wake() */
  idleMs: number;
  /** leases items; must not return items already being handled by this runner */
  claim(limit: number): Promise<T[]>;
  handle(item: T): Promise<void>;
  /** extends the leases of items still being handled (long downloads, slow upstreams) */
  heartbeat?(ids: string[]): Promise<void>;
  heartbeatMs?: number;
  clock: Clock;
  logger: Logger;
}

type RunnerState =
  { kind: 'idle' } | { kind: 'running'; loop: Promise<void> } | { kind: 'stopping' };

/**
 * A generic claim → handle loop with bounded concurrency. It knows nothing about video;
 * the task worker supplies claim and handle.
 */
export class Runner<T extends { id: string }> {
  private state: RunnerState = { kind: 'idle' };
  private readonly inFlight = new Map<string, Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  lastError: string | null = null;

  constructor(private readonly opts: RunnerOptions<T>) {}

  start(): void {
    if (this.state.kind !== 'idle') return;
    // the loop checks the state synchronously on entry, so the state is set first
    const running: { kind: 'running'; loop: Promise<void> } = {
      kind: 'running',
      loop: Promise.resolve(),
    };
    this.state = running;
    running.loop = this.loop();
    if (this.opts.heartbeat) {
      this.heartbeatTimer = setInterval(() => {
        const ids = [...this.inFlight.keys()];
        if (ids.length > 0) this.opts.heartbeat?.(ids).catch((err: unknown) => this.fail(err));
      }, this.opts.heartbeatMs ?? 10_000);
      this.heartbeatTimer.unref();
    }
  }

  /** Ask the loop to look for work now (a task was just created or released). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming, waits for in-flight items, then resolves. */
  async stop(): Promise<void> {
    const prev = this.state;
    if (prev.kind !== 'running') return;
    this.state = { kind: 'stopping' };
    this.wake();
    await prev.loop;
    await Promise.allSettled([...this.inFlight.values()]);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.state = { kind: 'idle' };
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async loop(): Promise<void> {
    while (this.state.kind === 'running') {
      const free = this.opts.concurrency - this.inFlight.size;
      let claimed: T[] = [];
      if (free > 0) {
        // A synchronous store (better-sqlite3) answers without giving the event loop a turn, so
        // claim, steps and the next claim would all run as microtasks: a backlog of due items
        // held the loop (and every request) for seconds. One batch per turn lets others in.
        await nextTurn();
        // a stop asked for during that turn must not be answered with freshly leased items
        if (this.state.kind !== 'running') break;
        try {
          claimed = await this.opts.claim(free);
        } catch (err) {
          this.fail(err);
        }
      }
      for (const item of claimed) {
        if (this.inFlight.has(item.id)) continue;
        const p = this.opts
          .handle(item)
          .catch((err: unknown) => this.fail(err))
          .finally(() => {
            this.inFlight.delete(item.id);
            this.wake();
          });
        this.inFlight.set(item.id, p);
      }
      // a full batch means more may be due: go round again at once
      if (claimed.length > 0 && claimed.length === free) continue;
      await this.sleep(this.opts.idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private fail(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.opts.logger.error({ runner: this.opts.name, err: this.lastError }, 'runner error');
  }
}
