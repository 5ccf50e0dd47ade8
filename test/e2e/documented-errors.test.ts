import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { DEFAULT_LIMITS } from '../../src/channels/channel-limits.js';
import { API_ERRORS } from '../../src/contract/error-codes.js';
import { modelsForMode } from '../../src/models/model-table.js';
import { ChannelStore } from '../../src/store/channel-store.js';
import { openDatabase } from '../../src/store/database.js';
import {
  errorBodySchema,
  makeTempDir,
  removeDir,
  startTestVidgate,
  type ApiResponse,
  type TestVidgate,
} from './helpers.js';

/**
 * Documented errors that no other end-to-end test provokes, over real HTTP against the real
 * server: the create body's missing model or input, an unusable media URL, an internal failure
 * (the store losing a table behind the server's back) whose answer must hide its cause, and a
 * task whose model no channel serves.
 */

let s: TestVidgate;

before(async () => {
  s = await startTestVidgate();
});

after(async () => {
  await s?.stop();
});

/** Asserts a DashScope error body with `code`, the status API_ERRORS gives it, and returns it. */
function expectError(res: ApiResponse, code: keyof typeof API_ERRORS) {
  assert.equal(res.status, API_ERRORS[code], JSON.stringify(res.json));
  const body = errorBodySchema.parse(res.json);
  assert.equal(body.code, code);
  assert.equal(res.headers.get('x-request-id'), body.request_id);
  return body;
}

const TEXT_MODEL = modelsForMode('text')[0]?.name ?? 'no text model in the table';
const IMAGE_MODEL = modelsForMode('first-frame')[0]?.name ?? 'no image model in the table';

void describe('create bodies', () => {
  it('answers a body without a model with 400 BadRequest.EmptyModel naming the field', async () => {
    for (const model of [undefined, '']) {
      const res = await s.api('POST', '/task/bailian/text2video', {
        model,
        input: { prompt: 'a lighthouse at dusk' },
      });
      const { message } = expectError(res, 'BadRequest.EmptyModel');
      assert.match(message, /model/, message);
    }
  });

  it('answers a body without input with 400 BadRequest.EmptyInput naming the field', async () => {
    const res = await s.api('POST', '/task/bailian/text2video', { model: TEXT_MODEL });
    const { message } = expectError(res, 'BadRequest.EmptyInput');
    assert.match(message, /'input'/, message);
  });

  it('answers an unusable media URL with 400 InvalidURL naming the field', async () => {
    for (const url of ['ftp://example.com/frame.png', 'https://', 'data:image/png;base64']) {
      const res = await s.api('POST', '/task/bailian/image2video', {
        model: IMAGE_MODEL,
        input: { prompt: 'waves', img_url: url },
      });
      const { message } = expectError(res, 'InvalidURL');
      assert.match(message, /img_url/, `${url}: ${message}`);
    }
  });
});

void describe('internal failures', () => {
  it('answer 500 InternalError with a generic message, and recover with the store', async () => {
    const path = `/task/task_${'0'.repeat(26)}/events`;
    assert.equal((await s.api('GET', path)).status, 200, 'the route works before the fault');
    // a second connection on the server's own SQLite file, as an operator's tool would open it
    const file = new SqliteDatabase(join(s.dataDir, 'vidgate.db'));
    try {
      file.exec('ALTER TABLE task_events RENAME TO task_events_away');
      const broken = await s.api('GET', path);
      const { message } = expectError(broken, 'InternalError');
      assert.match(message, /request_id/, message);
      for (const detail of ['task_events', 'no such table', 'SQLITE', 'sqlite']) {
        assert.ok(!broken.bytes.toString('utf8').includes(detail), `${detail} is not answered`);
      }
    } finally {
      file.exec('ALTER TABLE task_events_away RENAME TO task_events');
      file.close();
    }
    assert.equal((await s.api('GET', path)).status, 200, 'the same route once the table is back');
  });
});

void describe('task failures', () => {
  /** A store whose only channel serves `models`, so no default channel is added. */
  async function storeWithChannel(dir: string, models: string[], pausedUntil: number | null) {
    const db = await openDatabase({ kind: 'sqlite', path: join(dir, 'vidgate.db') });
    await new ChannelStore(db.kysely).insert({
      id: 'channel_only',
      name: 'only',
      provider: 'sandbox',
      settings: '{}',
      models: JSON.stringify(models),
      priority: 0,
      weight: 1,
      limits: JSON.stringify(DEFAULT_LIMITS),
      enabled: 1,
      pausedUntil,
      pauseReason: pausedUntil === null ? null : 'test',
      createdAt: Date.now(),
    });
    return db;
  }

  it('refuses at create a model no channel lists, naming it', async () => {
    const dir = makeTempDir('no-channel');
    try {
      await (await storeWithChannel(dir, [IMAGE_MODEL], null)).close();
      const vg = await startTestVidgate({ dataDir: dir });
      try {
        const res = await vg.api('POST', '/task/bailian/text2video', {
          model: TEXT_MODEL,
          input: { prompt: 'a lighthouse at dusk' },
        });
        assert.equal(res.status, 400, JSON.stringify(res.json));
        const body = res.json as { code: string; message: string };
        assert.equal(body.code, 'InvalidParameter');
        assert.match(body.message, new RegExp(`${TEXT_MODEL}.*no channel lists it`));
      } finally {
        await vg.stop();
      }
    } finally {
      removeDir(dir);
    }
  });

  it('fails a task whose model no channel serves any more with ModelUnavailable', async () => {
    const dir = makeTempDir('no-channel-later');
    // paused: the task is accepted and waits for the channel, which then stops listing it
    const db = await storeWithChannel(dir, [TEXT_MODEL, IMAGE_MODEL], Date.now() + 3_600_000);
    try {
      const vg = await startTestVidgate({ dataDir: dir });
      try {
        const res = await vg.api('POST', '/task/bailian/text2video', {
          model: TEXT_MODEL,
          input: { prompt: 'a lighthouse at dusk' },
        });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const id = (res.json as { output: { task_id: string } }).output.task_id;
        await db.kysely
          .updateTable('channels')
          .set({ models: JSON.stringify([IMAGE_MODEL]) })
          .execute();
        const { body } = await vg.waitForTask(id, ['SUCCEEDED', 'FAILED', 'CANCELED'], 60_000);
        assert.equal(body.output.task_status, 'FAILED', JSON.stringify(body));
        assert.equal(body.output.code, 'ModelUnavailable');
        assert.ok(body.output.message?.includes(TEXT_MODEL), body.output.message);
      } finally {
        await vg.stop();
      }
    } finally {
      await db.close();
      removeDir(dir);
    }
  });
});
