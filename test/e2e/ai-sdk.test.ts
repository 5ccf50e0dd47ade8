import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAlibaba } from '@ai-sdk/alibaba';
import {
  APICallError,
  createDownload,
  experimental_generateVideo as generateVideo,
  type GenerateVideoResult,
} from 'ai';
import { startMediaHost, type MediaHost } from '../support/ai-sdk-client.js';
import { startTestVidgate, taskBodySchema, type TestVidgate } from './helpers.js';

/**
 * A real DashScope client, the Vercel AI SDK's Alibaba provider (`@ai-sdk/alibaba` with `ai`),
 * pointed at vidgate on loopback by base URL and key alone, generating on the sandbox.
 *
 * The SDK downloads the finished video itself, and its default download refuses loopback and
 * private addresses (an SSRF guard: validateDownloadUrl in @ai-sdk/provider-utils). vidgate's
 * links here are on loopback, so the first test shows that guard refusing one, and every
 * generation passes the SDK's own `download` option: a function that fetches the link the SDK
 * got, through the test server (its origin is VIDGATE_PUBLIC_URL, which names no real port
 * when the server listens on port 0). Everything else, create and polling, is the SDK's own code.
 */

// the SDK's own default timeout (10 min): a busy machine renders slowly, and a test must not fail for it
const POLL = { pollIntervalMs: 100, pollTimeoutMs: 600_000 };
const MP4_BRAND = 'ftyp';

let s: TestVidgate;
let host: MediaHost;
let mediaUrl: string;
let frameBytes: Buffer;
/** every link the SDK asked to download */
const downloaded: string[] = [];

function alibaba() {
  return createAlibaba({ videoBaseURL: s.url, apiKey: s.token });
}

async function download({ url }: { url: URL }) {
  downloaded.push(url.href);
  const res = await s.fetchResult(url.href);
  assert.equal(res.status, 200, `the video link answers: ${url.href}`);
  return {
    data: new Uint8Array(res.bytes),
    mediaType: res.headers.get('content-type') ?? undefined,
  };
}

/** The video is a real MP4 the SDK received, and the task behind it is SUCCEEDED on vidgate. */
async function checkResult(result: GenerateVideoResult): Promise<void> {
  const bytes = Buffer.from(result.video.uint8Array);
  assert.equal(bytes.subarray(4, 8).toString('latin1'), MP4_BRAND, 'the video is an MP4');
  const meta = result.providerMetadata['alibaba'];
  assert.ok(meta && typeof meta['taskId'] === 'string', 'the SDK reports the task id');
  const task = await s.api('GET', `/api/v1/tasks/${meta['taskId']}`);
  const body = taskBodySchema.parse(task.json);
  assert.equal(body.output.task_status, 'SUCCEEDED');
  // each query signs a fresh link (its exp and sig change by the second): the link is compared
  // without them
  const unsigned = (u: unknown): string => {
    const url = new URL(String(u));
    return `${url.origin}${url.pathname}`;
  };
  assert.equal(unsigned(meta['videoUrl']), unsigned(body.output.video_url), 'vidgate’s own link');
  assert.ok(
    downloaded.some((d) => unsigned(d) === unsigned(body.output.video_url)),
    'the SDK downloaded that link',
  );
}

before(async () => {
  // a media host on loopback for the URL inputs; vidgate is told it may fetch from it
  host = await startMediaHost();
  ({ frameBytes, url: mediaUrl } = host);
  s = await startTestVidgate({
    env: { VIDGATE_SANDBOX_TIME_SCALE: '0.05', VIDGATE_MEDIA_ALLOW_HOSTS: host.hostPort },
  });
});

after(async () => {
  await s?.stop();
  await host?.close();
});

void describe('AI SDK (@ai-sdk/alibaba) against vidgate', () => {
  it("generates t2v; the SDK's default download refuses the loopback link", async () => {
    const result = await generateVideo({
      model: alibaba().video('wan2.6-t2v'),
      prompt: 'A paper boat drifts down a gutter after rain.',
      resolution: '1280x720',
      duration: 2,
      providerOptions: { alibaba: POLL },
      download,
    });
    await checkResult(result);
    const link = result.providerMetadata['alibaba']?.['videoUrl'];
    assert.ok(typeof link === 'string', 'the SDK reports the link');
    await assert.rejects(createDownload()({ url: new URL(link) }), /not allowed/);
  });

  it('generates i2v with the first frame as inline bytes', async () => {
    const result = await generateVideo({
      model: alibaba().video('wan2.6-i2v'),
      prompt: { image: new Uint8Array(frameBytes), text: 'The pattern slowly zooms in.' },
      resolution: '1280x720',
      duration: 2,
      providerOptions: { alibaba: POLL },
      download,
    });
    await checkResult(result);
  });

  it('generates i2v with the first frame as a URL', async () => {
    const result = await generateVideo({
      model: alibaba().video('wan2.6-i2v-flash'),
      prompt: { image: `${mediaUrl}/frame.png`, text: 'The pattern pans left.' },
      resolution: '1280x720',
      duration: 2,
      providerOptions: { alibaba: { ...POLL, audio: false } },
      download,
    });
    await checkResult(result);
  });

  it('generates r2v from reference URLs', async () => {
    const result = await generateVideo({
      model: alibaba().video('wan2.6-r2v'),
      prompt: 'character1 walks through a garden.',
      inputReferences: [`${mediaUrl}/ref.jpg`],
      resolution: '1280x720',
      duration: 2,
      providerOptions: { alibaba: POLL },
      download,
    });
    await checkResult(result);
  });

  it("reads vidgate's DashScope error: status, code and the field it names", async () => {
    const err: unknown = await generateVideo({
      model: alibaba().video('wan2.6-t2v'),
      prompt: 'x',
      duration: 99,
      providerOptions: { alibaba: POLL },
      download,
    }).then(
      () => assert.fail('a 99 s t2v is refused'),
      (e: unknown) => e,
    );
    assert.ok(APICallError.isInstance(err), `an APICallError, got ${String(err)}`);
    assert.equal(err.statusCode, 400);
    assert.equal(err.isRetryable, false, 'the SDK does not retry it');
    assert.match(err.message, /parameters\.duration/);
    assert.match(err.responseBody ?? '', /"code":"InvalidParameter"/);
  });

  it('is refused with 401 through the SDK when the key is wrong', async () => {
    const wrong = createAlibaba({ videoBaseURL: s.url, apiKey: 'sk-not-a-vidgate-key' });
    const err: unknown = await generateVideo({
      model: wrong.video('wan2.6-t2v'),
      prompt: 'x',
      providerOptions: { alibaba: POLL },
      download,
    }).then(
      () => assert.fail('a wrong key is refused'),
      (e: unknown) => e,
    );
    assert.ok(APICallError.isInstance(err), `an APICallError, got ${String(err)}`);
    assert.equal(err.statusCode, 401);
    assert.equal(err.message, 'Invalid API-key provided.');
  });
});
