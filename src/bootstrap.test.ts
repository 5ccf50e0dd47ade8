import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenService } from './auth/token-service.js';
import { announceFirstToken, bootstrap, firstTokenFile, type FirstToken } from './bootstrap.js';
import { ConfigError } from './config/load.js';
import { locateMediaTools } from './media/ffmpeg.js';
import { systemClock } from './shared/clock.js';
import { AccountStore } from './store/account-store.js';
import { openDatabase, type Db } from './store/database.js';

function first(source: FirstToken['source'], token: string): FirstToken {
  return {
    source,
    token,
    record: {
      id: 'tok_01FIRST',
      accountId: 'acc_1',
      name: 'bootstrap',
      prefix: `${token.slice(0, 7)}…`,
      createdAt: 1,
      revokedAt: null,
    },
  };
}

const count = (text: string, part: string): number => text.split(part).length - 1;

void describe('announceFirstToken', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vidgate-banner-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const opts = (dataDir: string, interactive: boolean) => ({
    publicUrl: 'http://localhost:8080',
    examplesDir: join(dataDir, 'examples'),
    dataDir,
    interactive,
  });

  it('shows a generated token exactly once to a person at a terminal', () => {
    const token = `vg_${randomBytes(20).toString('hex')}`;
    const text = announceFirstToken(first('generated', token), opts(join(dir, 'tty'), true));
    assert.equal(count(text, token), 1, text);
    assert.match(text, /shown ONCE/);
    assert.equal(existsSync(firstTokenFile(join(dir, 'tty'))), false);
  });

  it('puts a generated token in a 0600 file, not in output that is not a terminal', () => {
    const token = `vg_${randomBytes(20).toString('hex')}`;
    const dataDir = join(dir, 'pipe');
    const text = announceFirstToken(first('generated', token), opts(dataDir, false));
    assert.equal(count(text, token), 0, text);
    const file = firstTokenFile(dataDir);
    assert.ok(text.includes(file), text);
    assert.equal(readFileSync(file, 'utf8').trim(), token);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'secrets')).mode & 0o777, 0o700);
  });

  it("never echoes the operator's VIDGATE_BOOTSTRAP_TOKEN, terminal or not", () => {
    const token = `Operator-${randomBytes(24).toString('base64url')}`;
    for (const interactive of [true, false]) {
      const dataDir = join(dir, `env-${interactive}`);
      const text = announceFirstToken(first('environment', token), opts(dataDir, interactive));
      assert.equal(count(text, token.slice(7)), 0, text);
      assert.match(text, /from VIDGATE_BOOTSTRAP_TOKEN: tok_01FIRST \(Operato…\)/);
      assert.match(text, /vidgate created the first account and token/);
      assert.equal(existsSync(firstTokenFile(dataDir)), false);
    }
  });
});

void describe('bootstrap', () => {
  let dir = '';
  let db: Db;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vidgate-bootstrap-'));
    db = await openDatabase({ kind: 'sqlite', path: join(dir, 'vidgate.db') });
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops on a weak VIDGATE_BOOTSTRAP_TOKEN with the rule, creating no token', async () => {
    const accounts = new AccountStore(db.kysely);
    const err = await bootstrap({
      accounts,
      tokens: new TokenService(accounts, systemClock, Buffer.alloc(32, 3)),
      dataDir: dir,
      bootstrapToken: 'only-sixteen-chr',
      tools: locateMediaTools({ pathEnv: process.env['PATH'] ?? '' }),
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.problems[0] ?? '', /^VIDGATE_BOOTSTRAP_TOKEN: too weak: .*at least 32/);
    assert.ok(!err.message.includes('only-sixteen-chr'), 'the value is not repeated');
    assert.deepEqual(await accounts.listTokens(), []);
    assert.equal(await accounts.countAccounts(), 0, 'the next start still bootstraps');
  });
});
