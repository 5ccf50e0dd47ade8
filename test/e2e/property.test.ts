import assert from 'node:assert/strict';
import { LocalDiskStorage } from '../../src/storage/local-disk-storage.js';
import { TaskInputs } from '../../src/tasks/task-inputs.js';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { BODY_LIMIT_BYTES } from '../../src/http/app.js';
import { API_ERRORS } from '../../src/http/errors.js';
import { findModel, isAllowedDuration } from '../../src/models/model-table.js';
import { effectiveRequest, parseStoredBody } from '../../src/models/task-request.js';
import { validateRequest } from '../../src/models/validate-request.js';
import {
  imageDataUri,
  makeTempDir,
  randomText,
  removeDir,
  startTestVidgate,
  type ApiResponse,
  type TestVidgate,
} from './helpers.js';
import { probes, type Probe } from '../support/create-probes.js';

/**
 * Property: whatever a client sends to the create routes, a running server answers with a
 * DashScope-shaped JSON body and never a 5xx. Bodies are generated from the model table (valid
 * ones must be accepted), then mutated, replaced by random JSON, or sent as broken text.
 *
 * Accepted tasks must not render (10,000 sandbox renders would take hours); a test below checks
 * that none was dispatched. The server runs API-only (VIDGATE_ROLE=api), so no worker claims
 * tasks: a worker would re-claim every queued task each 2 s (the dispatch back-off), which more
 * than doubled the run time. In case a worker runs after all, the sandbox channel is paused for a
 * day in the database between a first start (which creates the store) and the real one: the
 * channel pool re-reads channels only every few seconds, so pausing it under a running server
 * would let the first tasks through (a paused channel still takes creates; a disabled one, alone,
 * would have them refused). The dispatch deadline is a day, so no queued task fails meanwhile.
 */

/** the states of a task no upstream has seen (src/tasks/status.ts) */
const BEFORE_DISPATCH = new Set(['CHECKING', 'QUEUED']);
const BATCH = 50;
const BATCHES = 200;
const MIN_REQUESTS = BATCH * BATCHES;

let s: TestVidgate;
let dataDir = '';
let frameUri = '';
const tally = { requests: 0, accepted: 0 };

async function send(p: Probe): Promise<ApiResponse> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${p.token === undefined ? s.token : `x${p.token}`}`,
  };
  let text: string;
  if ('json' in p.body) {
    headers['content-type'] = 'application/json';
    text = JSON.stringify(p.body.json) ?? 'null';
  } else {
    text = p.body.text;
    if (p.body.contentType !== null) headers['content-type'] = p.body.contentType;
  }
  tally.requests++;
  // a Buffer, because fetch would add its own text/plain type to a string body
  return s.request('POST', p.path, { headers, body: Buffer.from(text, 'utf8') });
}

/** The probe with long strings cut, so a failure shows every field of the body. */
function describeProbe(p: Probe): string {
  const cut = (_k: string, v: unknown) =>
    typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}…(${v.length})` : v;
  return `${p.kind} ${p.path} ${JSON.stringify(p.body, cut).slice(0, 2000)}`;
}

/** The answer every create request must get, whatever was sent. */
function checkAnswer(p: Probe, res: ApiResponse): void {
  // messages are built only on failure: bodies can hold hundreds of kilobytes
  const expect = (ok: boolean, label: string): void => {
    if (ok) return;
    const answer = JSON.stringify(res.json)?.slice(0, 500) ?? 'no JSON';
    assert.fail(`${label}: ${describeProbe(p)} -> ${res.status} ${answer}`);
  };
  expect(res.status < 500, 'no 5xx');
  expect(res.headers.get('content-type')?.startsWith('application/json') === true, 'JSON');
  const body = res.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return expect(false, 'a JSON object');
  }
  const b = body as Record<string, unknown>;
  expect(typeof b.request_id === 'string' && b.request_id !== '', 'a request_id');
  expect(res.headers.get('x-request-id') === b.request_id, 'the same request id as the header');
  if (res.status === 200) {
    const output = b.output as Record<string, unknown> | undefined;
    expect(typeof output?.task_id === 'string' && output.task_id !== '', 'a task_id');
    expect(output?.task_status === 'PENDING', 'task_status PENDING');
  } else {
    expect(res.status >= 400, 'a 4xx');
    expect(typeof b.code === 'string' && typeof b.message === 'string', 'code and message');
    const status = (API_ERRORS as Record<string, number>)[String(b.code)];
    expect(status === res.status, `the status of ${String(b.code)}`);
  }
  if (p.kind === 'valid') expect(res.status === 200, 'a valid body is accepted');
  if (p.kind === 'bad-token') expect(res.status === 401, 'a bad token gets 401');
}

before(async () => {
  frameUri = await imageDataUri(320, 240);
  dataDir = makeTempDir('property');
  const env = {
    VIDGATE_BOOTSTRAP_TOKEN: randomText(32),
    VIDGATE_DISPATCH_TIMEOUT_SECONDS: '86400',
    VIDGATE_ROLE: 'api',
    VIDGATE_SANDBOX_TIME_SCALE: '100',
    // thousands of wrong tokens come from this one address on purpose: the throttle of failed
    // authentication has its own tests (test/e2e/hostile-http.test.ts)
    VIDGATE_AUTH_FAILURE_LIMIT: '1000000',
  };
  const first = await startTestVidgate({ dataDir, env });
  await first.vg.db.kysely
    .updateTable('channels')
    .set({ pausedUntil: Date.now() + 86_400_000, pauseReason: 'property test' })
    .execute();
  await first.stop();
  s = await startTestVidgate({ dataDir, env });
});

after(async () => {
  await s?.stop();
  if (dataDir) removeDir(dataDir);
});

void describe('create routes under generated input', () => {
  it(`answer ${MIN_REQUESTS}+ generated requests with JSON and never a 5xx`, async () => {
    const property = fc.asyncProperty(
      fc.array(probes(frameUri), { minLength: BATCH, maxLength: BATCH }),
      async (batch) => {
        const answers = await Promise.all(batch.map(send));
        // counted first, so the store check below stays exact even after a failed batch
        tally.accepted += answers.filter((r) => r.status === 200).length;
        batch.forEach((p, i) => {
          const res = answers[i];
          if (!res) assert.fail('an answer per request');
          checkAnswer(p, res);
        });
      },
    );
    // no shrinking (a failing batch names its request), and a short report: fast-check's own
    // would print the whole batch, data: URIs and huge strings included
    await fc.assert(property, {
      numRuns: BATCHES,
      endOnFailure: true,
      asyncReporter: (run) => {
        if (!run.failed) return Promise.resolve();
        const why = run.errorInstance instanceof Error ? run.errorInstance.message : 'failed';
        return Promise.reject(new Error(`seed ${run.seed}, batch ${run.numRuns}: ${why}`));
      },
    });
    assert.ok(tally.requests >= MIN_REQUESTS, `sent ${tally.requests} requests`);
    assert.ok(tally.accepted > MIN_REQUESTS / 4, `accepted ${tally.accepted}`);
  });

  it('refuses a body over the size limit with 413, still as JSON', async () => {
    const res = await s.request('POST', '/task/bailian/text2video', {
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'wan2.6-t2v',
        input: { prompt: 'x'.repeat(BODY_LIMIT_BYTES) },
      }),
    });
    assert.equal(res.status, 413);
    assert.equal((res.json as { code?: string } | null)?.code, 'BadRequest.TooLarge');
  });

  it('is still healthy, stored every accepted task once, and dispatched none', async () => {
    const health = await s.request('GET', '/healthz');
    assert.equal(health.status, 200);
    const rows = await s.vg.db.kysely
      .selectFrom('tasks')
      .select(['id', 'state', 'channelId', 'upstreamTaskId', 'submittedAt'])
      .execute();
    assert.equal(rows.length, tally.accepted, 'one stored task per 200 answer');
    const dispatched = rows.filter(
      (r) =>
        !BEFORE_DISPATCH.has(r.state) ||
        r.channelId !== null ||
        r.upstreamTaskId !== null ||
        r.submittedAt !== null,
    );
    assert.deepEqual(dispatched.slice(0, 5), [], `${dispatched.length} tasks went upstream`);
  });

  it('stored bodies that validate again and give effective requests inside the table', async () => {
    const rows = await s.vg.db.kysely.selectFrom('tasks').select(['model', 'request']).execute();
    assert.equal(rows.length, tally.accepted, 'one stored task per 200 answer');
    for (const row of rows) {
      const m = findModel(row.model);
      if (!m) assert.fail(`stored task names unknown model ${row.model}`);
      // inline media is stored apart from the row: the body as sent upstream is validated
      const sent = await new TaskInputs(new LocalDiskStorage(s.dataDir)).resolve(
        parseStoredBody(row.request),
      );
      const again = validateRequest(m.mode, sent);
      if (!again.ok) assert.fail(`a stored body no longer validates: ${again.message}`);
      const eff = effectiveRequest(m, again.body);
      const where = (): string => `${m.name}: ${JSON.stringify(eff).slice(0, 300)}`;
      if (!isAllowedDuration(m.durations, eff.durationSec)) assert.fail(`duration in ${where()}`);
      const out = m.output;
      const outputOk =
        out.kind === 'tier' ? out.tiers.includes(eff.tier) : out.sizes.includes(eff.size ?? '');
      if (!outputOk) assert.fail(`output in ${where()}`);
      if (Array.from(eff.prompt ?? '').length > m.promptMaxChars)
        assert.fail(`prompt in ${where()}`);
      const refs = m.media.references;
      if (refs && (eff.referenceUrls.length < 1 || eff.referenceUrls.length > refs.maxTotal)) {
        assert.fail(`references in ${where()}`);
      }
    }
  });
});
