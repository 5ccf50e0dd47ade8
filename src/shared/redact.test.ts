import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { loggerOptions } from './logger.js';
import { maskSecrets, REDACTED, redactFields, redactValues, SECRET_FIELDS } from './redact.js';

void describe('maskSecrets', () => {
  it('masks bearer credentials, vidgate tokens and DashScope keys inside any text', () => {
    const text =
      'auth Bearer s3cr3t-operator-value, token vg_0123456789ABCDEFabcdef0123456789ABCDEF, ' +
      'key sk-0123456789abcdef0123456789abcdef, header Basic dXNlcjpwYXNz';
    const masked = maskSecrets(text);
    for (const secret of [
      's3cr3t-operator-value',
      'vg_0123456789ABCDEF',
      'sk-0123456789abcdef',
      'dXNlcjpwYXNz',
    ])
      assert.ok(!masked.includes(secret), `${secret} in ${masked}`);
    assert.match(masked, /Bearer \[redacted\]/);
  });

  it("masks the credential parts of vidgate's and OSS's signed links, keeping the path", () => {
    const ours = 'GET /results/task_01H.mp4?exp=1700000000&sig=AbC-d_e" 200';
    assert.equal(
      maskSecrets(ours),
      `GET /results/task_01H.mp4?exp=${REDACTED}&sig=${REDACTED}" 200`,
    );
    const oss =
      'fetch https://dashscope-result.oss-cn-beijing.aliyuncs.com/1.mp4?Expires=1700000000&' +
      'OSSAccessKeyId=LTAI5tAbCdEf&Signature=a%2Bb%3D failed';
    const masked = maskSecrets(oss);
    assert.ok(!/LTAI5t|a%2Bb|1700000000/.test(masked), masked);
    assert.match(masked, /aliyuncs\.com\/1\.mp4\?Expires=\[redacted\]&OSSAccessKeyId=/);
    const v4 = '/x.mp4?x-oss-credential=LTAI%2F20250101&x-oss-signature=deadbeef&x-oss-date=1';
    assert.ok(!/LTAI|deadbeef/.test(maskSecrets(v4)), maskSecrets(v4));
  });

  it('masks connection string passwords and leaves ordinary text alone', () => {
    assert.equal(
      maskSecrets('connect postgres://vidgate:hunter2hunter2@db:5432/vg failed'),
      `connect postgres://vidgate:${REDACTED}@db:5432/vg failed`,
    );
    const plain = 'task-worker: task task_01H finished (state SUCCEEDED, exposure=1, skip=2)';
    assert.equal(maskSecrets(plain), plain);
    assert.equal(maskSecrets('listing shows vg_ab12…'), 'listing shows vg_ab12…');
  });

  it('masks configured secret values of any shape, raw and JSON-escaped', () => {
    const odd = 'operator "chosen" token \\ 42 with spaces';
    redactValues([odd, undefined, 'short']);
    assert.equal(maskSecrets(`a ${odd} b`), `a ${REDACTED} b`);
    const json = JSON.stringify({ msg: `said ${odd}` });
    assert.ok(!maskSecrets(json).includes('chosen'), maskSecrets(json));
    assert.equal(maskSecrets('a short b'), 'a short b', 'values under 8 characters are left');
  });
});

void describe('redactFields', () => {
  it('replaces secret fields at any depth and in any case, without changing the original', () => {
    const original = {
      task: 'task_1',
      upstream: { channel: { settings: { apiKeys: ['k1'], nested: [{ Authorization: 'a' }] } } },
      list: [{ token: 't' }, 'plain'],
    };
    const before = JSON.stringify(original);
    assert.deepEqual(redactFields(original), {
      task: 'task_1',
      upstream: {
        channel: { settings: { apiKeys: REDACTED, nested: [{ Authorization: REDACTED }] } },
      },
      list: [{ token: REDACTED }, 'plain'],
    });
    assert.equal(JSON.stringify(original), before);
  });

  it('returns the same object when nothing is secret, and leaves class instances alone', () => {
    const plain = { task: 'task_1', n: 2, nested: { state: 'RUNNING' } };
    assert.equal(redactFields(plain), plain);
    const err = Object.assign(new Error('x'), { token: 'kept for the serializer' });
    assert.equal(redactFields({ err }).err, err);
  });
});

void describe('loggerOptions, as Fastify logs with them', () => {
  async function logged(run: (app: FastifyInstance) => Promise<unknown> | void) {
    const lines: string[] = [];
    const app = Fastify({ logger: loggerOptions('debug', { write: (l) => lines.push(l) }) });
    app.get('/results/:file', () => Promise.resolve({ ok: true }));
    await app.ready();
    await run(app);
    await app.close();
    return lines.join('');
  }

  it('keeps signed result links and credentials out of request logs', async () => {
    const out = await logged(async (app) => {
      await app.inject({
        url: '/results/task_1.mp4?exp=1700000000&sig=SIGNATUREVALUE',
        headers: { authorization: 'Bearer planted-bearer-value', 'x-dashscope-api-key': 'k' },
      });
    });
    assert.match(out, /incoming request/);
    assert.match(out, /\/results\/task_1\.mp4\?exp=\[redacted\]&sig=\[redacted\]/);
    assert.ok(!out.includes('SIGNATUREVALUE') && !out.includes('planted-bearer-value'), out);
  });

  it('redacts secret fields by name at any depth, and secret text in messages and errors', async () => {
    const fields = Object.fromEntries(SECRET_FIELDS.map((f) => [f, `value-of-${f}`]));
    const out = await logged((app) => {
      app.log.info(fields, 'top level');
      app.log.info({ upstream: fields }, 'one down');
      app.log.info({ task: { channel: fields } }, 'two down');
      app.log.info({ a: { b: { c: { d: fields } } } }, 'four down');
      app.log.info({ settings: { apiKeys: ['x-planted-key-1', 'x-planted-key-2'] } }, 'arrays');
      app.log.warn(
        { err: new Error('GET https://oss.example/v.mp4?Expires=1&Signature=planted-sig failed') },
        'result download failed',
      );
      app.log.child({ worker: 'w1' }).error({}, 'sent Bearer planted-child-bearer');
    });
    for (const f of SECRET_FIELDS) assert.ok(!out.includes(`value-of-${f}`), `${f}: ${out}`);
    for (const s of ['x-planted-key', 'planted-sig', 'planted-child-bearer'])
      assert.ok(!out.includes(s), `${s}: ${out}`);
    assert.match(out, /result download failed/);
    assert.equal(out.trim().split('\n').length, 7, 'every line still written');
  });
});
