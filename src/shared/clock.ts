/** Injected time source, so schedulers and tests can reason about time without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
