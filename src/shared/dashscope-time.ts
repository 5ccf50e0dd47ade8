const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/**
 * DashScope prints task times as `YYYY-MM-DD HH:mm:ss.SSS` in Beijing time (UTC+8, no DST);
 * vidgate prints its own times the same way so clients parse both alike (ADR 0002).
 */
export function formatDashScopeTime(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`
  );
}

/** Inverse of formatDashScopeTime; returns null for anything else. */
export function parseDashScopeTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms] = m;
  const utc = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number((ms ?? '0').padEnd(3, '0')),
  );
  return Number.isNaN(utc) ? null : utc - BEIJING_OFFSET_MS;
}
