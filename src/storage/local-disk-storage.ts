import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, MediaStorage, StoredObject } from './media-storage.js';

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

  async put(key: string, body: Readable): Promise<StoredObject> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.part`;
    try {
      await pipeline(body, createWriteStream(tmp));
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
    await rm(this.pathOf(key), { force: true });
  }
}
