import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { z } from 'zod';
import { FAMILY_EXAMPLES } from '../../src/models/family-examples.js';
import { REPO_ROOT, startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import { makeTempDir, randomText, removeDir, taskBodySchema } from './helpers.js';

const run = promisify(execFile);
const createAnswer = z.object({
  output: z.object({ task_id: z.string(), task_status: z.string() }),
});

/*
 * docs/models.md's "Try each family" lines, run as a new user would: bash and curl from the
 * repository root against a fresh `vidgate serve` on the sandbox, with the example media its
 * first start wrote. Every family's task must reach SUCCEEDED.
 */
describe('docs/models.md examples on a fresh start', () => {
  let parent = '';
  let proc: VidgateProcess | undefined;
  const token = `vg_${randomText(40)}`;

  before(async () => {
    parent = makeTempDir('doc-examples');
    proc = await startVidgateProcess({
      env: {
        VIDGATE_DATA_DIR: join(parent, 'data'),
        VIDGATE_BOOTSTRAP_TOKEN: token,
        VIDGATE_SANDBOX_TIME_SCALE: '0.05',
        VIDGATE_LOG_LEVEL: 'warn',
      },
    });
  });

  after(async () => {
    await proc?.kill();
    if (parent !== '') removeDir(parent);
  });

  it('covers every family but the flat wan2.6 one (the README walks through that)', () => {
    const families = new Set(FAMILY_EXAMPLES.map((e) => e.family));
    for (const f of ['wan2.7', 'wan3.0', 'happyhorse', 'kf2v', 'vace', 's2v', 'animate']) {
      assert.ok(families.has(f as never), f);
    }
  });

  it('runs each example to SUCCEEDED', async () => {
    const url = proc?.url ?? '';
    const env = {
      ...process.env,
      VIDGATE_URL: url,
      TOKEN: token,
      EX: join(parent, 'data', 'examples'),
    };
    const ids = await Promise.all(
      FAMILY_EXAMPLES.map(async (e) => {
        const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', e.lines.join('\n')], {
          cwd: REPO_ROOT,
          env,
        });
        const last = stdout.trim().split('\n').at(-1) ?? '';
        const parsed = createAnswer.safeParse(JSON.parse(last));
        assert.ok(parsed.success, `${e.model}: ${last}`);
        return { model: e.model, id: parsed.data.output.task_id };
      }),
    );
    for (const { model, id } of ids) {
      const deadline = Date.now() + 300_000;
      for (;;) {
        const res = await fetch(`${url}/task/${id}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        const body = taskBodySchema.parse(await res.json());
        const status = body.output.task_status;
        if (status === 'SUCCEEDED') break;
        assert.ok(
          !['FAILED', 'CANCELED', 'UNKNOWN'].includes(status),
          `${model}: ${JSON.stringify(body)}`,
        );
        assert.ok(Date.now() < deadline, `${model} still ${status}`);
        await sleep(250);
      }
    }
  });
});
