/**
 * Upstream limits count per second; our window is a little longer so that the jitter between
 * our clock and the upstream's arrival times never lets a sixth request into its second.
 */
export const LIMIT_WINDOW_MS = 1100;

/** An upstream call's slot counts as taken at least until its answer arrives, at most this long. */
export const SLOT_HOLD_MS = 60_000;
