import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** s3rver's fixed credentials (it checks signatures made with them). */
export const S3RVER_KEY = 'S3RVER';

export interface S3TestServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  bucket: string;
  /** s3rver's storage directory */
  dir: string;
  /** the AWS SDK environment that points a vidgate process at this server */
  awsEnv: Record<string, string>;
  /** ids of the multipart uploads s3rver still holds (its own on-disk state) */
  pendingUploads(): string[];
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./s3rver-main.ts', import.meta.url));

/** Starts s3rver in a child process on a free loopback port with a fresh temp directory. */
export async function startS3Server(bucket = 'vidgate-test'): Promise<S3TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'vidgate-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, dir, bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { stdout } = child;
  if (!stdout) throw new Error('s3rver has no stdout');
  const port = await new Promise<number>((ok, fail) => {
    const lines = createInterface({ input: stdout });
    lines.once('line', (line) => ok((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => fail(new Error(`s3rver exited (${code}) before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    dir,
    awsEnv: {
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_ENDPOINT_URL_S3: endpoint,
    },
    pendingUploads() {
      try {
        return readdirSync(join(dir, bucket, '._S3rver_uploads'));
      } catch {
        return [];
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
