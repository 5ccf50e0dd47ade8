import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runSimulatorCli } from './sim-cli.js';
import { createdTaskId, SIM_CREATE_PATHS, SIM_DETECT_PATH, simGet, simPost } from './sim-client.js';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('runSimulatorCli', () => {
  it('starts a simulator for the given key, region and limits and prints its base URL', async () => {
    const { out, io } = captureIo();
    const sim = await runSimulatorCli(
      [
        '--port',
        '0',
        '--key',
        'sk-cli',
        '--region',
        'singapore',
        '--time-scale',
        '0.1',
        '--create-rps',
        '2',
      ],
      io,
    );
    assert.ok(typeof sim !== 'number');
    try {
      assert.deepEqual(out, [sim.url]);
      assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      const ok = await fetch(`${sim.url}/tasks/x`, { headers: { authorization: 'Bearer sk-cli' } });
      assert.equal(ok.status, 200);
      const stats = sim.stats().accounts['sim-account'];
      assert.equal(stats?.region, 'singapore');
      const create = () =>
        fetch(`${sim.url}/services/aigc/video-generation/video-synthesis`, {
          method: 'POST',
          headers: {
            authorization: 'Bearer sk-cli',
            'content-type': 'application/json',
            'x-dashscope-async': 'enable',
          },
          body: JSON.stringify({ model: 'wan2.6-i2v', input: { img_url: 'https://e.com/a.png' } }),
        });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await create()).status);
      assert.deepEqual(statuses, [200, 200, 429], '--create-rps 2 applies');
    } finally {
      await sim.close();
    }
  });

  it('--input-media-seconds sets family input lengths; --detect-rps the detect limit', async () => {
    const sim = await runSimulatorCli(
      ['--queue-ms', '0', '--run-ms', '0', '--input-media-seconds', '3', '--detect-rps', '1'],
      captureIo().io,
    );
    assert.ok(typeof sim !== 'number');
    try {
      const created = await simPost(sim.url, SIM_CREATE_PATHS.image2video, {
        model: 'wan2.2-animate-move',
        input: { image_url: 'https://e.com/a.png', video_url: 'https://e.com/v.mp4' },
        parameters: { mode: 'wan-std' },
      });
      const task = await simGet(sim.url, `/tasks/${createdTaskId(created)}`);
      assert.deepEqual(task.json.usage, { video_duration: 3, video_count: 1 });
      const detect = () =>
        simPost(
          sim.url,
          SIM_DETECT_PATH,
          { model: 'wan2.2-s2v-detect', input: {} },
          { async: false },
        );
      assert.equal((await detect()).status, 400, 'admitted, then refused for its body');
      assert.equal((await detect()).status, 429, '--detect-rps 1 applies');
    } finally {
      await sim.close();
    }
    assert.equal(await runSimulatorCli(['--input-media-seconds', '-1'], captureIo().io), 2);
  });

  it('rejects bad flags with exit code 2 and prints help with 0', async () => {
    const bad = captureIo();
    assert.equal(await runSimulatorCli(['--region', 'mars'], bad.io), 2);
    assert.match(bad.err.join('\n'), /--region must be one of beijing, singapore, virginia/);
    assert.equal(await runSimulatorCli(['--time-scale', '0'], captureIo().io), 2);
    assert.equal(await runSimulatorCli(['--bogus'], captureIo().io), 2);
    const help = captureIo();
    assert.equal(await runSimulatorCli(['--help'], help.io), 0);
    assert.match(help.out.join('\n'), /--time-scale/);
  });

  it('runs as a command and stops on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./sim-cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--key', 'sk-cmd'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      const url = chunk.toString('utf8').trim();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      const res = await fetch(`${url}/tasks/x`, { headers: { authorization: 'Bearer sk-cmd' } });
      assert.equal(res.status, 200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
