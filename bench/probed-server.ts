/**
 * `vidgate serve` as a child process for bench/get-under-creates.ts, started the way
 * test/support/vidgate-process.ts starts it, plus bench/loop-probe.ts preloaded (and, on
 * request, bench/sql-probe.ts and --cpu-prof) and an IPC channel to read the probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { freePort, REPO_ROOT } from '../test/support/vidgate-process.js';

/** How late a 10 ms timer fired, in ms (p50, p99, max, mean over a window). */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

const loopSchema = z.object({
  type: z.literal('loop-report'),
  p50: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
});

/** `vidgate serve` as a child, with the loop probe preloaded and an IPC channel to read it. */
export interface Server {
  url: string;
  child: ChildProcess;
  loopReset(): Promise<void>;
  loopReport(): Promise<LoopDelay>;
  /** what the server wrote to stdout and stderr */
  output(): string;
  stop(): Promise<void>;
}

export async function startProbedServer(
  env: Record<string, string>,
  opts: { cpuProf?: string | undefined; sqlTiming: boolean },
): Promise<Server> {
  const port = await freePort();
  const flags = ['--import', 'tsx', '--import', './bench/loop-probe.ts'];
  if (opts.sqlTiming) flags.push('--import', './bench/sql-probe.ts');
  if (opts.cpuProf) flags.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProf);
  const child = spawn(process.execPath, [...flags, 'src/bin.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ask = (type: string, answer: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        if (typeof m === 'object' && m !== null && 'type' in m && m.type === answer) {
          child.off('message', onMessage);
          resolve(m);
        }
      };
      child.on('message', onMessage);
      // a server that died mid-run closes the channel: say so, with what it printed
      child.send({ type }, (err) => {
        if (!err) return;
        child.off('message', onMessage);
        reject(
          new Error(`vidgate (exit ${child.exitCode}) did not answer: ${err.message}\n${output}`),
        );
      });
    });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vidgate exited before it was ready\n${output}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vidgate was not healthy in time\n${output}`);
    }
    await sleep(100);
  }
  return {
    url,
    child,
    loopReset: async () => void (await ask('loop-reset', 'loop-reset-done')),
    loopReport: async () => {
      const { p50, p99, max, mean } = loopSchema.parse(await ask('loop-report', 'loop-report'));
      return { p50, p99, max, mean };
    },
    output: () => output,
    stop: async () => {
      // SIGTERM lets the server stop cleanly, which is also when --cpu-prof writes its profile
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
