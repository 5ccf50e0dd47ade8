import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: child processes run `src/bin.ts` from here, through tsx. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A vidgate server running as a real child process (`vidgate serve`). */
export interface VidgateProcess {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** everything the process wrote to stdout and stderr so far */
  output(): string;
  /** settles when the process has exited (by itself or killed) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** sends the signal (default SIGKILL) and waits for the exit; a no-op once it has exited */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A crashed or timed-out test must not leave servers behind: whatever is still running when the
 * test process exits is killed here (synchronously, the only kind of work an exit hook can do).
 */
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A port nobody listens on right now (another process may still take it before we do). */
export function freePort(): Promise<number> {
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

/**
 * The environment a child gets: only PATH (and TMPDIR) from ours, so a developer's own
 * DATABASE_URL or VIDGATE_* settings never leak into a test, plus the given settings.
 */
function childEnv(settings: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
  const tmp = process.env['TMPDIR'];
  if (tmp !== undefined) env['TMPDIR'] = tmp;
  return { ...env, ...settings };
}

function spawnBin(args: string[], settings: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  return child;
}

/** Runs one `vidgate …` CLI command to completion. */
export function runVidgateCli(
  args: string[],
  settings: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  const child = spawnBin(args, settings);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vidgate ${args.join(' ')} took over ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface StartProcessOptions {
  /** vidgate settings (DATABASE_URL, VIDGATE_DATA_DIR, …); PORT and HOST are set here */
  env: Record<string, string>;
  /** how long to wait for GET /healthz to answer 200 (default 60 s: tsx compiles at start) */
  readyTimeoutMs?: number;
}

/** Spawns `vidgate serve` on a free loopback port and resolves once GET /healthz answers 200. */
export async function startVidgateProcess(opts: StartProcessOptions): Promise<VidgateProcess> {
  const port = await freePort();
  const child = spawnBin(['serve'], { ...opts.env, PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const proc: VidgateProcess = {
    url,
    port,
    pid: child.pid ?? -1,
    child,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (hasExited) return;
      child.kill(signal);
      await exited;
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (hasExited) {
      const { code, signal } = await exited;
      throw new Error(`vidgate exited before it was ready (code ${code}, ${signal})\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`vidgate on port ${port} was not healthy in time\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
