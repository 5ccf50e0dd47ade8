import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { z } from 'zod';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import { withTestPostgres, type TestPostgres } from '../support/postgres.js';
import {
  runVidgateCli,
  startVidgateProcess,
  type VidgateProcess,
} from '../support/vidgate-process.js';
import { imageDataUri, makeTempDir, randomText, removeDir, taskBodySchema } from './helpers.js';

const KEY = 'sk-sim-multi-process-0123456789';
const SIM_ACCOUNT = 'acct-multi';
const LIMITS = { createPerSecond: 20, concurrentTasks: 20, queriesPerSecond: 50 };
const TOTAL = 1000;
const IN_FLIGHT = 20;
/** process 2 (index 1) dies once this many tasks have been handed out */
const KILL_AT = Math.ceil(TOTAL / 3);
const KILLED = 1;
const DRAIN_TIMEOUT_MS = 170_000;
/** no task finishing for this long means the run is stuck (a lost submit waits 60 s at most) */
const STALL_MS = 75_000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

type AccountName = 'default' | 'second';
interface Accepted {
  id: string;
  account: AccountName;
  via: number;
}

const taskRowSchema = z.object({
  id: z.string(),
  account: z.string(),
  state: z.string(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  upstream_task_id: z.string().nullable(),
});
type StoredTask = z.infer<typeof taskRowSchema>;

const t0 = Date.now();
function log(message: string): void {
  process.stdout.write(
    `# [multi-process +${((Date.now() - t0) / 1000).toFixed(1)} s] ${message}\n`,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Everything the test drives; filled in by `before`. */
interface Rig {
  sim: DashScopeSimulator;
  db: pg.Pool;
  procs: VidgateProcess[];
  tokens: Record<AccountName, string>;
  image: string;
}

/**
 * Submits TOTAL tasks, IN_FLIGHT at a time, round-robin over the live processes and alternating
 * the two accounts. At KILL_AT, once upstream tasks run, process 2 is taken out of the rotation,
 * its requests under way are awaited (so every submission has a known answer) and it is
 * SIGKILLed while its workers hold tasks.
 */
async function submitAll(rig: Rig): Promise<{ accepted: Accepted[]; rejected: string[] }> {
  const { sim, db, procs, tokens, image } = rig;
  const accepted: Accepted[] = [];
  const rejected: string[] = [];
  const targets = procs.map((_, n) => n);
  const inFlight = procs.map(() => new Set<Promise<void>>());
  let next = 0;
  let turn = 0;
  let killGate: Promise<void> | undefined;

  async function killSecond(): Promise<void> {
    targets.splice(targets.indexOf(KILLED), 1);
    const deadline = Date.now() + 30_000;
    while ((sim.stats().accounts[SIM_ACCOUNT]?.unfinishedTasks ?? 0) === 0) {
      assert.ok(Date.now() < deadline, 'no upstream task started within 30 s');
      await sleep(50);
    }
    await Promise.allSettled([...(inFlight[KILLED] ?? [])]);
    const leases = await db.query<{ state: string; n: number }>(
      `select state, count(*)::int as n from tasks where lease_owner is not null
       group by state order by state`,
    );
    const victim = procs[KILLED];
    assert.ok(victim);
    await victim.kill('SIGKILL');
    const upstream = sim.stats().accounts[SIM_ACCOUNT];
    log(
      `SIGKILLed process 2 (pid ${victim.pid}) after ${accepted.length} accepted; upstream ` +
        `unfinished ${upstream?.unfinishedTasks}, created ${upstream?.tasksCreated}; ` +
        `leased tasks (all processes) at the kill: ${JSON.stringify(leases.rows)}`,
    );
  }

  async function submitOne(i: number, via: number): Promise<void> {
    const proc = procs[via];
    assert.ok(proc);
    const account: AccountName = i % 2 === 0 ? 'default' : 'second';
    const res = await fetch(`${proc.url}/task/bailian/image2video`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[account]}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'wan2.6-i2v-flash',
        input: { prompt: `multi-process task ${i}`, img_url: image },
        parameters: { resolution: '720P', duration: 5 },
      }),
    });
    const json: unknown = await res.json();
    if (res.status !== 200) {
      rejected.push(`task ${i} via process ${via + 1}: ${res.status} ${JSON.stringify(json)}`);
      return;
    }
    accepted.push({ id: taskBodySchema.parse(json).output.task_id, account, via });
  }

  async function lane(): Promise<void> {
    for (let i = next++; i < TOTAL; i = next++) {
      if (i >= KILL_AT) await (killGate ??= killSecond());
      const via = targets[turn++ % targets.length] ?? 0;
      const sent = submitOne(i, via);
      inFlight[via]?.add(sent);
      try {
        await sent;
      } finally {
        inFlight[via]?.delete(sent);
      }
    }
  }

  await Promise.all(Array.from({ length: IN_FLIGHT }, () => lane()));
  return { accepted, rejected };
}

/** Polls the store until it holds `expected` tasks, all terminal; fails on a stall. */
async function waitUntilTerminal(
  db: pg.Pool,
  expected: number,
  firstError: () => string,
): Promise<void> {
  const start = Date.now();
  let lastReport = 0;
  let finished = -1;
  let progressAt = start;
  for (;;) {
    const counts = await db.query<{ state: string; n: number }>(
      'select state, count(*)::int as n from tasks group by state order by state',
    );
    const total = counts.rows.reduce((s, r) => s + r.n, 0);
    const open = counts.rows.filter((r) => !TERMINAL.has(r.state)).reduce((s, r) => s + r.n, 0);
    if (total >= expected && open === 0) return;
    if (total - open !== finished) {
      finished = total - open;
      progressAt = Date.now();
    }
    const byState = JSON.stringify(Object.fromEntries(counts.rows.map((r) => [r.state, r.n])));
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log(`waiting: ${byState}`);
    }
    assert.ok(
      Date.now() - start < DRAIN_TIMEOUT_MS && Date.now() - progressAt < STALL_MS,
      `tasks still open ${Date.now() - start} ms after the last submit, none finished in the ` +
        `last ${Date.now() - progressAt} ms: ${byState}; first error logged: ${firstError()}`,
    );
    await sleep(500);
  }
}

async function storedTasks(db: pg.Pool): Promise<StoredTask[]> {
  const res = await db.query(
    `select t.id, a.name as account, t.state, t.error_code, t.error_message, t.upstream_task_id
     from tasks t join accounts a on a.id = t.account_id`,
  );
  return res.rows.map((r) => taskRowSchema.parse(r));
}

describe('three vidgate processes sharing one PostgreSQL, one killed mid-run', () => {
  let postgres: TestPostgres | undefined;
  let sim: DashScopeSimulator | undefined;
  let db: pg.Pool | undefined;
  let dataDir = '';
  const procs: VidgateProcess[] = [];
  const tokens: Record<AccountName, string> = { default: randomText(40), second: '' };
  let image = '';
  let passed = false;
  /** the first error-level log line of any process: the likely cause of a stall */
  const firstError = (): string =>
    procs.flatMap((p) => p.output().split('\n')).find((l) => /"level":[56]\d/.test(l)) ?? 'none';

  before(async () => {
    image = await imageDataUri(320, 240);
    postgres = await withTestPostgres();
    const url = await postgres.createDatabase();
    db = new pg.Pool({ connectionString: url, max: 2 });
    sim = await startDashScopeSimulator({
      accounts: [{ id: SIM_ACCOUNT, region: 'beijing', keys: [KEY], limits: LIMITS }],
      durations: { queueMs: [100, 300], runMs: [500, 1500] },
    });
    dataDir = makeTempDir('multi-process');
    const env = {
      DATABASE_URL: url,
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      VIDGATE_BOOTSTRAP_TOKEN: tokens.default,
      VIDGATE_LEASE_SECONDS: '5',
      VIDGATE_LOG_LEVEL: 'warn',
    };
    log(`PostgreSQL and simulator up (${sim.url})`);

    // a channel exists before the first start, so no sandbox channel is created
    const limits = ['--submit-rps', '--max-running', '--qps'].flatMap((flag, n) => [
      flag,
      String([LIMITS.createPerSecond, LIMITS.concurrentTasks, LIMITS.queriesPerSecond][n]),
    ]);
    const added = await runVidgateCli(
      ['channels', 'add', 'sim', '--key', KEY, '--base-url', sim.url, ...limits],
      env,
    );
    assert.equal(added.code, 0, `${added.stdout}${added.stderr}`);
    log('channel added through the CLI');

    // All at once, as docker-compose starts replicas: the startup lock lets one of them
    // bootstrap the default account with VIDGATE_BOOTSTRAP_TOKEN (test/e2e/concurrent-start).
    const started = Date.now();
    procs.push(...(await Promise.all([0, 1, 2].map(() => startVidgateProcess({ env })))));
    log(`3 processes healthy in ${Date.now() - started} ms`);
    const created = await runVidgateCli(['tokens', 'create', '--account', 'second', '--json'], env);
    assert.equal(created.code, 0, `${created.stdout}${created.stderr}`);
    const issued = z.object({ token: z.string().min(16) }).parse(JSON.parse(created.stdout));
    tokens.second = issued.token;
  });

  after(async () => {
    for (const [n, p] of procs.entries()) {
      await p.kill();
      const out = p.output().trim();
      // warn-level logs (and the bootstrap banner): the evidence when a run goes wrong
      if (!passed && out !== '') log(`process ${n + 1} output (tail):\n${out.slice(-4000)}`);
    }
    await db?.end();
    await sim?.close();
    await postgres?.stop();
    if (dataDir !== '') removeDir(dataDir);
  });

  it(
    `runs ${TOTAL} tasks exactly once each within the upstream limits`,
    { timeout: 300_000 },
    async () => {
      assert.ok(sim && db);
      const rig: Rig = { sim, db, procs, tokens, image };
      const channels = await db.query<{ name: string }>('select name from channels order by name');
      assert.deepEqual(
        channels.rows.map((r) => r.name),
        ['sim'],
        'no sandbox channel next to sim',
      );

      const submitStart = Date.now();
      const { accepted, rejected } = await submitAll(rig);
      const perProcess = procs.map((_, n) => accepted.filter((a) => a.via === n).length);
      log(
        `submitted ${TOTAL} in ${Date.now() - submitStart} ms: ${accepted.length} accepted ` +
          `(per process ${perProcess.join('/')}), ${rejected.length} rejected`,
      );
      assert.deepEqual(rejected, [], 'every submission is accepted');
      assert.equal((await procs[KILLED]?.exited)?.signal, 'SIGKILL', 'process 2 was killed');

      const drainStart = Date.now();
      await waitUntilTerminal(db, accepted.length, firstError);
      log(`all terminal ${Date.now() - drainStart} ms after the last submit`);

      const rows = await storedTasks(db);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const notSucceeded = accepted
        .map((a) => byId.get(a.id))
        .filter((r) => r?.state !== 'SUCCEEDED')
        .map((r) => (r ? `${r.id} ${r.state} ${r.error_code}: ${r.error_message}` : 'missing row'));
      assert.deepEqual(notSucceeded, [], 'every accepted task reached SUCCEEDED');

      // the totals per account add up: the store holds exactly what each account submitted
      for (const account of ['default', 'second'] as const) {
        const mine = accepted.filter((a) => a.account === account).map((a) => a.id);
        const stored = rows.filter((r) => r.account === account);
        assert.deepEqual(
          stored.map((r) => r.id).sort(),
          mine.sort(),
          `tasks of account ${account}`,
        );
        const succeeded = stored.filter((r) => r.state === 'SUCCEEDED').length;
        assert.equal(succeeded, mine.length, `SUCCEEDED tasks of account ${account}`);
      }
      assert.equal(rows.length, accepted.length, 'no task the clients did not submit');

      // exactly one upstream task per vidgate task, and each task holds the one it created
      const stats = sim.stats();
      const acct = stats.accounts[SIM_ACCOUNT];
      assert.ok(acct);
      log(`upstream: ${JSON.stringify(acct)}`);
      assert.deepEqual(stats.duplicateClientRequestIds, [], 'no client request id created twice');
      assert.equal(acct.tasksCreated, accepted.length, 'one upstream task per accepted task');
      const upstreamOf = new Map(sim.tasks().map((t) => [t.clientRequestId, t.taskId]));
      const mismatched = accepted
        .filter((a) => byId.get(a.id)?.upstream_task_id !== upstreamOf.get(a.id))
        .map(
          (a) =>
            `${a.id}: holds ${byId.get(a.id)?.upstream_task_id}, created ${upstreamOf.get(a.id)}`,
        );
      assert.deepEqual(
        mismatched,
        [],
        'each vidgate task is bound to the upstream task it created',
      );

      // the three processes together stayed within the account's limits
      const { maxCreatesPerSecond, maxConcurrentTasks, maxQueriesPerSecond } = acct;
      assert.ok(maxCreatesPerSecond <= LIMITS.createPerSecond, `creates/s ${maxCreatesPerSecond}`);
      assert.ok(maxConcurrentTasks <= LIMITS.concurrentTasks, `running ${maxConcurrentTasks}`);
      assert.ok(maxQueriesPerSecond <= LIMITS.queriesPerSecond, `queries/s ${maxQueriesPerSecond}`);
      assert.equal(acct.total429, 0, `upstream 429s: ${JSON.stringify(acct.throttled)}`);

      // survivors answer for tasks the dead process accepted, to the owner's token only, and
      // serve their results from the shared data dir
      const fromKilled = accepted.filter((a) => a.via === KILLED);
      assert.ok(fromKilled.length > 0);
      for (const [n, a] of fromKilled.slice(0, 6).entries()) {
        const survivor = procs[n % 2 === 0 ? 0 : 2];
        const other = procs[n % 2 === 0 ? 2 : 0];
        assert.ok(survivor && other);
        const get = async (token: string) =>
          taskBodySchema.parse(
            await (
              await fetch(`${survivor.url}/task/${a.id}`, {
                headers: { authorization: `Bearer ${token}` },
              })
            ).json(),
          );
        const own = await get(tokens[a.account]);
        assert.equal(own.output.task_status, 'SUCCEEDED');
        const link = new URL(own.output.video_url ?? '');
        // signed by one survivor, served by the other: one link-signing secret for all
        const video = await fetch(`${other.url}${link.pathname}${link.search}`);
        assert.equal(video.status, 200);
        assert.ok((await video.arrayBuffer()).byteLength > 1000);
        const foreign = await get(tokens[a.account === 'default' ? 'second' : 'default']);
        assert.equal(foreign.output.task_status, 'UNKNOWN', 'another account sees nothing');
      }
      log(`done in ${Date.now() - t0} ms`);
      passed = true;
    },
  );
});
