import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loopbackServer, type LoopbackServer } from '../../test/support/media-traps.js';
import { MediaFetchError } from './media-fetcher.js';
import { SafeMediaFetcher } from './safe-media-fetcher.js';

let origin: LoopbackServer;
let internal: LoopbackServer;

before(async () => {
  internal = await loopbackServer((_req, res) => {
    res.writeHead(200);
    res.end('internal');
  });
  origin = await loopbackServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/redirect') {
      res.writeHead(302, { location: `${internal.url}/x` });
      res.end();
    } else if (path === '/huge') {
      res.writeHead(200, { 'content-length': String(10 ** 9) });
      res.write('x');
    } else {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end('video bytes');
    }
  });
});

after(async () => {
  await origin.close();
  await internal.close();
});

const isCode = (code: string) => (err: unknown) =>
  err instanceof MediaFetchError && err.code === code;

void describe('SafeMediaFetcher.open', () => {
  const fetcher = new SafeMediaFetcher({ timeoutMs: 5000 });

  void it('lets a per-call entry through, for exactly that host and port', async () => {
    await assert.rejects(
      fetcher.open(`${origin.url}/v.mp4`, { maxBytes: 100 }),
      isCode('InvalidURL'),
    );
    const opened = await fetcher.open(`${origin.url}/v.mp4`, {
      maxBytes: 100,
      alsoAllowHosts: [origin.host],
    });
    const chunks = (await opened.body.toArray()) as Buffer[];
    assert.equal(Buffer.concat(chunks).toString(), 'video bytes');
    assert.equal(opened.declaredBytes, null);
    assert.equal(opened.contentType, 'video/mp4');
    // the entry did not widen the fetcher itself
    await assert.rejects(
      fetcher.open(`${origin.url}/v.mp4`, { maxBytes: 100 }),
      isCode('InvalidURL'),
    );
  });

  void it('re-checks redirects and refuses declared sizes over the bound', async () => {
    const opts = { maxBytes: 100, alsoAllowHosts: [origin.host] };
    await assert.rejects(fetcher.open(`${origin.url}/redirect`, opts), isCode('InvalidURL'));
    assert.equal(internal.total(), 0);
    await assert.rejects(fetcher.open(`${origin.url}/huge`, opts), isCode('InvalidParameter'));
    await assert.rejects(fetcher.open('data:video/mp4;base64,AAAA', opts), isCode('InvalidURL'));
  });
});
