import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/load.js';
import { createServices, type Services } from '../services/create-services.js';
import { channelsCommand } from './channels-command.js';

let dir: string;
let services: Services;

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await channelsCommand(services, args, (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vg-channels-cli-'));
  services = await createServices(
    loadConfig({ VIDGATE_DATA_DIR: dir, VIDGATE_LOG_LEVEL: 'silent' }),
  );
});

after(async () => {
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('vidgate channels add', () => {
  it('takes the flags the provider declares: a preset, then its settings over it', async () => {
    const added = await run(
      'add',
      'acct',
      '--key',
      'sk-one-1234567890',
      '--key',
      'sk-two-1234567890',
      '--region',
      'singapore',
      '--max-running',
      '2',
    );
    assert.equal(added.code, 0, added.out);
    const listed = await run('list');
    const view = listed.out
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((c) => c['name'] === 'acct');
    assert.ok(view, listed.out);
    assert.equal(view['provider'], 'dashscope', 'without --provider, an account to relay');
    assert.deepEqual(view['settings'], {
      baseUrl: 'https://dashscope-intl.aliyuncs.com/api/v1',
      region: 'singapore',
      apiKeys: '[redacted]',
    });
    assert.deepEqual(view['models'], ['*']);
    assert.equal((view['limits'] as Record<string, number>)['maxRunning'], 2);
    assert.ok(!listed.out.includes('sk-one'), 'keys are never printed');
  });

  it('lets a flag override the preset it follows', async () => {
    const added = await run(
      'add',
      'custom',
      '--key',
      'sk-three-123456789',
      '--region',
      'beijing',
      '--base-url',
      'http://127.0.0.1:9/api/v1',
    );
    assert.equal(added.code, 0, added.out);
    const view = (await services.channels.list()).find((c) => c.name === 'custom');
    assert.equal(view?.settings['baseUrl'], 'http://127.0.0.1:9/api/v1');
  });

  it('refuses a preset the provider does not have, naming the ones it has', async () => {
    const r = await run('add', 'mars', '--key', 'sk-four-123456789', '--region', 'mars');
    assert.equal(r.code, 2);
    assert.equal(r.out, 'unknown region mars; use beijing, singapore, virginia or --base-url');
  });

  it("refuses another provider's flag instead of storing it where nothing reads it", async () => {
    const r = await run('add', 'local', '--provider', 'sandbox', '--key', 'sk-five-123456789');
    assert.equal(r.code, 2);
    assert.equal(r.out, '--key: not a flag of provider sandbox');
    assert.equal(
      (await services.channels.list()).find((c) => c.name === 'local'),
      undefined,
    );
  });

  it('adds a channel of a provider without flags of its own, on its default models', async () => {
    const r = await run('add', 'local', '--provider', 'sandbox');
    assert.equal(r.code, 0, r.out);
    const view = (await services.channels.list()).find((c) => c.name === 'local');
    assert.equal(view?.provider, 'sandbox');
    assert.deepEqual(view?.models, ['*']);
  });

  it("reports the provider's own settings problems", async () => {
    const r = await run('add', 'nokey');
    assert.equal(r.code, 1);
    assert.match(r.out, /apiKeys: at least one API key/);
  });

  it('names an unknown provider and the known ones', async () => {
    const r = await run('add', 'other', '--provider', 'nosuch');
    assert.equal(r.code, 1);
    assert.match(r.out, /unknown provider 'nosuch'; known: sandbox, dashscope/);
  });

  it("shows each provider's flags in the usage", async () => {
    const r = await run('add');
    assert.equal(r.code, 2);
    assert.match(r.out, /--provider sandbox\|dashscope/);
    assert.match(
      r.out,
      /dashscope: --key KEY \[--key KEY2\] \[--base-url URL\] \[--region beijing\|singapore\|virginia\]/,
    );
    assert.match(r.out, /sandbox: no flags of its own/);
  });
});
