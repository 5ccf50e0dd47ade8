/** Exponential backoff with full jitter, never shorter than what the upstream asked for. */
export function backoffMs(
  attempt: number,
  opts: { baseMs?: number; maxMs?: number; retryAfterMs?: number; random?: () => number } = {},
): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 60_000;
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + (opts.random ?? Math.random)() * (exp / 2);
  return Math.max(Math.round(jittered), opts.retryAfterMs ?? 0);
}
