import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../auth/token-service.js';
import { defaultHttpEdgeConfig } from '../config/load.js';
import { systemClock } from '../shared/clock.js';
import type { LinkSigner } from '../shared/link-signer.js';
import type { MediaStorage } from '../storage/media-storage.js';
import type { TaskService } from '../tasks/task-service.js';
import { createApp } from './app.js';

/**
 * A route's total time limit, on a real socket: only /healthz is exercised, so the services
 * the other routes need are never called and stand in as empty objects.
 */

const ROUTE_TIMEOUT_MS = 300;
let app: FastifyInstance;
let base = '';
/** a ping that never answers until the test lets it: the route can only end by its time limit */
let pingHangs = false;
const hung: (() => void)[] = [];

before(async () => {
  app = createApp(
    {
      tokens: {} as TokenService,
      tasks: {} as TaskService,
      storage: {} as MediaStorage,
      links: {} as LinkSigner,
      clock: systemClock,
      publicUrl: 'http://localhost',
      resultLinkTtlMs: 60_000,
      ping: () => (pingHangs ? new Promise<void>((r) => hung.push(r)) : Promise.resolve()),
    },
    { logLevel: 'silent', http: { ...defaultHttpEdgeConfig(), routeTimeoutMs: ROUTE_TIMEOUT_MS } },
  );
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  for (const release of hung) release();
  await app?.close();
});

void describe('route time limit', () => {
  it('answers 500 InternalError.Timeout as JSON when a route overruns its total', async () => {
    pingHangs = true;
    const res = await fetch(`${base}/healthz`);
    const body = (await res.json()) as { request_id: string; code: string; message: string };
    assert.equal(res.status, 500);
    assert.equal(body.code, 'InternalError.Timeout');
    assert.equal(res.headers.get('x-request-id'), body.request_id);
  });

  it('answers in time otherwise', async () => {
    pingHangs = false;
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
  });
});
