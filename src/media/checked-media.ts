import {
  copyFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { MediaFormat } from './inline-media.js';

const MEDIA_FORMATS = ['jpeg', 'png', 'bmp', 'webp', 'wav', 'mp3', 'mp4', 'mov'] as const;

const manifestSchema = z.object({
  entries: z.array(
    z.object({
      field: z.string(),
      url: z.string(),
      format: z.enum(MEDIA_FORMATS),
      bytes: z.number(),
      /** file name inside the task's folder */
      name: z.string().regex(/^[a-z0-9-]+$/),
    }),
  ),
});

/** One remote input as the CHECKING step downloaded and checked it. */
export interface CheckedEntry {
  /** the request path, e.g. `input.reference_urls[1]` */
  field: string;
  url: string;
  format: MediaFormat;
  bytes: number;
  name: string;
}

/** What a provider that renders locally needs: the checked copy of one input of a task. */
export interface CheckedMediaReader {
  /**
   * Puts the copy checked for `field` (which held `url`) at `destPath` and says what it is;
   * null when there is none, e.g. a check that ran before copies were kept.
   */
  take(
    taskId: string,
    field: string,
    url: string,
    destPath: string,
  ): Promise<{ format: MediaFormat; bytes: number } | null>;
  /** Forgets a task's copies. */
  release(taskId: string): Promise<void>;
}

export interface CheckedMediaStoreOptions {
  /** copies older than this are removed by the next check; see sweep() */
  keepMs?: number;
  now?: () => number;
}

const STAGING = '.staging';
const MANIFEST = 'manifest.json';
const DEFAULT_KEEP_MS = 2 * 3600_000;

/** The task's folder name; null for an id that is not a plain name (it never names a path). */
function taskDirName(taskId: string): string | null {
  return /^[A-Za-z0-9_-]{1,100}$/.test(taskId) ? taskId : null;
}

/**
 * The copies of remote media that the CHECKING step downloaded and checked, kept per task under
 * one folder of the data directory, so that whatever uses an input later uses those bytes and
 * never asks the server again (a server may answer differently the second time; ADR 0009).
 */
export class CheckedMediaStore implements CheckedMediaReader {
  private readonly keepMs: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(
    private readonly root: string,
    options: CheckedMediaStoreOptions = {},
  ) {
    this.keepMs = options.keepMs ?? DEFAULT_KEEP_MS;
    this.now = options.now ?? Date.now;
  }

  /** A fresh folder to download one task's media into while it is checked. */
  async stage(): Promise<string> {
    await this.sweepNowAndThen();
    const staging = join(this.root, STAGING);
    await mkdir(staging, { recursive: true });
    return mkdtemp(join(staging, 'check-'));
  }

  /** Makes a staged folder the task's kept copies, replacing an earlier check's. */
  async commit(taskId: string, stagedDir: string, entries: readonly CheckedEntry[]): Promise<void> {
    const name = taskDirName(taskId);
    if (name === null) throw new Error(`bad task id for media: ${taskId}`);
    const dest = join(this.root, name);
    await writeFile(join(stagedDir, MANIFEST), JSON.stringify({ entries }));
    await rm(dest, { recursive: true, force: true });
    await rename(stagedDir, dest);
  }

  async take(taskId: string, field: string, url: string, destPath: string) {
    const name = taskDirName(taskId);
    if (name === null) return null;
    const dir = join(this.root, name);
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST), 'utf8');
    } catch {
      return null;
    }
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    const entry = parsed.data.entries.find((e) => e.field === field && e.url === url);
    if (!entry) return null;
    const source = join(dir, entry.name);
    try {
      // a hard link costs nothing; another file system (or no link support) needs a copy
      await link(source, destPath);
    } catch {
      await copyFile(source, destPath);
    }
    return { format: entry.format, bytes: entry.bytes };
  }

  async release(taskId: string): Promise<void> {
    const name = taskDirName(taskId);
    if (name !== null) await rm(join(this.root, name), { recursive: true, force: true });
  }

  /**
   * Removes copies (and abandoned staging folders) older than keepMs: those of tasks that went
   * to an upstream fetching media itself, or failed before anything took them. Returns how many.
   */
  async sweep(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const dir of [this.root, join(this.root, STAGING)]) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name === STAGING) continue;
        const path = join(dir, name);
        const s = await stat(path).catch(() => null);
        if (s && now - s.mtimeMs >= this.keepMs) {
          await rm(path, { recursive: true, force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private async sweepNowAndThen(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep < this.keepMs / 4) return;
    this.lastSweep = now;
    await this.sweep();
  }
}
