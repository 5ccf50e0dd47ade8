import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A file a hostile input tries to make ffmpeg read, planted as a FIFO: opening a FIFO for
 * reading is visible to its other end, so `opened()` proves whether anything tried to read it,
 * which a file's atime (relatime mounts) cannot. If something does, it is handed `secret`, so a
 * result can also be searched for it.
 */
export interface PlantedFile {
  path: string;
  secret: string;
  opened(): boolean;
  stop(): void;
}

export function plantFifo(dir: string, name = 'planted.mp4'): PlantedFile {
  const path = join(dir, name);
  const made = spawnSync('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
  const secret = `PLANTED-${randomBytes(12).toString('hex')}`;
  let opened = false;
  const timer = setInterval(() => {
    let fd: number;
    try {
      // with no reader a non-blocking open for writing fails (ENXIO); it succeeds once
      // something has the FIFO open for reading, even while that open is still blocked
      fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return;
    }
    opened = true;
    try {
      writeSync(fd, secret);
    } catch {
      // the reader may already be gone
    }
    closeSync(fd);
  }, 5);
  timer.unref();
  return { path, secret, opened: () => opened, stop: () => clearInterval(timer) };
}

/** An HLS playlist whose one segment is `target` (a path or a URL). */
export function hlsPlaylist(target: string): string {
  return `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n${target}\n#EXT-X-ENDLIST\n`;
}

/** An ffconcat script naming `target`. */
export function concatScript(target: string): string {
  return `ffconcat version 1.0\nfile '${target}'\n`;
}

export interface LoopbackServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** host:port, as VIDGATE_MEDIA_ALLOW_HOSTS takes it */
  host: string;
  /** requests per path (query excluded), in arrival order */
  hits: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** An HTTP server on 127.0.0.1 that counts every request; `handle` answers (404 unless set). */
export async function loopbackServer(handle?: Handler): Promise<LoopbackServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    if (handle) handle(req, res, hit);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
