import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateMediaTools } from '../../src/media/ffmpeg.js';
import { probeMedia } from '../../src/media/probe.js';
import { findModel } from '../../src/models/model-table.js';
import { validBody, withField } from '../../src/models/request-case-bodies.js';
import { taskRequestOf, type RequestBody } from '../../src/models/task-request.js';
import { ProviderError, type ProviderErrorKind } from '../../src/providers/provider-error.js';
import type { ListFilter, UpstreamView, VideoProvider } from '../../src/providers/provider.js';
import {
  acceptedBody,
  type FaultTarget,
  type HarnessFactory,
  type ProviderHarness,
  type UpstreamFault,
} from './provider-harness.js';

const DURATION_SEC = 2;
const WIDTH = 1280;
const HEIGHT = 720;
/** only bounds a render that never ends; no assertion depends on how fast anything is */
const SETTLE_DEADLINE_MS = 180_000;

const tools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });

function model(name: string) {
  const m = findModel(name);
  if (!m) throw new Error(`${name} is not in the model table`);
  return m;
}

/** A short text-to-video task at 1280*720, the smallest thing both upstreams render. */
function taskBody(prompt: string): RequestBody {
  let raw = withField(validBody(model('wan2.6-t2v')), 'input.prompt', prompt);
  raw = withField(raw, 'parameters.size', `${WIDTH}*${HEIGHT}`);
  return acceptedBody('text', withField(raw, 'parameters.duration', DURATION_SEC));
}

/** Queries until the task is no longer PENDING or RUNNING; returns every view seen. */
async function settle(p: VideoProvider, id: string): Promise<UpstreamView[]> {
  const deadline = Date.now() + SETTLE_DEADLINE_MS;
  const views: UpstreamView[] = [];
  for (;;) {
    const view = await p.query(id);
    views.push(view);
    if (view.kind !== 'PENDING' && view.kind !== 'RUNNING') return views;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${view.kind}`);
    await sleep(25);
  }
}

/** Awaits `call`, which must fail with a ProviderError of `kind` (and `code`, when given). */
async function refused(
  call: Promise<unknown>,
  kind: ProviderErrorKind,
  code?: string,
): Promise<ProviderError> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (err) {
    assert.ok(err instanceof ProviderError, `not a ProviderError: ${String(err)}`);
    assert.equal(err.kind, kind, `${err.code}: ${err.message}`);
    if (code !== undefined) assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected a '${kind}' ProviderError, got ${JSON.stringify(outcome)}`);
}

/** The same id with its last character changed: shaped like the upstream's ids, but unknown. */
function unknownLike(id: string): string {
  return id.slice(0, -1) + (id.endsWith('0') ? '1' : '0');
}

/** Downloads a result into `dir` and probes it. */
async function probeResult(p: VideoProvider, videoUrl: string, dir: string) {
  const path = join(dir, `result-${Date.now()}-${Math.random().toString(36).slice(2)}.mp4`);
  await pipeline(await p.openResult(videoUrl), createWriteStream(path));
  return probeMedia(tools, path);
}

function assertRequestedVideo(probe: Awaited<ReturnType<typeof probeMedia>>): void {
  assert.match(probe.format, /mp4/);
  assert.equal(probe.video?.codec, 'h264');
  assert.deepEqual([probe.video.width, probe.video.height], [WIDTH, HEIGHT]);
  const duration = probe.durationSec ?? 0;
  assert.ok(Math.abs(duration - DURATION_SEC) <= 0.15, `duration ${duration} s`);
}

/**
 * The behaviours every provider must show, registered as one `describe` per harness. What a
 * provider cannot do is decided by its capability flags and settings, never by its id.
 */
export function providerConformance(factory: HarnessFactory): void {
  const { definition } = factory;
  const caps = definition.capabilities;

  describe(`provider conformance: ${definition.id}`, () => {
    let h: ProviderHarness;
    let p: VideoProvider;
    let scratch = '';
    let n = 0;
    const submit = (body: RequestBody, on: VideoProvider = p) =>
      on.submit(taskRequestOf(body), { requestId: `conformance-${++n}` });

    before(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'vidgate-conformance-'));
      h = await factory.start();
      p = h.create();
    });
    after(async () => {
      await h.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('has the methods its capability flags promise, and only those', () => {
      assert.equal('list' in p, caps.listTasks, 'list() vs listTasks');
      assert.equal('cancel' in p, caps.cancel, 'cancel() vs cancel');
    });

    it('submit: a valid body gets an upstream task id and a PENDING or RUNNING view', async () => {
      const a = await submit(taskBody('a lighthouse in a storm'));
      const b = await submit(taskBody('a lighthouse in a storm'));
      assert.match(a.upstreamTaskId, /^\S+$/);
      assert.notEqual(a.upstreamTaskId, b.upstreamTaskId);
      assert.ok(['PENDING', 'RUNNING'].includes(a.view.kind), a.view.kind);
      assert.equal((await p.query(a.upstreamTaskId)).kind, 'PENDING');
    });

    describe('a task run to its end', () => {
      let t0 = 0;
      const views: UpstreamView[] = [];
      before(async () => {
        t0 = h.clock.now();
        const { upstreamTaskId: id } = await submit(taskBody('a red fox in fresh snow'));
        views.push(await p.query(id));
        h.clock.advance(h.queueMaxMs + 1);
        views.push(await p.query(id));
        h.clock.advance(h.runMaxMs + 1);
        views.push(...(await settle(p, id)));
      });

      it('query walks PENDING → RUNNING → SUCCEEDED', () => {
        const kinds = views.map((v) => v.kind).filter((k, i, all) => k !== all[i - 1]);
        assert.deepEqual(kinds, ['PENDING', 'RUNNING', 'SUCCEEDED']);
      });

      it('SUCCEEDED carries usage and a video URL, and the times are monotone', () => {
        const last = views.at(-1);
        assert.equal(last?.kind, 'SUCCEEDED', JSON.stringify(last));
        assert.match(last.videoUrl, /^\S+$/);
        assert.equal(last.usage['output_video_duration'], DURATION_SEC);
        assert.equal(last.usage['video_count'], 1);
        assert.equal(last.usage['SR'], HEIGHT);
        assert.equal(last.submitTime, t0, 'submitted at the clock time of the submit');
        assert.ok(last.scheduledTime !== undefined && last.endTime !== undefined);
        assert.ok(t0 <= last.scheduledTime && last.scheduledTime <= last.endTime);
        assert.ok(last.endTime <= h.clock.now());
        let prev = { submit: t0, scheduled: t0, end: t0 };
        for (const v of views) {
          assert.ok(v.kind !== 'CANCELED' && v.kind !== 'UNKNOWN', v.kind);
          assert.equal(v.submitTime, t0, `${v.kind} submitTime`);
          const now = {
            submit: v.submitTime,
            scheduled: v.scheduledTime ?? prev.scheduled,
            end: v.endTime ?? prev.end,
          };
          assert.ok(now.scheduled >= prev.scheduled && now.end >= prev.end, JSON.stringify(v));
          prev = now;
        }
      });

      it('openResult streams a real MP4 of the requested length and size', async () => {
        const last = views.at(-1);
        assert.equal(last?.kind, 'SUCCEEDED');
        assertRequestedVideo(await probeResult(p, last.videoUrl, scratch));
      });
    });

    it('a failing task reports FAILED with its code and a message, and stays so', async () => {
      const { upstreamTaskId: id } = await submit(h.failing.body);
      h.clock.advance(h.queueMaxMs + h.runMaxMs + 2);
      const last = (await settle(p, id)).at(-1);
      assert.equal(last?.kind, 'FAILED', JSON.stringify(last));
      assert.equal(last.code, h.failing.code);
      assert.match(last.message, /\w{3}/);
      assert.deepEqual(await p.query(id), last);
    });

    it('an unknown task id reads UNKNOWN', async () => {
      const { upstreamTaskId: id } = await submit(taskBody('a kite over dunes'));
      assert.deepEqual(await p.query(unknownLike(id)), { kind: 'UNKNOWN' });
      assert.deepEqual(await p.query(`../${id}`), { kind: 'UNKNOWN' });
      assert.equal((await p.query(id)).kind, 'PENDING', 'while the real id is known');
    });

    if (caps.resolvesMediaLocally) {
      it('refuses oss:// inputs, which only DashScope can read', async () => {
        const raw = withField(validBody(model('wan2.6-i2v')), 'input.img_url', 'oss://x/a.png');
        await refused(submit(acceptedBody('first-frame', raw)), 'reject', 'InvalidURL');
      });

      it('refuses a result link that names a file outside its own results', async () => {
        const { upstreamTaskId: id } = await submit(taskBody('a lantern on a pier'));
        h.clock.advance(h.queueMaxMs + h.runMaxMs + 2);
        const last = (await settle(p, id)).at(-1);
        assert.equal(last?.kind, 'SUCCEEDED');
        const prefix = last.videoUrl.slice(0, last.videoUrl.length - id.length);
        for (const link of [`${prefix}../${id}`, `${prefix}${id}/../../etc/passwd`]) {
          await assert.rejects(p.openResult(link), /bad sandbox job id|not a|refus/i);
        }
      });
    }

    if (caps.listTasks) {
      it('list: the task appears in its time window with its status', async () => {
        const list = async (filter: ListFilter) => {
          const page = await p.list?.(filter);
          assert.ok(page, 'list() exists');
          return page;
        };
        const t0 = h.clock.now();
        const body = taskBody('a tram in the rain');
        const { upstreamTaskId: id } = await submit(body);
        const window = { startTime: t0 - 60_000, endTime: t0 + 60_000, pageNo: 1, pageSize: 100 };
        const found = (await list(window)).tasks.find((t) => t.upstreamTaskId === id);
        assert.ok(found, 'listed in its window');
        assert.deepEqual([found.status, found.model, found.createdAt], ['PENDING', body.model, t0]);
        h.clock.advance(h.queueMaxMs + 1);
        const running = (await list(window)).tasks.find((t) => t.upstreamTaskId === id);
        assert.equal(running?.status, 'RUNNING');
        const earlier = { ...window, startTime: t0 - 7_200_000, endTime: t0 - 3_600_000 };
        const ids = (await list(earlier)).tasks.map((t) => t.upstreamTaskId);
        assert.equal(ids.includes(id), false, 'not listed in a window before it');
        const done = (await list({ ...window, status: 'SUCCEEDED' })).tasks;
        assert.equal(
          done.some((t) => t.upstreamTaskId === id),
          false,
          'not under another status',
        );
      });
    }

    if (caps.cancel) {
      describe('cancel', () => {
        // a missing cancel() resolves to undefined here, which every test below rejects
        const cancel = async (id: string) => p.cancel?.(id);

        it('a PENDING task cancels, then reads CANCELED and never runs', async () => {
          const { upstreamTaskId: id } = await submit(taskBody('a paper boat'));
          assert.equal((await p.query(id)).kind, 'PENDING');
          await cancel(id);
          assert.equal((await p.query(id)).kind, 'CANCELED');
          h.clock.advance(h.queueMaxMs + h.runMaxMs + 2);
          assert.equal((await p.query(id)).kind, 'CANCELED');
          await refused(cancel(id), 'reject', 'UnsupportedOperation');
          assert.equal((await h.create().query(id)).kind, 'CANCELED', 'after a restart too');
        });

        it('a RUNNING task is refused with a reject-kind error and keeps running', async () => {
          const { upstreamTaskId: id } = await submit(taskBody('a windmill at noon'));
          h.clock.advance(h.queueMaxMs + 1);
          // running by the upstream's clock even before anyone has asked about it
          await refused(cancel(id), 'reject', 'UnsupportedOperation');
          assert.equal((await p.query(id)).kind, 'RUNNING');
          await refused(cancel(id), 'reject', 'UnsupportedOperation');
          assert.equal((await p.query(id)).kind, 'RUNNING');
        });

        it('a finished task is refused with a reject-kind error', async () => {
          const { upstreamTaskId: id } = await submit(h.failing.body);
          h.clock.advance(h.queueMaxMs + h.runMaxMs + 2);
          const last = (await settle(p, id)).at(-1);
          assert.equal(last?.kind, 'FAILED');
          await refused(cancel(id), 'reject', 'UnsupportedOperation');
          assert.deepEqual(await p.query(id), last);
        });

        it('an unknown task is refused with a reject-kind error', async () => {
          const { upstreamTaskId: id } = await submit(taskBody('a quiet pier'));
          await refused(cancel(unknownLike(id)), 'reject', 'UnsupportedOperation');
        });
      });
    }

    if (definition.secretFields.length > 0) {
      it('a credential the upstream refuses is a channel error', async () => {
        const bad = h.createWithBadCredential?.();
        assert.ok(bad, 'a provider with secrets needs a bad-credential case');
        await refused(submit(taskBody('a locked door'), bad), 'channel');
        const { upstreamTaskId: id } = await submit(taskBody('a locked door'));
        await refused(bad.query(id), 'channel');
      });
    }

    if (factory.hasTransport) {
      describe('upstream faults', () => {
        const cases: Array<[FaultTarget, UpstreamFault, ProviderErrorKind, number?]> = [
          ['submit', { kind: 'rate429', retryAfterSec: 2 }, 'retry', 429],
          ['submit', { kind: 'error5xx', status: 500 }, 'retry', 500],
          ['submit', { kind: 'error5xx', status: 503 }, 'retry', 503],
          // the task may exist upstream: reconcile, never resend blindly
          ['submit', { kind: 'lostAnswer' }, 'uncertain'],
          ['query', { kind: 'rate429', retryAfterSec: 2 }, 'retry', 429],
          ['query', { kind: 'error5xx', status: 500 }, 'retry', 500],
          ['query', { kind: 'error5xx', status: 503 }, 'retry', 503],
          // a read changes nothing upstream, so a lost answer is simply asked again
          ['query', { kind: 'lostAnswer' }, 'retry'],
        ];
        if (caps.cancel) {
          cases.push(
            ['cancel', { kind: 'rate429', retryAfterSec: 2 }, 'retry', 429],
            ['cancel', { kind: 'error5xx', status: 503 }, 'retry', 503],
            // the cancel may have been done: read the task before believing either way
            ['cancel', { kind: 'lostAnswer' }, 'uncertain'],
          );
        }
        for (const [target, fault, kind, status] of cases) {
          const label = fault.kind === 'error5xx' ? `HTTP ${fault.status}` : fault.kind;
          it(`${target}: ${label} is a '${kind}' error`, async () => {
            assert.ok(h.injectFault, 'a harness with a transport injects faults');
            const { upstreamTaskId: id } = await submit(taskBody('a storm over the bay'));
            h.injectFault(target, fault);
            const calls = {
              submit: () => submit(taskBody('a second storm')),
              query: () => p.query(id),
              cancel: async () => p.cancel?.(id),
            };
            const err = await refused(calls[target](), kind);
            assert.equal(err.httpStatus, status);
            if (fault.kind === 'rate429')
              assert.equal(err.retryAfterMs, fault.retryAfterSec * 1000);
            // one request was faulted, the next one is answered: a lost cancel was done upstream
            const lostCancel = target === 'cancel' && fault.kind === 'lostAnswer';
            assert.equal((await p.query(id)).kind, lostCancel ? 'CANCELED' : 'PENDING');
          });
        }
      });
    }

    it('restart: a NEW instance from the same settings finishes a task the first started', async () => {
      const first = h.create();
      const { upstreamTaskId: id } = await submit(taskBody('a night train'), first);
      h.clock.advance(h.queueMaxMs + 1);
      assert.equal((await first.query(id)).kind, 'RUNNING');
      await first.close?.();
      const second = h.create();
      h.clock.advance(h.runMaxMs + 1);
      const last = (await settle(second, id)).at(-1);
      assert.equal(last?.kind, 'SUCCEEDED', JSON.stringify(last));
      assertRequestedVideo(await probeResult(second, last.videoUrl, scratch));
      // a finished task stays finished across the next restart: no status goes backwards
      await second.close?.();
      const third = h.create();
      assert.deepEqual(await third.query(id), last);
      assertRequestedVideo(await probeResult(third, last.videoUrl, scratch));
    });
  });
}
