import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { simFaultsSchema } from './sim-faults.js';
import { SIM_REGIONS, simAccountSchema, type MsRange, type SimOptions } from './sim-options.js';
import { startDashScopeSimulator, type DashScopeSimulator } from './simulator.js';

export const SIM_CLI_USAGE = `dashscope simulator: a test double of Alibaba DashScope's video API

  --port N                 listen port (default 0 = any free port)
  --host H                 listen address (default 127.0.0.1)
  --region R               beijing | singapore | virginia (default beijing)
  --key K                  API key of the default account (repeatable; default sk-sim)
  --accounts FILE          JSON array of accounts {id, region, keys, limits?, ...} instead of --key
  --time-scale X           multiply queue/run times, retention, link lifetime (default 1)
  --queue-ms MIN[,MAX]     queue time before timeScale (default 1000,5000)
  --run-ms MIN[,MAX]       run time before timeScale (default 30000,120000)
  --create-rps N  --concurrency N  --query-rps N    default account limits (5, 5, 20)
  --detect-rps N           s2v face-detect calls per second of the default account (5)
  --input-media-seconds X  length of every input video/audio of a family task (default 5)
  --list-lag-ms N          list shows changes only after N ms (default 0)
  --create-latency-ms MIN[,MAX]  creates are made and answered after MIN–MAX real ms (default 0)
  --list-page-size-cap N   largest honoured page_size (default 100)
  --retention-ms N         UNKNOWN after N ms, before timeScale (default 86400000)
  --seed N                 seed for durations and faults (default 1)
  --faults JSON|@FILE      initial fault plan (see docs/simulator.md)
  --render                 render each video at its size, duration and audio (slow)
  --ffmpeg PATH --ffprobe PATH    media tools for the result clip

Prints the base URL (…/api/v1) on stdout; admin endpoints are under /__sim/.`;

/** Where the CLI writes; the default is the process's stdout and stderr. */
export interface SimCliIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: SimCliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class CliError extends Error {}

function int(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--${name} must be a non-negative integer`);
  return n;
}

function range(name: string, raw: string | undefined): MsRange | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((p) => int(name, p.trim()) ?? 0);
  const [min = 0, max = min] = parts;
  if (parts.length > 2 || max < min) throw new CliError(`--${name} must be MIN or MIN,MAX`);
  return [min, max];
}

function json(name: string, raw: string): unknown {
  const text = raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw;
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`--${name} is not valid JSON`);
  }
}

function toOptions(argv: string[]): SimOptions | 'help' {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      host: { type: 'string' },
      region: { type: 'string' },
      key: { type: 'string', multiple: true },
      accounts: { type: 'string' },
      'time-scale': { type: 'string' },
      'queue-ms': { type: 'string' },
      'run-ms': { type: 'string' },
      'create-rps': { type: 'string' },
      concurrency: { type: 'string' },
      'query-rps': { type: 'string' },
      'detect-rps': { type: 'string' },
      'input-media-seconds': { type: 'string' },
      'list-lag-ms': { type: 'string' },
      'create-latency-ms': { type: 'string' },
      'list-page-size-cap': { type: 'string' },
      'retention-ms': { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      render: { type: 'boolean' },
      ffmpeg: { type: 'string' },
      ffprobe: { type: 'string' },
    },
  });
  if (v.help) return 'help';
  const region = z.enum(SIM_REGIONS).safeParse(v.region ?? 'beijing');
  if (!region.success) throw new CliError(`--region must be one of ${SIM_REGIONS.join(', ')}`);
  const timeScale = v['time-scale'] === undefined ? 1 : Number(v['time-scale']);
  if (!(timeScale > 0)) throw new CliError('--time-scale must be a positive number');
  const limits = {
    createPerSecond: int('create-rps', v['create-rps']),
    concurrentTasks: int('concurrency', v.concurrency),
    queriesPerSecond: int('query-rps', v['query-rps']),
    detectPerSecond: int('detect-rps', v['detect-rps']),
  };
  const mediaSeconds =
    v['input-media-seconds'] === undefined ? undefined : Number(v['input-media-seconds']);
  if (mediaSeconds !== undefined && !(mediaSeconds >= 0))
    throw new CliError('--input-media-seconds must be a non-negative number');
  const accounts = z
    .array(simAccountSchema)
    .parse(
      v.accounts
        ? json('accounts', `@${v.accounts}`)
        : [{ id: 'sim-account', region: region.data, keys: v.key ?? ['sk-sim'], limits }],
    );
  const queueMs = range('queue-ms', v['queue-ms']);
  const runMs = range('run-ms', v['run-ms']);
  const tools = v.ffmpeg && v.ffprobe ? { ffmpeg: v.ffmpeg, ffprobe: v.ffprobe } : undefined;
  return {
    region: region.data,
    accounts,
    host: v.host,
    port: int('port', v.port),
    timeScale,
    durations: { queueMs: queueMs ?? [1000, 5000], runMs: runMs ?? [30_000, 120_000] },
    listLagMs: int('list-lag-ms', v['list-lag-ms']),
    createLatencyMs: range('create-latency-ms', v['create-latency-ms']),
    listPageSizeCap: int('list-page-size-cap', v['list-page-size-cap']),
    retentionMs: int('retention-ms', v['retention-ms']),
    seed: int('seed', v.seed),
    faults: v.faults ? simFaultsSchema.parse(json('faults', v.faults)) : undefined,
    inputMediaSeconds: mediaSeconds,
    render: v.render,
    mediaTools: tools,
  };
}

/**
 * `vidgate simulator …` / `node --import tsx src/simulator/sim-cli.ts …`: starts a simulator
 * from flags and prints its base URL. Resolves to the running simulator, or to an exit code
 * when it did not start (help, bad flags).
 */
export async function runSimulatorCli(
  argv: string[],
  io: SimCliIo = processIo,
): Promise<DashScopeSimulator | number> {
  let options: SimOptions | 'help';
  try {
    options = toOptions(argv);
  } catch (err) {
    const message =
      err instanceof z.ZodError
        ? z.prettifyError(err)
        : err instanceof Error
          ? err.message
          : String(err);
    io.err(`simulator: ${message}`);
    io.err(SIM_CLI_USAGE);
    return 2;
  }
  if (options === 'help') {
    io.out(SIM_CLI_USAGE);
    return 0;
  }
  const sim = await startDashScopeSimulator(options);
  io.out(sim.url);
  const keys = (options.accounts ?? []).flatMap((a) => a.keys.map((k) => `${a.id}:${k}`));
  io.err(
    `DashScope simulator (${options.region ?? 'beijing'}) at ${sim.url}; keys ${keys.join(', ')}; ` +
      `admin ${sim.origin}/__sim/{stats,tasks,faults,accounts,face-detect}`,
  );
  return sim;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  runSimulatorCli(process.argv.slice(2)).then(
    (result) => {
      if (typeof result === 'number') {
        process.exitCode = result;
        return;
      }
      const stop = (): void => {
        result.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
