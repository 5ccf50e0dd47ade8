/**
 * Preloaded into a vidgate child by bench/get-under-creates.ts with `--sql-timing`, for
 * diagnosis only: wraps better-sqlite3's prepare so every statement's prepare and run time is
 * summed per SQL text, and prints the heaviest statements to stderr when the process exits.
 * This changes what it measures a little (one closure per statement), so figures for the
 * record are taken without it.
 */
import SqliteDatabase from 'better-sqlite3';

interface Cost {
  calls: number;
  prepareMs: number;
  runMs: number;
  maxMs: number;
}

const costs = new Map<string, Cost>();
const costOf = (sql: string): Cost => {
  const key = sql.replace(/\s+/g, ' ').slice(0, 160);
  let c = costs.get(key);
  if (!c) costs.set(key, (c = { calls: 0, prepareMs: 0, runMs: 0, maxMs: 0 }));
  return c;
};

type Prepare = (this: SqliteDatabase.Database, sql: string) => SqliteDatabase.Statement;
const proto = SqliteDatabase.prototype as { prepare: Prepare };
const original = proto.prepare;
proto.prepare = function prepare(this: SqliteDatabase.Database, sql: string) {
  const t0 = performance.now();
  const stmt = original.call(this, sql);
  const c = costOf(sql);
  c.prepareMs += performance.now() - t0;
  for (const method of ['all', 'run', 'get'] as const) {
    const fn: (...args: unknown[]) => unknown = stmt[method].bind(stmt);
    Object.defineProperty(stmt, method, {
      value: (...args: unknown[]) => {
        const t = performance.now();
        try {
          return fn(...args);
        } finally {
          const d = performance.now() - t;
          c.calls += 1;
          c.runMs += d;
          c.maxMs = Math.max(c.maxMs, d);
        }
      },
    });
  }
  return stmt;
};

process.once('exit', () => {
  const rows = [...costs].sort(
    (a, b) => b[1].runMs + b[1].prepareMs - (a[1].runMs + a[1].prepareMs),
  );
  const lines = rows
    .slice(0, 25)
    .map(
      ([sql, c]) =>
        `${c.calls.toString().padStart(7)} calls  run ${c.runMs.toFixed(0).padStart(6)} ms  ` +
        `prepare ${c.prepareMs.toFixed(0).padStart(5)} ms  max ${c.maxMs.toFixed(1).padStart(6)} ms  ${sql}`,
    );
  process.stderr.write(`[sql-probe]\n${lines.join('\n')}\n`);
});
