import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { LocalDiskStorage } from './local-disk-storage.js';

const root = mkdtempSync(join(tmpdir(), 'vidgate-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));

const parts = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.part'));

/**
 * A child process that copies an endless slow stream into `key` with the real storage and says
 * `copying` once the partial file has bytes; the test kills it there with SIGKILL.
 */
async function killMidCopy(key: string): Promise<void> {
  const script = `
    import { Readable } from 'node:stream';
    import { LocalDiskStorage } from ${JSON.stringify(new URL('./local-disk-storage.ts', import.meta.url).href)};
    let n = 0;
    const body = new Readable({
      read() {
        setTimeout(() => {
          this.push(Buffer.alloc(64 * 1024, n++));
          if (n === 4) process.stdout.write('copying\\n');
        }, 5);
      },
    });
    await new LocalDiskStorage(${JSON.stringify(root)}).put(${JSON.stringify(key)}, body);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('copying')) resolve();
    });
    child.once('exit', () => reject(new Error('the copier exited before it was killed')));
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

describe('LocalDiskStorage partial copies', () => {
  it('a copy killed midway leaves a part file that the next copy of the key removes', async () => {
    const storage = new LocalDiskStorage(root);
    await killMidCopy('results/a.mp4');
    const dir = join(root, 'results');
    assert.equal(parts(dir).length, 1, 'the kill left a partial copy');

    const stored = await storage.put('results/a.mp4', Readable.from([Buffer.from('video')]));
    assert.equal(stored.size, 5);
    assert.deepEqual(parts(dir), []);
    assert.equal(readFileSync(join(dir, 'a.mp4'), 'utf8'), 'video');
  });

  it('removes a killed copy when its task gives up (delete) and idle ones at start', async () => {
    const storage = new LocalDiskStorage(root);
    const dir = join(root, 'results');
    await killMidCopy('results/b.mp4');
    await storage.delete('results/b.mp4');
    assert.deepEqual(parts(dir), []);

    await killMidCopy('results/c.mp4');
    const [left] = parts(dir);
    assert.ok(left);
    // a part written to a moment ago may belong to a live copy in another process
    assert.equal(await storage.sweepPartials(60_000, Date.now()), 0);
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(dir, left), old, old);
    assert.equal(await storage.sweepPartials(60_000, Date.now()), 1);
    assert.deepEqual(parts(dir), []);
  });
});

describe('LocalDiskStorage.put with a failing source', () => {
  it('reports a source that fails before the copy starts, and leaves nothing behind', async () => {
    const storage = new LocalDiskStorage(root);
    const body = new Readable({ read() {} });
    // fails while put is still making the directory and clearing old parts
    setImmediate(() => body.destroy(new Error('terminated')));
    await assert.rejects(storage.put('results/early/e.mp4', body), /terminated|premature/i);
    assert.deepEqual(parts(join(root, 'results', 'early')), []);
    assert.equal(await storage.stat('results/early/e.mp4'), null);
  });
});
