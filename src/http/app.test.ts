import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { defaultHttpEdgeConfig, loadConfig } from '../config/load.js';
import { createServices, type Services } from '../services/create-services.js';
import { TaskService } from '../tasks/task-service.js';
import { createApp } from './app.js';

/**
 * A route's total time limit, on a real socket, with the real services on a temp data dir;
 * only the store's ping is held, so that /healthz can end by its time limit alone.
 */

const ROUTE_TIMEOUT_MS = 300;
let app: FastifyInstance;
let services: Services;
let dir = '';
let base = '';
/** a ping that never answers until the test lets it: the route can only end by its time limit */
let pingHangs = false;
const hung: (() => void)[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-app-'));
  services = await createServices(
    loadConfig({ VIDGATE_DATA_DIR: dir, VIDGATE_LOG_LEVEL: 'silent' }),
  );
  const s = services;
  app = createApp(
    {
      tokens: s.tokens,
      tasks: new TaskService(s.taskStore, s.clock, {
        dispatchTimeoutMs: 60_000,
        media: s.media,
        inputs: s.inputs,
      }),
      storage: s.storage,
      links: s.links,
      clock: s.clock,
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
  await services?.close();
  rmSync(dir, { recursive: true, force: true });
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
