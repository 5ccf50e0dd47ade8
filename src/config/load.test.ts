import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load.js';

const CWD = resolve('/srv/vidgate');

/** Runs loadConfig and returns its problems; fails the test if it does not throw ConfigError. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function assertProblemFor(env: Record<string, string>, key: string): void {
  const problems = problemsOf(env);
  assert.ok(
    problems.some((p) => p.startsWith(`${key}:`)),
    `${key} is named: ${problems.join(' | ')}`,
  );
}

void describe('loadConfig defaults', () => {
  it('runs with an empty environment, on the documented defaults', () => {
    const c = loadConfig({}, CWD);
    assert.equal(c.port, 8080);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.dataDir, resolve(CWD, 'data'));
    assert.equal(c.publicUrl, 'http://localhost:8080');
    assert.equal(c.bootstrapToken, undefined);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.resultLinkTtlMs, 86_400_000);
    assert.equal(c.dispatchTimeoutMs, 3_600_000);
    assert.equal(c.workerConcurrency, 8);
    assert.equal(c.ffmpegPath, undefined);
    assert.equal(c.ffprobePath, undefined);
    assert.equal(c.pathEnv, '');
  });

  it('returns a frozen object', () => {
    const c = loadConfig({}, CWD);
    assert.ok(Object.isFrozen(c));
    assert.throws(() => Object.assign(c, { port: 1 }), TypeError);
  });
});

void describe('loadConfig values', () => {
  it('parses numbers, converts seconds to milliseconds and keeps PATH', () => {
    const c = loadConfig(
      {
        PORT: '9000',
        VIDGATE_RESULT_LINK_TTL_SECONDS: '60',
        VIDGATE_DISPATCH_TIMEOUT_SECONDS: '5',
        VIDGATE_WORKER_CONCURRENCY: '3',
        VIDGATE_LOG_LEVEL: 'silent',
        PATH: '/usr/bin:/bin',
      },
      CWD,
    );
    assert.equal(c.port, 9000);
    assert.equal(c.publicUrl, 'http://localhost:9000', 'the default public URL follows PORT');
    assert.equal(c.resultLinkTtlMs, 60_000);
    assert.equal(c.dispatchTimeoutMs, 5000);
    assert.equal(c.workerConcurrency, 3);
    assert.equal(c.logLevel, 'silent');
    assert.equal(c.pathEnv, '/usr/bin:/bin');
  });

  it('resolves a relative data dir against the working directory and keeps an absolute one', () => {
    assert.equal(loadConfig({ VIDGATE_DATA_DIR: 'state' }, CWD).dataDir, resolve(CWD, 'state'));
    assert.equal(loadConfig({ VIDGATE_DATA_DIR: '/var/lib/vg' }, CWD).dataDir, '/var/lib/vg');
  });

  it('strips trailing slashes from the public URL', () => {
    const c = loadConfig({ VIDGATE_PUBLIC_URL: 'https://video.example.com/gw//' }, CWD);
    assert.equal(c.publicUrl, 'https://video.example.com/gw');
  });

  it('treats empty or blank optional settings as unset', () => {
    const c = loadConfig(
      { VIDGATE_BOOTSTRAP_TOKEN: '   ', VIDGATE_PUBLIC_URL: '', FFMPEG_PATH: '' },
      CWD,
    );
    assert.equal(c.bootstrapToken, undefined);
    assert.equal(c.publicUrl, 'http://localhost:8080');
    assert.equal(c.ffmpegPath, undefined);
  });

  it('keeps a valid bootstrap token as given', () => {
    const token = 'A-long-enough-bootstrap-token-0123456789';
    assert.equal(loadConfig({ VIDGATE_BOOTSTRAP_TOKEN: token }, CWD).bootstrapToken, token);
  });

  it('ignores variables it does not know', () => {
    const c = loadConfig({ HOME: '/root', VIDGATE_NO_SUCH_SETTING: 'x', port: 'abc' }, CWD);
    assert.equal(c.port, 8080);
  });
});

void describe('loadConfig problems', () => {
  it('lists every invalid setting together in one ConfigError', () => {
    const env = { PORT: 'abc', VIDGATE_PUBLIC_URL: 'notaurl', VIDGATE_BOOTSTRAP_TOKEN: 'short' };
    let error: unknown;
    try {
      loadConfig(env, CWD);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 3, error.problems.join(' | '));
    for (const key of Object.keys(env)) {
      assert.ok(
        error.problems.some((p) => p.startsWith(`${key}:`)),
        `${key} in ${error.problems.join(' | ')}`,
      );
      assert.ok(error.message.includes(key), 'the message lists it too');
    }
  });

  it('lists five problems for five bad settings', () => {
    const problems = problemsOf({
      PORT: '70000',
      VIDGATE_LOG_LEVEL: 'loud',
      VIDGATE_SANDBOX_TIME_SCALE: '0',
      VIDGATE_WORKER_CONCURRENCY: '1.5',
      VIDGATE_RESULT_LINK_TTL_SECONDS: '-1',
    });
    assert.equal(problems.length, 5, problems.join(' | '));
  });

  it('refuses out-of-range values', () => {
    for (const port of ['-1', '65536', '80.5', 'eighty']) assertProblemFor({ PORT: port }, 'PORT');
    for (const scale of ['0', '-2', '101', 'fast']) {
      assertProblemFor({ VIDGATE_SANDBOX_TIME_SCALE: scale }, 'VIDGATE_SANDBOX_TIME_SCALE');
    }
    assertProblemFor({ VIDGATE_WORKER_CONCURRENCY: '0' }, 'VIDGATE_WORKER_CONCURRENCY');
    // a provider's own variables are reported like the core settings
    assertProblemFor({ DASHSCOPE_HTTP_BASE_URL: 'not a url' }, 'DASHSCOPE_HTTP_BASE_URL');
    assertProblemFor({ VIDGATE_UPSTREAM_TIMEOUT_SECONDS: '' }, 'VIDGATE_UPSTREAM_TIMEOUT_SECONDS');
    assertProblemFor({ VIDGATE_DISPATCH_TIMEOUT_SECONDS: '0' }, 'VIDGATE_DISPATCH_TIMEOUT_SECONDS');
    assertProblemFor({ VIDGATE_DATA_DIR: '' }, 'VIDGATE_DATA_DIR');
    assertProblemFor({ VIDGATE_BOOTSTRAP_TOKEN: '15-characters..' }, 'VIDGATE_BOOTSTRAP_TOKEN');
  });

  it('never turns an empty PORT into an ephemeral port', () => {
    // PORT= (an unset compose variable) must mean the default, or be refused; 0 is a random port
    let port: number | null = null;
    try {
      port = loadConfig({ PORT: '' }, CWD).port;
    } catch (err) {
      assert.ok(err instanceof ConfigError);
    }
    assert.notEqual(port, 0, 'PORT="" became port 0');
  });

  it('accepts only absolute http(s) URLs as the public URL', () => {
    for (const url of ['localhost:8080', 'ftp://files.example.com', 'javascript:alert(1)']) {
      assertProblemFor({ VIDGATE_PUBLIC_URL: url }, 'VIDGATE_PUBLIC_URL');
    }
    for (const url of ['http://127.0.0.1:8080', 'https://video.example.com']) {
      assert.equal(loadConfig({ VIDGATE_PUBLIC_URL: url }, CWD).publicUrl, url);
    }
  });
});
