import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  chmodSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A PostgreSQL server for one test file; every suite takes its own database from it. */
export interface TestPostgres {
  /** superuser URL of the server's `postgres` database */
  url: string;
  /** Creates an empty database (random name unless given) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Drops what this handle created; a throwaway cluster is stopped and deleted. */
  stop(): Promise<void>;
}

const DIR_PREFIX = 'vidgate-pg-';
const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with ' +
  '`apt-get install postgresql` (Debian/Ubuntu; the binaries land in /usr/lib/postgresql/<v>/bin), ' +
  'put a directory holding initdb on PATH or in VIDGATE_TEST_PG_BINDIR, or point ' +
  'VIDGATE_TEST_DATABASE_URL at an existing server (postgres://user@host:port/postgres).';

/**
 * Uses the server in VIDGATE_TEST_DATABASE_URL if set; otherwise starts a throwaway cluster in a
 * temp dir (fsync off: its data is deleted anyway). Never skips: missing binaries fail the test.
 */
export async function withTestPostgres(): Promise<TestPostgres> {
  const external = process.env.VIDGATE_TEST_DATABASE_URL;
  if (external !== undefined && external !== '') return serverHandle(external, null);
  const cluster = await startCluster();
  return serverHandle(cluster.url, () => cluster.stop());
}

/** `stopCluster` null: a shared server, where only the databases this handle made are dropped. */
function serverHandle(url: string, stopCluster: (() => Promise<void>) | null): TestPostgres {
  const created: string[] = [];
  return {
    url,
    async createDatabase(name = `vg_${randomBytes(6).toString('hex')}`) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
      await adminQuery(url, `CREATE DATABASE "${name}"`);
      created.push(name);
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      return dbUrl.toString();
    },
    async stop() {
      if (stopCluster !== null) return stopCluster();
      // FORCE ends connections a failed test left open (PostgreSQL 13+).
      for (const name of created.splice(0))
        await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

interface Cluster {
  url: string;
  stop(): Promise<void>;
}

interface PgCommands {
  binDir: string;
  /** initdb refuses to run as root, so root runs the server as the `postgres` user */
  asUser: { name: string; runuser: string } | null;
}

async function startCluster(): Promise<Cluster> {
  const commands = locateCommands();
  sweepAbandonedClusters(commands);
  const base = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(base, 'owner.pid'), String(process.pid));
  // the postgres user creates the data dir, socket and log in here
  chmodSync(base, 0o777);
  const data = join(base, 'data');
  const stopSync = (): void => stopClusterSync(commands, base);
  process.once('exit', stopSync);
  try {
    await pgRun(commands, 'initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await startServer(commands, base, data);
    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopSync);
        // immediate: no shutdown checkpoint, the files are deleted next
        await pgRun(commands, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

async function startServer(commands: PgCommands, base: string, data: string): Promise<number> {
  const conf = join(data, 'postgresql.conf');
  // A free port can be taken between probing it and binding it (other suites start clusters
  // too), so a bind failure is retried on another port; later settings win in postgresql.conf.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    appendFileSync(
      conf,
      [
        '',
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${base.replaceAll("'", "''")}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        'shared_buffers = 32MB',
        '',
      ].join('\n'),
    );
    const log = join(base, `server-${attempt}.log`);
    try {
      await pgRun(commands, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', 'start']);
      return port;
    } catch (err) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (attempt < 3 && /could not (bind|create listen)/i.test(text)) continue;
      throw new Error(`test PostgreSQL did not start: ${String(err)}\n${text}`);
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function pgRun(commands: PgCommands, tool: string, args: string[]): Promise<void> {
  const [file, argv] = command(commands, tool, args);
  try {
    // cwd: the server user may not be able to enter the caller's directory (e.g. /root)
    await run(file, argv, { cwd: tmpdir(), timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    const hint =
      commands.asUser === null
        ? ''
        : `\n(${tool} runs as ${commands.asUser.name}, who must be able to enter ${tmpdir()})`;
    throw new Error(
      `${tool} failed: ${String(err)}\n${typeof stderr === 'string' ? stderr : ''}${hint}`,
    );
  }
}

function command(commands: PgCommands, tool: string, args: string[]): [string, string[]] {
  const bin = join(commands.binDir, tool);
  return commands.asUser === null
    ? [bin, args]
    : [commands.asUser.runuser, ['-u', commands.asUser.name, '--', bin, ...args]];
}

function stopClusterSync(commands: PgCommands, base: string): void {
  const data = join(base, 'data');
  if (existsSync(join(data, 'postmaster.pid'))) {
    const [file, argv] = command(commands, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, argv, { cwd: tmpdir(), stdio: 'ignore', timeout: 30_000 });
  }
  rmSync(base, { recursive: true, force: true });
}

/** Clusters whose test process died without stopping them (killed, timed out) are ended here. */
function sweepAbandonedClusters(commands: PgCommands): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const base = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(base, 'owner.pid'), 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) stopClusterSync(commands, base);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function locateCommands(): PgCommands {
  const binDir = findBinDir();
  if (process.getuid?.() !== 0) return { binDir, asUser: null };
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'running as root, but there is no `postgres` user to run the test PostgreSQL as ' +
        '(initdb refuses root). `apt-get install postgresql` creates it; or run the tests as ' +
        'a non-root user, or set VIDGATE_TEST_DATABASE_URL.',
    );
  }
  // PATH may lack the sbin directories (e.g. a minimal CI environment)
  const runuser = [...pathDirs(), '/usr/sbin', '/sbin']
    .map((dir) => join(dir, 'runuser'))
    .find(isExecutable);
  if (runuser === undefined)
    throw new Error('running as root, but `runuser` (util-linux) is missing');
  return { binDir, asUser: { name: 'postgres', runuser } };
}

function findBinDir(): string {
  const candidates: string[] = [];
  const fromEnv = process.env.VIDGATE_TEST_PG_BINDIR;
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(fromEnv);
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
  } catch {
    // pg_config comes with libpq-dev, which a machine with the server may well lack
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not a Debian layout
  }
  candidates.push(...pathDirs());
  const found = candidates.find(
    (dir) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl')),
  );
  if (found === undefined) throw new Error(INSTALL_HINT);
  return found;
}

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(':').filter((d) => d !== '');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
