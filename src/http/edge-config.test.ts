import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/load.js';

/** The HTTP edge settings as the app receives them (src/config parses them). */

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

void describe('HTTP edge settings', () => {
  it('defaults to timeouts that fit a 28 MB body on a slow link, CORS off, 20 failures per 10 s', () => {
    assert.deepEqual(loadConfig({}).http, {
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 600_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      routeTimeoutMs: 30_000,
      maxLargeBodies: 16,
      maxLargeBodiesPerAccount: 4,
      corsOrigins: [],
      authFailureLimit: 20,
      authFailureWindowMs: 10_000,
      trustProxy: [],
    });
  });

  it('reads seconds, origin lists and proxy lists', () => {
    const http = loadConfig({
      VIDGATE_HTTP_REQUEST_TIMEOUT_SECONDS: '5',
      VIDGATE_CORS_ORIGINS: ' https://app.example.com , http://localhost:3000 ',
      VIDGATE_TRUST_PROXY: '10.0.0.0/8, ::1, loopback',
    }).http;
    assert.equal(http.requestTimeoutMs, 5000);
    assert.deepEqual(http.corsOrigins, ['https://app.example.com', 'http://localhost:3000']);
    assert.deepEqual(http.trustProxy, ['10.0.0.0/8', '::1', 'loopback']);
    assert.deepEqual(loadConfig({ VIDGATE_CORS_ORIGINS: '*' }).http.corsOrigins, ['*']);
  });

  it('refuses origins that a browser would never send, and bad proxy entries', () => {
    for (const bad of [
      'app.example.com',
      'https://app.example.com/',
      'https://App.example.com',
      'https://a.example, *',
    ]) {
      const problems = problemsOf({ VIDGATE_CORS_ORIGINS: bad });
      assert.ok(
        problems.some((p) => p.startsWith('VIDGATE_CORS_ORIGINS:')),
        bad,
      );
    }
    for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1', '::1/129']) {
      const problems = problemsOf({ VIDGATE_TRUST_PROXY: bad });
      assert.ok(
        problems.some((p) => p.startsWith('VIDGATE_TRUST_PROXY:')),
        bad,
      );
    }
    const zero = problemsOf({ VIDGATE_AUTH_FAILURE_LIMIT: '0' });
    assert.ok(zero.some((p) => p.startsWith('VIDGATE_AUTH_FAILURE_LIMIT:')));
  });
});
