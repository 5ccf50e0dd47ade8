/**
 * When a failed delivery is tried again: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly, so a
 * receiver that is down for a day still gets every event. `scale` shrinks the schedule for tests
 * (VIDGATE_WEBHOOK_BACKOFF_SCALE); production leaves it at 1.
 */
const DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
const HOUR_MS = 3_600_000;

/** Deliveries are retried this long after they were made (the issue asks at least 24 h). */
export const WEBHOOK_RETRY_WINDOW_MS = 72 * HOUR_MS;

/** An endpoint whose attempts all failed this long is disabled. */
export const WEBHOOK_DISABLE_AFTER_MS = 72 * HOUR_MS;

/** The wait after the `attempts`-th failed attempt (1 = the first). */
export function retryDelayMs(attempts: number, scale = 1): number {
  const base = DELAYS_MS[Math.max(0, attempts - 1)] ?? HOUR_MS;
  return Math.max(1, Math.round(base * scale));
}
