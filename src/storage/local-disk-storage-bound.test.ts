import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { LocalDiskStorage } from './local-disk-storage.js';
import { ObjectTooLargeError } from './media-storage.js';

const root = mkdtempSync(join(tmpdir(), 'vidgate-storage-bound-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('LocalDiskStorage.put with maxBytes', () => {
  it('stops a body past the bound and keeps neither the object nor a partial copy', async () => {
    const storage = new LocalDiskStorage(root);
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.alloc(64 * 1024, 1));
      },
    });
    await assert.rejects(
      storage.put('results/big.mp4', endless, { maxBytes: 1_000_000 }),
      (err) => {
        assert.ok(err instanceof ObjectTooLargeError);
        return true;
      },
    );
    assert.ok(pulled < 40, `stopped reading (${pulled} chunks)`);
    assert.equal(await storage.stat('results/big.mp4'), null);
    assert.deepEqual(readdirSync(join(root, 'results')), []);
    const fits = await storage.put('results/ok.mp4', Readable.from([Buffer.alloc(10)]), {
      maxBytes: 10,
    });
    assert.equal(fits.size, 10);
  });
});
