/** Ends what one copy of a read holds (its query slot); called once, when that copy settles. */
export type SettleCopy = () => Promise<void>;

/**
 * When a read still unanswered gets its second copy. DashScope answers task queries and list
 * pages in well under a second, so a read this late has most likely stalled or been dropped.
 */
export const HEDGE_AFTER_MS = 1000;

export interface HedgeOptions {
  /** how long the first copy may go unanswered before a second is sent */
  afterMs: number;
  /** settles the first copy's slot, taken by the caller */
  settleFirst: SettleCopy;
  /** a slot for the second copy, or null when the budget has none to spare */
  takeSlot: () => Promise<SettleCopy | null>;
}

/**
 * Runs an idempotent upstream read (a task query, a list page) and, when it is still unanswered
 * after `afterMs`, sends one more copy if a slot is free; the first answer wins. An upstream that
 * drops or stalls one request in many (a lost packet, an overloaded front end) then costs one
 * extra query instead of the whole request timeout, during which a finished task keeps its
 * running slot. Each copy settles its own slot when it ends, so a loser still in flight keeps
 * counting against the account's budget. A first copy that fails before the hedge is sent fails
 * the read at once (retrying is the caller's policy); once both are out, it fails only when both
 * have, with the first error seen. Never use it for a create: a second copy could bill twice.
 */
export function hedgedRead<T>(read: () => Promise<T>, o: HedgeOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let inFlight = 0;
    let takingSlot = false;
    let failed = false;
    let firstError: Error = new Error('read failed');
    const giveUp = (): void => {
      if (done || inFlight > 0 || takingSlot) return;
      done = true;
      clearTimeout(timer);
      reject(firstError);
    };
    const start = (settle: SettleCopy): void => {
      inFlight++;
      Promise.resolve()
        .then(read)
        .then(
          (value) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            if (!failed) firstError = err instanceof Error ? err : new Error(String(err));
            failed = true;
          },
        )
        .finally(() => {
          inFlight--;
          giveUp();
          // a slot that cannot be settled is the limiter's problem, not this read's answer
          settle().catch(() => undefined);
        });
    };
    const timer = setTimeout(() => {
      if (done) return;
      takingSlot = true;
      o.takeSlot().then(
        (settle) => {
          takingSlot = false;
          if (settle && !done) start(settle);
          else {
            if (settle) settle().catch(() => undefined);
            giveUp();
          }
        },
        () => {
          takingSlot = false;
          giveUp();
        },
      );
    }, o.afterMs);
    start(o.settleFirst);
  });
}
