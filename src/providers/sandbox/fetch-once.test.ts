import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  hlsPlaylist,
  loopbackServer,
  plantFifo,
  type LoopbackServer,
  type PlantedFile,
} from '../../../test/support/media-traps.js';
import { CheckedMediaStore } from '../../media/checked-media.js';
import { locateMediaTools, runTool, type MediaTools } from '../../media/ffmpeg.js';
import { MediaChecker, mediaRulesFromTable } from '../../media/media-checker.js';
import { probeMedia } from '../../media/probe.js';
import { SafeMediaFetcher } from '../../media/safe-media-fetcher.js';
import { findModel } from '../../models/model-table.js';
import { taskRequestOf, type RequestBody } from '../../models/task-request.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { UpstreamView } from '../provider.js';
import { SandboxProvider } from './sandbox-provider.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
let png = Buffer.alloc(0);
let planted: PlantedFile;
let server: LoopbackServer;
let fetcher: SafeMediaFetcher;

/** Answers a valid PNG the first time a path is asked for, and a playlist every time after. */
function switching(path: string): string {
  return `${server.url}${path}`;
}

function i2v(url: string): RequestBody {
  return {
    model: 'wan2.6-i2v-flash',
    input: { prompt: 'a lighthouse', img_url: url },
    parameters: { resolution: '720P', duration: 2, audio: false },
  };
}

function sandbox(workDir: string, extra: { store?: CheckedMediaStore; logger?: Logger } = {}) {
  return new SandboxProvider(
    {
      clock: systemClock,
      logger: extra.logger ?? silentLogger,
      tools,
      fetcher,
      workDir,
      ...(extra.store ? { checkedMedia: extra.store } : {}),
    },
    { maxConcurrentRenders: 1, timeScale: 0.01 },
  );
}

async function finished(provider: SandboxProvider, id: string): Promise<UpstreamView> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = await provider.query(id);
    if (view.kind === 'SUCCEEDED' || view.kind === 'FAILED') return view;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${view.kind}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rules = (model: string) => {
  const spec = findModel(model);
  assert.ok(spec);
  return mediaRulesFromTable(spec.media);
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-fetch-once-'));
  const pngPath = join(dir, 'frame.png');
  // prettier-ignore
  await runTool(tools.ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x480',
    '-frames:v', '1', '-pix_fmt', 'rgb24', pngPath,
  ]);
  png = readFileSync(pngPath);
  planted = plantFifo(dir);
  server = await loopbackServer((_req, res, hit) => {
    if (hit === 1) {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(hlsPlaylist(planted.path));
  });
  fetcher = new SafeMediaFetcher({ timeoutMs: 10_000, allowHosts: [server.host] });
});

after(async () => {
  planted.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('remote media is fetched once per task, and what renders is what was checked', () => {
  void it('renders the checked copy when the server answers a playlist the second time', async () => {
    const store = new CheckedMediaStore(join(dir, 'checked'));
    const checker = new MediaChecker({ fetcher, tools, checked: store, rulesFor: rules });
    const provider = sandbox(join(dir, 'sandbox-a'), { store });
    try {
      const body = i2v(switching('/kept.png'));
      const verdict = await checker.checkRemote(body, undefined, undefined, 'task_kept');
      assert.ok(verdict.ok, verdict.ok ? '' : verdict.message);
      assert.ok(existsSync(join(dir, 'checked', 'task_kept')), 'the checked copy is kept');

      const { upstreamTaskId } = await provider.submit(taskRequestOf(body), {
        requestId: 'task_kept',
      });
      assert.equal(existsSync(join(dir, 'checked', 'task_kept')), false, 'taken by the job');
      const view = await finished(provider, upstreamTaskId);
      assert.equal(view.kind, 'SUCCEEDED', JSON.stringify(view));
      assert.equal(server.hits.get('/kept.png'), 1, 'one fetch for the task');
      assert.equal(planted.opened(), false);

      const out = join(dir, 'kept-result.mp4');
      if (view.kind !== 'SUCCEEDED') return;
      const chunks = (await (await provider.openResult(view.videoUrl)).toArray()) as Buffer[];
      writeFileSync(out, Buffer.concat(chunks));
      const probe = await probeMedia(tools, out);
      assert.equal(probe.video?.codec, 'h264');
      assert.equal(readFileSync(out).includes(planted.secret), false);
    } finally {
      await provider.close();
    }
  });

  void it('without kept copies, fetches once itself and fails cleanly on what it got', async () => {
    const checker = new MediaChecker({ fetcher, tools, rulesFor: rules });
    const provider = sandbox(join(dir, 'sandbox-b'));
    try {
      const body = i2v(switching('/refetched.png'));
      const verdict = await checker.checkRemote(body, undefined, undefined, 'task_refetched');
      assert.ok(verdict.ok);
      const { upstreamTaskId } = await provider.submit(taskRequestOf(body), {
        requestId: 'task_refetched',
      });
      const view = await finished(provider, upstreamTaskId);
      assert.deepEqual(view.kind === 'FAILED' ? [view.code, view.message] : view, [
        'InvalidParameter',
        'input.img_url: the file is not a supported image (JPEG, PNG, BMP or WEBP).',
      ]);
      assert.equal(server.hits.get('/refetched.png'), 2);
      assert.equal(planted.opened(), false, 'the playlist was never handed to ffmpeg');
    } finally {
      await provider.close();
    }
  });

  void it('keeps tool output and paths out of a failed render, and logs them', async () => {
    const fake = join(dir, 'fake-ffmpeg');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "/srv/vidgate/data/sandbox/jobs/x.part: No space" >&2\nexit 1\n',
    );
    chmodSync(fake, 0o755);
    const logged: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      error: (obj, msg) => logged.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
    };
    const provider = new SandboxProvider(
      {
        clock: systemClock,
        logger,
        tools: { ...tools, ffmpeg: fake },
        fetcher,
        workDir: join(dir, 'sandbox-c'),
      },
      { maxConcurrentRenders: 1, timeScale: 0.01 },
    );
    try {
      const body: RequestBody = {
        model: 'wan2.6-t2v',
        input: { prompt: 'a quiet harbour' },
        parameters: { size: '1280*720', duration: 2, audio: false },
      };
      const { upstreamTaskId } = await provider.submit(taskRequestOf(body), {
        requestId: 'task_broken',
      });
      const view = await finished(provider, upstreamTaskId);
      assert.equal(view.kind, 'FAILED');
      if (view.kind !== 'FAILED') return;
      assert.equal(view.code, 'InternalError.Algo');
      assert.equal(
        view.message,
        'The sandbox could not render the video; quote the task_id when reporting it.',
      );
      assert.ok(
        logged.some((l) => l.includes('task_broken') && l.includes('/srv/vidgate/data')),
        logged.join('\n'),
      );
    } finally {
      await provider.close();
    }
  });
});

void describe('CheckedMediaStore', () => {
  void it('sweeps copies nothing took, and ignores task ids that are not plain names', async () => {
    let now = 1_000_000;
    const root = join(dir, 'sweep');
    const store = new CheckedMediaStore(root, { keepMs: 1000, now: () => now });
    const staged = await store.stage();
    writeFileSync(join(staged, 'media-0'), png);
    await store.commit('task_old', staged, [
      {
        field: 'input.img_url',
        url: 'http://x/a.png',
        format: 'png',
        bytes: png.length,
        name: 'media-0',
      },
    ]);
    const dest = join(dir, 'taken.png');
    assert.deepEqual(await store.take('task_old', 'input.img_url', 'http://x/a.png', dest), {
      format: 'png',
      bytes: png.length,
    });
    assert.equal(await store.take('task_old', 'input.img_url', 'http://x/other.png', dest), null);
    assert.deepEqual(readFileSync(dest), png);
    assert.equal(await store.sweep(), 0);
    now = Date.now() + 5000;
    assert.equal(await store.sweep(), 1);
    assert.equal(existsSync(join(root, 'task_old')), false);
    // an id that is not a plain name never reaches the file system
    assert.equal(await store.take('../sweep', 'input.img_url', 'http://x/a.png', dest), null);
    await store.release('..');
    assert.ok(existsSync(root));
    await assert.rejects(store.commit('../escape', await store.stage(), []), /bad task id/);
  });
});
