import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startVidgateProcess, type VidgateProcess } from '../support/vidgate-process.js';
import {
  errorBodySchema,
  imageDataUri,
  makeTempDir,
  randomText,
  removeDir,
  startTestVidgate,
  taskBodySchema,
  type ApiResponse,
  type TestVidgate,
} from './helpers.js';
import { rawExchange } from './raw-http.js';

const T2V = '/task/bailian/text2video';

function t2v(prompt: string) {
  return { model: 'wan2.6-t2v', input: { prompt }, parameters: { duration: 5 } };
}

function taskIdOf(res: ApiResponse): string {
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return taskBodySchema.parse(res.json).output.task_id;
}

function expectError(res: ApiResponse, status: number, code: string): string {
  assert.equal(res.status, status, JSON.stringify(res.json));
  const body = errorBodySchema.parse(res.json);
  assert.equal(body.code, code);
  return body.message;
}

describe('Idempotency-Key on creates, over HTTP', () => {
  let s: TestVidgate;
  before(async () => {
    s = await startTestVidgate();
  });
  after(() => s.stop());

  function create(body: unknown, key: string | undefined, token = s.token, path = T2V) {
    return s.request('POST', path, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function tasksWithPrompt(prompt: string): Promise<string[]> {
    const rows = await s.vg.db.kysely.selectFrom('tasks').select(['id', 'request']).execute();
    return rows.filter((r) => r.request.includes(JSON.stringify(prompt))).map((r) => r.id);
  }

  it('answers a repeat with the same body with the first task, marked as replayed', async () => {
    const key = `same-${randomText(12)}`;
    const first = await create(t2v('idempotent same body'), key);
    const id = taskIdOf(first);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    // the same body with its fields in another order and other spacing is the same request
    const reordered = `{ "parameters": {"duration": 5}, "input": {"prompt": "idempotent same body"},
      "model": "wan2.6-t2v" }`;
    for (const body of [t2v('idempotent same body'), reordered]) {
      const again = await create(body, key);
      assert.equal(taskIdOf(again), id);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
    }
    assert.deepEqual(await tasksWithPrompt('idempotent same body'), [id]);
  });

  it('makes a new task for each create without a key', async () => {
    const a = taskIdOf(await create(t2v('no key at all'), undefined));
    const b = taskIdOf(await create(t2v('no key at all'), undefined));
    assert.notEqual(a, b);
    assert.deepEqual((await tasksWithPrompt('no key at all')).sort(), [a, b].sort());
  });

  it('refuses the key with another body or on another route with 422, storing nothing', async () => {
    const key = `other-${randomText(12)}`;
    const id = taskIdOf(await create(t2v('first body under the key'), key));
    const changed = await create(t2v('second body under the key'), key);
    const message = expectError(changed, 422, 'BadRequest.IdempotencyKeyReused');
    assert.match(message, /Idempotency-Key/);
    assert.match(message, new RegExp(id));
    const image = await imageDataUri(64, 64);
    const elsewhere = await create(
      { model: 'wan2.6-i2v-flash', input: { prompt: 'first body under the key', img_url: image } },
      key,
      s.token,
      '/task/bailian/image2video',
    );
    expectError(elsewhere, 422, 'BadRequest.IdempotencyKeyReused');
    assert.deepEqual(await tasksWithPrompt('second body under the key'), []);
    assert.deepEqual(await tasksWithPrompt('first body under the key'), [id]);
  });

  it('makes one task for 100 concurrent creates with one key', async () => {
    const key = `burst-${randomText(12)}`;
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => create(t2v('one hundred at once'), key)),
    );
    const ids = new Set(answers.map(taskIdOf));
    assert.equal(ids.size, 1, `one task id, got ${[...ids].join(', ')}`);
    assert.deepEqual(await tasksWithPrompt('one hundred at once'), [...ids]);
    assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === null).length, 1);
  });

  it('replays a large body (parsed off the event loop) by its bytes', async () => {
    const image = await imageDataUri(640, 480, 'png');
    assert.ok(image.length > 16 * 1024, 'the body takes the large-body path');
    const body = { model: 'wan2.6-i2v-flash', input: { prompt: 'large keyed', img_url: image } };
    const key = `large-${randomText(12)}`;
    const path = '/task/bailian/image2video';
    const id = taskIdOf(await create(body, key, s.token, path));
    const again = await create(body, key, s.token, path);
    assert.equal(taskIdOf(again), id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await tasksWithPrompt('large keyed'), [id]);
  });

  it('keeps the keys of two accounts apart', async () => {
    const other = await s.createToken(`idem-other-${randomText(6)}`);
    const key = `shared-${randomText(12)}`;
    const mine = taskIdOf(await create(t2v('two accounts one key'), key));
    const theirs = taskIdOf(await create(t2v('two accounts one key'), key, other.token));
    assert.notEqual(mine, theirs);
    assert.equal(taskIdOf(await create(t2v('two accounts one key'), key, other.token)), theirs);
    assert.equal(taskIdOf(await create(t2v('two accounts one key'), key)), mine);
    // a different body is refused only within the account that used the key
    const third = await s.createToken(`idem-third-${randomText(6)}`);
    taskIdOf(await create(t2v('another body, third account'), key, third.token));
    const rows = await s.vg.db.kysely
      .selectFrom('tasks')
      .select(['id', 'accountId'])
      .where('id', 'in', [mine, theirs])
      .execute();
    assert.equal(new Set(rows.map((r) => r.accountId)).size, 2);
  });

  it('refuses an empty, an over-long or a repeated key with 400 naming the header', async () => {
    const before = (await s.vg.db.kysely.selectFrom('tasks').select('id').execute()).length;
    const empty = expectError(await create(t2v('bad key'), ''), 400, 'InvalidParameter');
    assert.match(empty, /Idempotency-Key header is empty/);
    const long = expectError(
      await create(t2v('bad key'), 'k'.repeat(256)),
      400,
      'InvalidParameter',
    );
    assert.match(long, /Idempotency-Key header is 256 characters long/);
    const body = JSON.stringify(t2v('bad key'));
    // fetch would join the two into one value; the raw request sends two header lines
    const head = [
      `POST ${T2V} HTTP/1.1`,
      `Host: 127.0.0.1`,
      `Authorization: Bearer ${s.token}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Idempotency-Key: a',
      'Idempotency-Key: b',
      'Connection: close',
    ].join('\r\n');
    const raw = await rawExchange(s.url, `${head}\r\n\r\n${body}`);
    const twice = {
      status: raw.status,
      headers: new Headers(),
      json: raw.json,
      bytes: Buffer.from(raw.body),
    };
    assert.match(expectError(twice, 400, 'InvalidParameter'), /Idempotency-Key header was sent/);
    const after = (await s.vg.db.kysely.selectFrom('tasks').select('id').execute()).length;
    assert.equal(after, before);
    taskIdOf(await create(t2v('longest key'), 'k'.repeat(255)));
  });
});

const KILL_TOKEN = 'vg_idem_kill_token_0123456789abcdefghijklmnopq';
const BURST = 30;

/**
 * A SIGKILL of vidgate with keyed creates on the wire (and some answered before it), then a restart on the same database and
 * every create retried with its key: each key ends with exactly one task and every retry gets it.
 * One create is made to fall between "stored" and "answered" for certain: its answer is never
 * read, and the kill waits until its task is in the database.
 */
describe('Idempotency-Key across a SIGKILL and a restart', () => {
  let dataDir = '';
  let proc: VidgateProcess | undefined;
  before(() => {
    dataDir = makeTempDir('idem-kill');
  });
  after(async () => {
    await proc?.kill();
    removeDir(dataDir);
  });

  const env = () => ({
    VIDGATE_DATA_DIR: dataDir,
    VIDGATE_BOOTSTRAP_TOKEN: KILL_TOKEN,
    VIDGATE_LOG_LEVEL: 'warn',
  });

  async function post(p: VidgateProcess, key: string, prompt: string) {
    const res = await fetch(`${p.url}${T2V}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${KILL_TOKEN}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify(t2v(prompt)),
    });
    const json: unknown = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    return {
      taskId: taskBodySchema.parse(json).output.task_id,
      replayed: res.headers.get('idempotent-replayed') === 'true',
    };
  }

  /** Task ids by prompt, read from the database file as it is on disk. */
  function storedTasks(): Map<string, string[]> {
    const db = new Database(join(dataDir, 'vidgate.db'), { readonly: true });
    try {
      const rows = db.prepare('select id, request from tasks').all() as {
        id: string;
        request: string;
      }[];
      const byPrompt = new Map<string, string[]>();
      for (const r of rows) {
        const prompt = (JSON.parse(r.request) as { input: { prompt: string } }).input.prompt;
        byPrompt.set(prompt, [...(byPrompt.get(prompt) ?? []), r.id]);
      }
      return byPrompt;
    } finally {
      db.close();
    }
  }

  it('maps every key to one task, and every retry gets that task', async (t) => {
    proc = await startVidgateProcess({ env: env() });
    const first = proc;
    // answered before the kill: their retries must be replays of these answers
    const answered = Array.from({ length: 5 }, (_, i) => ({
      key: `kill-answered-${i}`,
      prompt: `kill scene answered ${i}`,
    }));
    const answeredIds: string[] = [];
    for (const a of answered) answeredIds.push((await post(first, a.key, a.prompt)).taskId);
    const burst = Array.from({ length: BURST }, (_, i) => ({
      key: `kill-key-${i}`,
      prompt: `kill burst scene ${i}`,
    }));
    const answers = burst.map((b) => post(first, b.key, b.prompt).catch(() => undefined));

    // the create whose answer is lost for certain: sent on a socket that is never read
    const lost = { key: 'kill-key-unread', prompt: 'kill scene never answered' };
    const body = JSON.stringify(t2v(lost.prompt));
    const socket = connect({ host: '127.0.0.1', port: first.port });
    socket.on('error', () => undefined);
    socket.pause();
    socket.write(
      [
        `POST ${T2V} HTTP/1.1`,
        'Host: 127.0.0.1',
        `Authorization: Bearer ${KILL_TOKEN}`,
        'Content-Type: application/json',
        `Idempotency-Key: ${lost.key}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
    const deadline = Date.now() + 60_000;
    let lostTask: string | undefined;
    while (lostTask === undefined) {
      assert.ok(Date.now() < deadline, 'the unread create was never stored');
      lostTask = storedTasks().get(lost.prompt)?.[0];
      if (lostTask === undefined) await new Promise((r) => setTimeout(r, 5));
    }
    await first.kill('SIGKILL');
    socket.destroy();
    const before = await Promise.all(answers);
    const storedAtKill = storedTasks();
    t.diagnostic(
      `${burst.filter((b) => storedAtKill.has(b.prompt)).length} of ${BURST} burst tasks were stored at the kill`,
    );
    t.diagnostic(
      `${before.filter((a) => !a).length} of ${BURST} burst answers were lost to the kill`,
    );

    const second = await startVidgateProcess({ env: env() });
    proc = second;
    const retried = await post(second, lost.key, lost.prompt);
    assert.deepEqual(retried, { taskId: lostTask, replayed: true });
    const answeredRetries = await Promise.all(answered.map((a) => post(second, a.key, a.prompt)));
    assert.deepEqual(
      answeredRetries,
      answeredIds.map((taskId) => ({ taskId, replayed: true })),
    );
    const retries = await Promise.all(burst.map((b) => post(second, b.key, b.prompt)));
    for (const [i, answer] of before.entries()) {
      if (answer) assert.deepEqual(retries[i], { taskId: answer.taskId, replayed: true });
    }

    const stored = storedTasks();
    assert.deepEqual(stored.get(lost.prompt), [lostTask]);
    for (const [i, a] of answered.entries()) {
      assert.deepEqual(stored.get(a.prompt), [answeredIds[i]], `key ${a.key}`);
    }
    for (const [i, b] of burst.entries()) {
      assert.deepEqual(stored.get(b.prompt), [retries[i]?.taskId], `key ${b.key}`);
    }
  });
});
