import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { runVidgateCli } from '../support/vidgate-process.js';
import {
  imageDataUri,
  makeTempDir,
  removeDir,
  startTestVidgate,
  taskBodySchema,
  type TestVidgate,
} from './helpers.js';

/*
 * Signed webhooks (issue 15 item 4) against a real receiver on loopback: every request is checked
 * with the signing secret the CLI printed, using the Standard Webhooks reference package; the
 * receiver answers 500 to the first two attempts of each message, so every event is delivered
 * only by retries, which must carry the same webhook-id; a replay from the delivery log too. A
 * second receiver on a loopback port that is not allow-listed must never be called.
 */

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

interface Receiver {
  server: Server;
  port: number;
  url: string;
  received: Received[];
}

/** Answers each attempt with `status(earlier attempts of its webhook-id)`. */
async function startReceiver(status: (earlier: number) => number): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const earlier = received.filter((r) => r.headers['webhook-id'] === id).length;
      const answered = status(earlier);
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      res.writeHead(answered, { 'content-type': 'text/plain' });
      res.end(answered === 200 ? 'ok' : 'receiver is down');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `http://127.0.0.1:${port}`, received };
}

const createBody = async (prompt: string) => ({
  model: 'wan2.6-i2v-flash',
  input: { prompt, img_url: await imageDataUri(320, 240) },
  parameters: { resolution: '720P', duration: 2 },
});

const hookBodySchema = z.strictObject({
  type: z.string(),
  timestamp: z.string(),
  data: taskBodySchema,
});

const deliveriesSchema = z.array(
  z.object({
    delivery: z.object({
      id: z.string(),
      webhookId: z.string(),
      taskId: z.string(),
      status: z.string(),
      attempt: z.number(),
    }),
    attempts: z.array(
      z.object({ attempt: z.number(), statusCode: z.number().nullable(), outcome: z.string() }),
    ),
  }),
);

async function until<T>(what: string, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('signed webhooks from the task-event outbox', () => {
  let vg: TestVidgate;
  let good: Receiver;
  let blocked: Receiver;
  let token = '';
  const cliEnv: Record<string, string> = {};
  const cli = async (...args: string[]) => {
    const r = await runVidgateCli(['webhooks', ...args], cliEnv);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout;
  };
  let endpoint = { id: '', secret: '' };
  let blockedEndpoint = { id: '', secret: '' };
  const tasks: string[] = [];

  before(async () => {
    // the first two attempts of each message fail
    good = await startReceiver((earlier) => (earlier < 2 ? 500 : 200));
    blocked = await startReceiver(() => 200);
    vg = await startTestVidgate({
      env: {
        VIDGATE_SANDBOX_TIME_SCALE: '0.05',
        VIDGATE_WEBHOOK_BACKOFF_SCALE: '0.01',
        // only the good receiver's port: the other loopback port must be refused
        VIDGATE_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${good.port}`,
      },
    });
    Object.assign(cliEnv, { VIDGATE_DATA_DIR: vg.dataDir, VIDGATE_LOG_LEVEL: 'silent' });
    token = (await vg.createToken('hooks')).token;
    const parse = (s: string) =>
      z.object({ id: z.string(), secret: z.string() }).parse(JSON.parse(s));
    endpoint = parse(await cli('add', '--account', 'hooks', '--url', `${good.url}/hook`, '--json'));
    blockedEndpoint = parse(
      await cli('add', '--account', 'hooks', '--url', `${blocked.url}/hook`, '--json'),
    );
    // wants only failures, and none happens
    await cli(
      'add',
      ...['--account', 'hooks', '--url', `${good.url}/failed-only`, '--events', 'task.failed'],
    );
  });
  after(async () => {
    await vg.stop();
    good.server.close();
    blocked.server.close();
  });

  it('prints the secret once and lists endpoints without it', async () => {
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await cli('list');
    assert.equal(listed.trim().split('\n').length, 3, listed);
    assert.ok(listed.includes(endpoint.id) && listed.includes(`${good.url}/hook`), listed);
    assert.ok(!listed.includes(endpoint.secret.slice(6, 20)), 'no secret in the listing');
    const bad = await runVidgateCli(
      ['webhooks', 'add', '--account', 'hooks', '--url', 'ftp://x'],
      cliEnv,
    );
    assert.equal(bad.code, 2, 'a non-http URL is refused');
  });

  it('delivers each terminal event, signed, after 500s, with one webhook-id per event', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await vg.api(
        'POST',
        '/task/bailian/image2video',
        await createBody(`harbour ${i}`),
        token,
      );
      assert.equal(res.status, 200, JSON.stringify(res.json));
      tasks.push(taskBodySchema.parse(res.json).output.task_id);
    }
    const verifier = new Webhook(endpoint.secret);
    for (const id of tasks) {
      const done = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED'], 120_000, token);
      assert.equal(done.body.output.task_status, 'SUCCEEDED', JSON.stringify(done.body));
      const delivered = await until(`a delivered webhook for ${id}`, () =>
        good.received.find((r) => r.answered === 200 && r.body.includes(id)),
      );
      const mine = good.received.filter(
        (r) => r.headers['webhook-id'] === delivered.headers['webhook-id'],
      );
      assert.deepEqual(
        mine.map((r) => r.answered),
        [500, 500, 200],
        'two failed attempts, then the retry that worked, all with the same webhook-id',
      );
      for (const r of mine) {
        const headers = {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        };
        verifier.verify(r.body, headers);
        assert.throws(() => verifier.verify(r.body.replace(id, `${id}x`), headers), 'tampered');
        assert.equal(r.headers['content-type'], 'application/json');
      }
      const body = hookBodySchema.parse(JSON.parse(delivered.body));
      assert.equal(body.type, 'task.succeeded');
      assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
      // the task exactly as GET /task/{id} renders it (its link and request id are fresh each time)
      const got = taskBodySchema.parse((await vg.api('GET', `/task/${id}`, undefined, token)).json);
      const { video_url: hookLink, ...hookOutput } = body.data.output;
      const { video_url: getLink, ...getOutput } = got.output;
      assert.deepEqual(hookOutput, getOutput);
      assert.deepEqual(body.data.usage, got.usage);
      assert.equal(new URL(hookLink ?? '').pathname, new URL(getLink ?? '').pathname);
      assert.equal((await vg.fetchResult(hookLink ?? '')).status, 200, 'the link works');
    }
    assert.equal(good.received.filter((r) => r.path === '/failed-only').length, 0);
  });

  it('refuses a private address that is not allow-listed: logged as failed, never sent', async () => {
    let entries: z.infer<typeof deliveriesSchema> = [];
    const deadline = Date.now() + 30_000;
    while (entries.filter((e) => e.attempts.length > 0).length < tasks.length) {
      assert.ok(Date.now() < deadline, JSON.stringify(entries));
      await sleep(250);
      entries = deliveriesSchema.parse(
        JSON.parse(await cli('deliveries', blockedEndpoint.id, '--json')),
      );
    }
    for (const e of entries) {
      assert.equal(e.delivery.status, 'pending', 'retried later, never delivered');
      for (const a of e.attempts) {
        assert.equal(a.statusCode, null);
        assert.match(a.outcome, /^refused: loopback address/);
      }
    }
    assert.equal(blocked.received.length, 0, 'the blocked receiver was never called');
  });

  it('logs every attempt and replays a delivery with the same webhook-id and a rotated secret', async () => {
    const entries = deliveriesSchema.parse(
      JSON.parse(await cli('deliveries', endpoint.id, '--json')),
    );
    assert.deepEqual(entries.map((e) => e.delivery.taskId).sort(), [...tasks].sort());
    for (const e of entries) {
      assert.equal(e.delivery.status, 'delivered');
      assert.deepEqual(
        e.attempts.map((a) => a.statusCode),
        [500, 500, 200],
      );
      assert.equal(e.attempts[0]?.outcome, 'receiver is down', 'the answer excerpt');
    }
    const first = entries[0];
    assert.ok(first);
    const rotated = JSON.parse(await cli('rotate', endpoint.id, '--json')) as { secret: string };
    assert.notEqual(rotated.secret, endpoint.secret);
    const before = good.received.length;
    await cli('replay', first.delivery.id);
    const replayed = await until('the replay', () =>
      good.received.slice(before).find((r) => r.headers['webhook-id'] === first.delivery.webhookId),
    );
    assert.equal(replayed.answered, 200);
    const headers = {
      'webhook-id': String(replayed.headers['webhook-id']),
      'webhook-timestamp': String(replayed.headers['webhook-timestamp']),
      'webhook-signature': String(replayed.headers['webhook-signature']),
    };
    new Webhook(rotated.secret).verify(replayed.body, headers);
    assert.throws(() => new Webhook(endpoint.secret).verify(replayed.body, headers), 'old secret');
    assert.ok(replayed.body.includes(first.delivery.taskId));
  });
});

describe('webhooks across a restart', () => {
  it('delivers an event that failed before the restart afterwards, with the same webhook-id', async () => {
    let down = true;
    const receiver = await startReceiver(() => (down ? 500 : 200));
    const dataDir = makeTempDir('webhooks-restart');
    const env = {
      VIDGATE_SANDBOX_TIME_SCALE: '0.05',
      VIDGATE_WEBHOOK_BACKOFF_SCALE: '0.01',
      VIDGATE_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
    };
    let vg = await startTestVidgate({ dataDir, env });
    try {
      const { token } = await vg.createToken('restart');
      const added = await runVidgateCli(
        ['webhooks', 'add', '--account', 'restart', '--url', `${receiver.url}/h`, '--json'],
        { VIDGATE_DATA_DIR: dataDir, VIDGATE_LOG_LEVEL: 'silent' },
      );
      assert.equal(added.code, 0, added.stdout + added.stderr);
      const { secret } = z.object({ secret: z.string() }).parse(JSON.parse(added.stdout));
      const res = await vg.api(
        'POST',
        '/task/bailian/image2video',
        await createBody('dusk'),
        token,
      );
      const id = taskBodySchema.parse(res.json).output.task_id;
      await vg.waitForTask(id, ['SUCCEEDED'], 120_000, token);
      const failed = await until('a failed attempt', () =>
        receiver.received.find((r) => r.body.includes(id)),
      );
      assert.equal(failed.answered, 500);
      await vg.stop();
      down = false;
      vg = await startTestVidgate({ dataDir, env });
      const delivered = await until('the delivery after the restart', () =>
        receiver.received.find((r) => r.answered === 200),
      );
      assert.equal(delivered.headers['webhook-id'], failed.headers['webhook-id']);
      new Webhook(secret).verify(delivered.body, {
        'webhook-id': String(delivered.headers['webhook-id']),
        'webhook-timestamp': String(delivered.headers['webhook-timestamp']),
        'webhook-signature': String(delivered.headers['webhook-signature']),
      });
      assert.ok(delivered.body.includes(id));
    } finally {
      await vg.stop();
      receiver.server.close();
      removeDir(dataDir);
    }
  });
});
