import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { loadOrCreateSecret } from './secret-file.js';

const run = promisify(execFile);
const MODULE = pathToFileURL(fileURLToPath(new URL('./secret-file.ts', import.meta.url))).href;

describe('loadOrCreateSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vidgate-secret-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a 0600 secret once and reads the same one back', () => {
    const path = join(dir, 'one', 'link-signing.key');
    const first = loadOrCreateSecret(path);
    assert.equal(first.length, 32);
    assert.deepEqual(loadOrCreateSecret(path), first);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'one')), ['link-signing.key'], 'no temp file left');
  });

  it('gives every one of several processes starting together the same secret', async () => {
    const path = join(dir, 'shared', 'link-signing.key');
    // every child spins until one common moment, so the file calls race within microseconds
    // instead of being spread out by each child's start-up time
    const startAt = Date.now() + 4000;
    const code = `import { loadOrCreateSecret } from ${JSON.stringify(MODULE)};
      while (Date.now() < ${startAt});
      process.stdout.write(loadOrCreateSecret(${JSON.stringify(path)}).toString('base64'));`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code]),
      ),
    );
    const secrets = new Set(outputs.map((o) => o.stdout));
    assert.equal(secrets.size, 1, `different secrets: ${[...secrets].join(', ')}`);
    assert.equal(loadOrCreateSecret(path).toString('base64'), [...secrets][0]);
  });

  it('refuses a file that holds no secret instead of replacing it', () => {
    const path = join(dir, 'broken.key');
    writeFileSync(path, 'short\n');
    assert.throws(() => loadOrCreateSecret(path), /holds no 32-byte base64 secret/);
  });
});
