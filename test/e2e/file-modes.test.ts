import assert from 'node:assert/strict';
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  runVidgateCli,
  startVidgateProcess,
  type VidgateProcess,
} from '../support/vidgate-process.js';
import { z } from 'zod';
import { imageDataUri, makeTempDir, removeDir, taskBodySchema } from './helpers.js';

/** Every entry under `root` (itself included), depth first. */
function walk(root: string): string[] {
  const out = [root];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (lstatSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/*
 * The data dir holds the database (token hashes, sealed upstream keys), the secrets and every
 * result: nothing in it is for other users of the machine. A vidgate started with the most
 * permissive umask must still create it all 0700 / 0600.
 */
describe('file modes of a data dir vidgate created', () => {
  let parent = '';
  let dataDir = '';
  let proc: VidgateProcess | undefined;
  let token = '';
  let previousUmask = 0;

  before(async () => {
    parent = makeTempDir('file-modes');
    dataDir = join(parent, 'data');
    // inherited by the child: the modes below must not depend on the umask vidgate starts with
    previousUmask = process.umask(0o000);
    const env = {
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_SANDBOX_TIME_SCALE: '0.05',
      VIDGATE_LOG_LEVEL: 'warn',
    };
    // the CLI first, so that it is what creates the store; the server must accept its token
    const created = await runVidgateCli(['tokens', 'create', '--json'], env);
    assert.equal(created.code, 0, `${created.stdout}${created.stderr}`);
    token = z.object({ token: z.string() }).parse(JSON.parse(created.stdout)).token;
    proc = await startVidgateProcess({ env });
  });

  after(async () => {
    await proc?.kill();
    process.umask(previousUmask);
    if (parent !== '') removeDir(parent);
  });

  it('is 0700 for every directory and 0600 for every file after a task ran', async () => {
    assert.ok(proc);
    const auth = { authorization: `Bearer ${token}` };
    const res = await fetch(`${proc.url}/task/bailian/image2video`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'wan2.6-i2v-flash',
        input: { prompt: 'a quiet harbour', img_url: await imageDataUri(320, 240) },
        parameters: { resolution: '720P', duration: 2 },
      }),
    });
    let task = taskBodySchema.parse(await res.json());
    assert.equal(res.status, 200, JSON.stringify(task));
    const deadline = Date.now() + 60_000;
    while (!['SUCCEEDED', 'FAILED'].includes(task.output.task_status)) {
      assert.ok(Date.now() < deadline, `task still ${task.output.task_status}`);
      await sleep(200);
      const poll = await fetch(`${proc.url}/task/${task.output.task_id}`, { headers: auth });
      task = taskBodySchema.parse(await poll.json());
    }
    assert.equal(task.output.task_status, 'SUCCEEDED', JSON.stringify(task));
    const link = new URL(task.output.video_url ?? '');
    const video = await fetch(`${proc.url}${link.pathname}${link.search}`);
    assert.equal(video.status, 200);
    await video.arrayBuffer();

    const entries = walk(dataDir);
    const names = entries.map((p) => relative(dataDir, p) || '.');
    for (const expected of ['vidgate.db', 'vidgate.db-wal', 'vidgate.db-shm', 'secrets', 'results'])
      assert.ok(names.includes(expected), `${expected} among ${names.join(', ')}`);
    assert.ok(
      names.some((n) => n.startsWith('results/') && n.endsWith('.mp4')),
      `a result file among ${names.join(', ')}`,
    );
    const wrong = entries.flatMap((p) => {
      const s = lstatSync(p);
      const mode = s.mode & 0o777;
      const want = s.isDirectory() ? 0o700 : 0o600;
      return mode === want ? [] : [`${relative(dataDir, p) || '.'}: ${mode.toString(8)}`];
    });
    assert.deepEqual(wrong, [], 'entries with other modes');
  });
});
