import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}

type ToolName = 'ffmpeg' | 'ffprobe';

const NPM_PACKAGES: Record<ToolName, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

const installerExports = z.object({ path: z.string().min(1) });

const STDERR_CAP_BYTES = 1024 * 1024;
const STDERR_TAIL_LINES = 20;

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function executableName(tool: string): string {
  return process.platform === 'win32' && !tool.toLowerCase().endsWith('.exe')
    ? `${tool}.exe`
    : tool;
}

function findOnPath(tool: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    // An empty PATH entry means "current directory" to a shell; a gateway must not pick up
    // binaries from wherever it happens to be started.
    if (dir === '') continue;
    const candidate = join(dir, executableName(tool));
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function resolveExplicit(tool: ToolName, configured: string, pathEnv: string | undefined): string {
  const looksLikePath =
    isAbsolute(configured) || configured.includes('/') || configured.includes('\\');
  if (!looksLikePath) {
    const found = pathEnv === undefined ? null : findOnPath(configured, pathEnv);
    if (found) return found;
    throw new Error(`Configured ${tool} "${configured}" was not found on PATH`);
  }
  const full = resolve(configured);
  // An explicitly configured binary that is unusable is a configuration mistake; silently
  // falling back to another build would hide it.
  if (!isExecutableFile(full)) {
    throw new Error(`Configured ${tool} path "${full}" is not an executable file`);
  }
  return full;
}

function fromNpmPackage(tool: ToolName): string | null {
  const require = createRequire(import.meta.url);
  let exported: unknown;
  try {
    exported = require(NPM_PACKAGES[tool]);
  } catch {
    // The installer packages throw (sometimes plain strings) when their platform binary is
    // missing; that just means this fallback is unavailable.
    return null;
  }
  const parsed = installerExports.safeParse(exported);
  if (!parsed.success) return null;
  const bin = parsed.data.path;
  try {
    if (!statSync(bin).isFile()) return null;
  } catch {
    return null;
  }
  if (!isExecutableFile(bin)) {
    // @ffprobe-installer relies on a postinstall chmod that package managers which skip
    // install scripts never run, leaving the binary mode 0644.
    try {
      chmodSync(bin, (statSync(bin).mode & 0o777) | 0o111);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`${tool} binary from ${NPM_PACKAGES[tool]} is not executable: ${reason}`);
    }
    if (!isExecutableFile(bin)) return null;
  }
  return bin;
}

function locateTool(tool: ToolName, explicit: string | undefined, pathEnv: string | undefined) {
  if (explicit !== undefined && explicit !== '') return resolveExplicit(tool, explicit, pathEnv);
  const onPath = pathEnv === undefined ? null : findOnPath(tool, pathEnv);
  if (onPath) return onPath;
  const fromNpm = fromNpmPackage(tool);
  if (fromNpm) return fromNpm;
  throw new Error(
    `Could not find ${tool}: set an explicit path, put ${tool} on PATH, ` +
      `or install the ${NPM_PACKAGES[tool]} package`,
  );
}

/**
 * Resolves ffmpeg and ffprobe independently: explicit path, then PATH, then the binaries
 * bundled by the @ffmpeg-installer / @ffprobe-installer npm packages.
 */
export function locateMediaTools(opts: {
  ffmpegPath?: string;
  ffprobePath?: string;
  pathEnv?: string;
}): MediaTools {
  return {
    ffmpeg: locateTool('ffmpeg', opts.ffmpegPath, opts.pathEnv),
    ffprobe: locateTool('ffprobe', opts.ffprobePath, opts.pathEnv),
  };
}

/**
 * A tool that ran and exited non-zero: for ffprobe on an input, the bytes are not the media they
 * claim to be. The message carries stderr (paths included), so it is for logs, never clients.
 */
export class ToolExitError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = 'ToolExitError';
  }
}

function tailLines(text: string, count: number): string {
  const lines = text.trimEnd().split(/\r?\n/);
  return lines.slice(-count).join('\n');
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** Runs a binary without a shell and collects its output; rejects on non-zero exit. */
export async function runTool(
  bin: string,
  args: string[],
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const { signal, timeoutMs } = opts;
  if (signal?.aborted) throw abortError(signal);

  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const stdoutChunks: Buffer[] = [];
    let stderrChunks: Buffer[] = [];
    let stderrBytes = 0;
    let failure: Error | null = null;
    let timer: NodeJS.Timeout | undefined;

    const kill = (err: Error) => {
      if (failure) return;
      failure = err;
      // SIGKILL because ffmpeg may ignore SIGTERM while finalizing (e.g. the faststart pass).
      child.kill('SIGKILL');
    };
    const onAbort = () => {
      if (signal) kill(abortError(signal));
    };
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => {
        kill(new Error(`${bin} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    }

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrChunks.push(chunk);
      stderrBytes += chunk.length;
      // Only the tail matters for diagnostics; keep memory bounded for chatty runs.
      if (stderrBytes > 2 * STDERR_CAP_BYTES) {
        const tail = Buffer.concat(stderrChunks).subarray(-STDERR_CAP_BYTES);
        stderrChunks = [tail];
        stderrBytes = tail.length;
      }
    });

    child.on('error', (err) => {
      cleanup();
      reject(failure ?? new Error(`Failed to start ${bin}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      cleanup();
      const stdout = Buffer.concat(stdoutChunks).toString('utf8');
      const stderr = Buffer.concat(stderrChunks).toString('utf8');
      if (failure) {
        reject(failure);
        return;
      }
      if (code === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const status = code === null ? `signal ${sig ?? 'unknown'}` : `code ${code}`;
      const tail = tailLines(stderr, STDERR_TAIL_LINES);
      reject(new ToolExitError(`${bin} exited with ${status}${tail ? `:\n${tail}` : ''}`, tail));
    });
  });
}
