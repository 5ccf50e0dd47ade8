import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { createServices } from '../services/create-services.js';
import { ensureStartupChannels } from './startup-channels.js';
import type { ChannelView } from './channel-service.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts on `dataDir` with `env` as `vidgate serve` does, and returns the channels after. */
async function start(dataDir: string, env: Record<string, string>): Promise<ChannelView[]> {
  const config = loadConfig({ ...env, VIDGATE_DATA_DIR: dataDir, VIDGATE_LOG_LEVEL: 'silent' });
  const s = await createServices(config);
  try {
    await ensureStartupChannels(s.channels, config.providers);
    return await s.channels.list();
  } finally {
    await s.close();
  }
}

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vg-startup-channels-'));
  dirs.push(d);
  return d;
}

const KEY = 'sk-startup-0123456789abcdef';

void describe('ensureStartupChannels', () => {
  it("gives an empty store the embedded upstream's default channel", async () => {
    const channels = await start(dataDir(), {});
    assert.deepEqual(
      channels.map((c) => [c.name, c.provider, c.models, c.limits.maxRunning, c.enabled]),
      [['sandbox', 'sandbox', ['*'], 4, true]],
    );
  });

  it("makes the channel a provider's variables ask for, instead of the default", async () => {
    const channels = await start(dataDir(), {
      DASHSCOPE_API_KEY: KEY,
      DASHSCOPE_HTTP_BASE_URL: 'http://127.0.0.1:9/api/v1/',
      VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '7',
    });
    assert.deepEqual(
      channels.map((c) => [c.name, c.provider, c.enabled]),
      [['dashscope-default', 'dashscope', true]],
    );
    assert.deepEqual(channels[0]?.settings, {
      apiKeys: '[redacted]',
      requestTimeoutMs: 7000,
      baseUrl: 'http://127.0.0.1:9/api/v1',
    });
  });

  it('disables the default channel once a relayed account replaces it, and keeps one channel per name', async () => {
    const dir = dataDir();
    await start(dir, {});
    await start(dir, { DASHSCOPE_API_KEY: KEY });
    const channels = await start(dir, { DASHSCOPE_API_KEY: `${KEY}-rotated` });
    assert.deepEqual(
      channels.map((c) => [c.name, c.enabled]),
      [
        ['sandbox', false],
        ['dashscope-default', true],
      ],
    );
  });
});
