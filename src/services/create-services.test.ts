import assert from 'node:assert/strict';
import { taskRequestOf } from '../models/task-request.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { findProvider } from '../providers/registry.js';
import { createServices } from './create-services.js';
import { PublicUrl } from './public-url.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vg-services-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'sk-services-0123456789abcdef';

void describe('createServices', () => {
  it('gives the CLI and the server the same keys: tokens and sealed channels cross over', async () => {
    const config = loadConfig({ VIDGATE_DATA_DIR: dir, VIDGATE_LOG_LEVEL: 'silent' });
    const cli = await createServices(config);
    const account = await cli.tokens.ensureAccount('default');
    const issued = await cli.tokens.issue(account, 'cli');
    await cli.channels.create({
      name: 'acct',
      provider: 'dashscope',
      settings: { apiKeys: [KEY] },
    });
    await cli.close();

    const server = await createServices(config);
    try {
      assert.equal((await server.tokens.verify(issued.token))?.id, issued.record.id);
      const row = await server.channelStore.findByName('acct');
      assert.ok(row);
      assert.ok(!row.settings.includes(KEY), 'the key is sealed at rest');
      const definition = findProvider(row.provider);
      assert.ok(definition);
      assert.deepEqual(server.channels.readSettings(row, definition), { apiKeys: [KEY] });
    } finally {
      await server.close();
    }
  });

  it("logs through its own logger, with the providers' secret variables redacted", async () => {
    const lines: string[] = [];
    const s = await createServices(
      loadConfig({ VIDGATE_DATA_DIR: dir, VIDGATE_LOG_LEVEL: 'info', DASHSCOPE_API_KEY: KEY }),
      { logDestination: { write: (line) => void lines.push(line) } },
    );
    try {
      s.logger.info({ upstream: `key ${KEY}` }, `sending with ${KEY}`);
      s.logger.debug({}, 'below the level');
    } finally {
      await s.close();
    }
    assert.equal(lines.length, 1, lines.join(''));
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(line['level'], 30);
    assert.ok(!(lines[0] ?? '').includes(KEY), lines[0]);
    assert.match(String(line['msg']), /^sending with /);
  });

  it("builds each channel's provider with its provider's variables applied", async () => {
    const expected: number[] = [];
    for (const scale of ['1', '0.01']) {
      const s = await createServices(
        loadConfig({
          VIDGATE_DATA_DIR: dir,
          VIDGATE_LOG_LEVEL: 'silent',
          VIDGATE_SANDBOX_TIME_SCALE: scale,
        }),
      );
      const sandbox = findProvider('sandbox');
      assert.ok(sandbox);
      const provider = s.buildProvider(sandbox, {});
      try {
        const submitted = await provider.submit(
          taskRequestOf({
            model: 'wan2.6-t2v',
            input: { prompt: 'a quiet harbour' },
            parameters: { duration: 2 },
          }),
          { requestId: `task-${scale}` },
        );
        expected.push(submitted.expectedRunMs ?? -1);
      } finally {
        await provider.close?.();
        await s.close();
      }
    }
    const [demo = 0, fast = 0] = expected;
    assert.ok(demo >= 6500, `demo speed: ${demo} ms`);
    assert.ok(fast > 0 && fast <= 125, `VIDGATE_SANDBOX_TIME_SCALE=0.01: ${fast} ms`);
  });

  it("refuses a channel its provider's settings schema refuses", async () => {
    const s = await createServices(
      loadConfig({ VIDGATE_DATA_DIR: dir, VIDGATE_LOG_LEVEL: 'silent' }),
    );
    try {
      const dashscope = findProvider('dashscope');
      assert.ok(dashscope);
      assert.throws(() => s.buildProvider(dashscope, {}), /apiKeys/);
    } finally {
      await s.close();
    }
  });
});

void describe('PublicUrl', () => {
  const config = loadConfig({ PORT: '0' });

  it('follows the port the server bound when no public URL is set', () => {
    const url = new PublicUrl(config);
    assert.equal(url.value, 'http://localhost:0');
    url.bound('http://0.0.0.0:43121');
    assert.equal(url.value, 'http://localhost:43121');
  });

  it('keeps VIDGATE_PUBLIC_URL whatever port is bound', () => {
    const url = new PublicUrl(
      loadConfig({ PORT: '0', VIDGATE_PUBLIC_URL: 'https://v.example.com/' }),
    );
    url.bound('http://[::]:43122');
    assert.equal(url.value, 'https://v.example.com');
  });
});
