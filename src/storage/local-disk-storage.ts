import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ObjectTooLargeError,
  type ByteRange,
  type MediaStorage,
  type PutOptions,
  type StoredObject,
} from './media-storage.js';

const PART_SUFFIX = '.part';

/** Results as files under one directory; keys are relative paths chosen by vidgate, not clients. */
export class LocalDiskStorage implements MediaStorage {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    const p = resolve(join(this.root, key));
    if (!p.startsWith(this.root + sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }

  /** Partial copies of one object: `<name>.<random>.part` next to it. */
  private async removePartsOf(path: string): Promise<void> {
    const prefix = `${basename(path)}.`;
    let names: string[];
    try {
      names = await readdir(dirname(path));
    } catch {
      return;
    }
    for (const n of names)
      if (n.startsWith(prefix) && n.endsWith(PART_SUFFIX))
        await rm(join(dirname(path), n), { force: true });
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    // the stream is already open (an upstream download): an error while the directory is made
    // must not go unheard and crash the process; pipeline below reports it
    const noteEarlyError = (): void => undefined;
    body.once('error', noteEarlyError);
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // whoever copies a key holds its task's lease: earlier partial copies are a dead copier's
    await this.removePartsOf(path);
    const tmp = `${path}.${randomBytes(6).toString('hex')}${PART_SUFFIX}`;
    const { maxBytes } = options;
    let bytes = 0;
    const bound = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (maxBytes !== undefined && bytes > maxBytes) cb(new ObjectTooLargeError(maxBytes));
        else cb(null, chunk);
      },
    });
    try {
      body.off('error', noteEarlyError);
      await pipeline(body, bound, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const s = await stat(path);
    return { size: s.size };
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await stat(this.pathOf(key));
      return { size: s.size };
    } catch {
      return null;
    }
  }

  open(key: string, range?: ByteRange): Promise<Readable> {
    const stream = createReadStream(
      this.pathOf(key),
      range ? { start: range.start, end: range.end } : {},
    );
    return new Promise((ok, fail) => {
      stream.once('open', () => ok(stream));
      stream.once('error', fail);
    });
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await this.removePartsOf(path);
  }

  async sweepPartials(idleMs: number, now: number): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && e.name.endsWith(PART_SUFFIX)) {
          const s = await stat(p).catch(() => null);
          if (s && now - s.mtimeMs >= idleMs) {
            await rm(p, { force: true });
            removed++;
          }
        }
      }
    };
    await walk(this.root);
    return removed;
  }
}
