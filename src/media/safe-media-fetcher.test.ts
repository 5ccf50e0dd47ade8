import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AddressPolicy, addressBlockReason, parseAllowHosts } from './address-policy.js';
import { MediaFetchError } from './media-fetcher.js';
import { SafeMediaFetcher, systemResolver, type HostResolver } from './safe-media-fetcher.js';

interface TestServer {
  port: number;
  hits: string[];
  hosts: string[];
  close(): Promise<void>;
}

async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const hits: string[] = [];
  const hosts: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    hosts.push(req.headers.host ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    hits,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const PAYLOAD = randomBytes(300 * 1024);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir = '';
let origin: TestServer;
let other: TestServer;
let n = 0;
const dest = () => join(dir, `out-${n++}`);

/** A resolver for made-up names; anything else goes to the real system resolver. */
function fakeDns(map: Record<string, string[]>, calls: string[] = []): HostResolver {
  return (hostname) => {
    calls.push(hostname);
    const fake = map[hostname];
    if (!fake) return systemResolver(hostname);
    return Promise.resolve(
      fake.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

function assertCode(code: MediaFetchError['code'], pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof MediaFetchError, `expected MediaFetchError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-fetch-'));
  origin = await startServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/file.bin') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PAYLOAD.length });
      res.end(PAYLOAD);
    } else if (url.startsWith('/redirect-to?')) {
      res.writeHead(302, { location: decodeURIComponent(url.slice('/redirect-to?'.length)) });
      res.end();
    } else if (url === '/relative') {
      res.writeHead(301, { location: '/file.bin' });
      res.end();
    } else if (url === '/loop') {
      res.writeHead(307, { location: '/loop' });
      res.end();
    } else if (url === '/declared-huge') {
      res.writeHead(200, { 'content-length': 50 * 1024 * 1024 });
      res.write(Buffer.alloc(1024));
    } else if (url === '/chunked-huge') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 64; i++) res.write(Buffer.alloc(16 * 1024, 1));
      res.end();
    } else if (url === '/stall-body') {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.write(Buffer.alloc(100));
    } else if (url === '/stall-headers') {
      // never answers
    } else {
      res.writeHead(404);
      res.end('nope');
    }
  });
  other = await startServer((_req, res) => {
    res.writeHead(200);
    res.end('internal secret');
  });
});

after(async () => {
  await origin.close();
  await other.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void describe('addressBlockReason', () => {
  const cases: Record<string, string[]> = {
    loopback: ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1'],
    private: ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fc00::1', 'fd12::1'],
    'link-local': ['169.254.169.254', 'fe80::1', 'fe80::1%eth0', '::ffff:169.254.169.254'],
    unspecified: ['0.0.0.0', '::'],
    shared: ['100.64.0.1', '100.127.255.255'],
    multicast: ['224.0.0.1', 'ff02::1'],
    reserved: ['255.255.255.255', '198.18.0.1', '2001:0:4136:e378::1', '4000::1'],
    documentation: ['2001:db8::1', '203.0.113.9'],
    invalid: ['not-an-ip', '1.2.3'],
    // IPv4 embedded in IPv6 (mapped, NAT64, 6to4) is judged by the IPv4 inside
    embedded: ['::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:7f00:1::'],
    public: ['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '::ffff:8.8.8.8'],
    'public v6': ['64:ff9b::808:808', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'],
  };
  for (const [label, addresses] of Object.entries(cases)) {
    void it(label, () => {
      for (const address of addresses) {
        const reason = addressBlockReason(address);
        if (label.startsWith('public')) assert.equal(reason, null, address);
        else if (label === 'embedded') assert.notEqual(reason, null, address);
        else assert.equal(reason, label, address);
      }
    });
  }
});

void describe('AddressPolicy', () => {
  void it('matches allow-list entries by normalised host and, when given, port', () => {
    const policy = new AddressPolicy(['127.1:8080', 'LocalHost', '[::1]:9000', 'media.example:80']);
    const allowed = (u: string) => policy.isAllowListed(new URL(u));
    assert.equal(allowed('http://127.0.0.1:8080/a'), true);
    assert.equal(allowed('http://127.0.0.1:8081/a'), false);
    assert.equal(allowed('http://localhost:1234/a'), true);
    assert.equal(allowed('http://[::1]:9000/a'), true);
    assert.equal(allowed('http://[::1]:9001/a'), false);
    assert.equal(allowed('http://media.example/a'), true);
    assert.equal(allowed('https://media.example/a'), false);
    assert.equal(policy.checkHostname(new URL('http://127.0.0.1:8081/')), 'loopback');
    assert.equal(policy.checkHostname(new URL('http://127.0.0.1:8080/')), null);
  });

  void it('refuses local-only names before any lookup', () => {
    const policy = new AddressPolicy();
    for (const u of [
      'http://localhost/',
      'http://a.localhost/',
      'http://metadata.google.internal/',
    ]) {
      assert.equal(policy.checkHostname(new URL(u)), 'local-name', u);
    }
    assert.equal(policy.checkHostname(new URL('http://example.com/')), null);
  });

  void it('parses comma or space separated lists and rejects bad entries', () => {
    assert.deepEqual(parseAllowHosts(' a.example, b.example:9000  10.0.0.5 '), [
      'a.example',
      'b.example:9000',
      '10.0.0.5',
    ]);
    assert.throws(() => new AddressPolicy(['host:99999']), /port out of range/);
    assert.throws(() => new AddressPolicy(['bad host']), /Invalid media allow-list entry/);
  });
});

void describe('SafeMediaFetcher', () => {
  void it('refuses literal non-public addresses in every spelling, without connecting', async () => {
    const fetcher = new SafeMediaFetcher({ timeoutMs: 5000 });
    const p = origin.port;
    const urls = [
      `http://127.0.0.1:${p}/file.bin`,
      `http://[::1]:${p}/file.bin`,
      `http://10.0.0.1/x`,
      `http://169.254.169.254/latest/meta-data`,
      `http://2130706433:${p}/file.bin`,
      `http://0x7f.1:${p}/file.bin`,
      `http://127.1:${p}/file.bin`,
      `http://[::ffff:127.0.0.1]:${p}/file.bin`,
      `http://0.0.0.0:${p}/file.bin`,
      `http://[::]:${p}/file.bin`,
      `http://100.64.0.1/x`,
      `https://192.168.0.1/x`,
      `http://[fe80::1]/x`,
      `http://localhost:${p}/file.bin`,
      `http://metadata.google.internal/computeMetadata/v1/`,
    ];
    const before = origin.hits.length;
    for (const url of urls) {
      await assert.rejects(
        fetcher.fetchToFile(url, dest(), { maxBytes: 1e6 }),
        assertCode('InvalidURL', /is not allowed/),
        url,
      );
    }
    assert.equal(origin.hits.length, before, 'no request may reach the server');
  });

  void it('refuses names that resolve to a non-public address, judging every address', async () => {
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      resolve: async (host) => {
        // real DNS: the system resolver's answer for localhost, under a name the name rules pass
        if (host === 'dns-alias.test') return systemResolver('localhost');
        return fakeDns({
          'intranet.test': ['10.1.2.3'],
          'mixed.test': ['93.184.216.34', '10.0.0.1'],
        })(host);
      },
    });
    const real = await systemResolver('localhost');
    assert.ok(real.length > 0 && real.every((a) => addressBlockReason(a.address) === 'loopback'));
    for (const host of ['dns-alias.test', 'intranet.test', 'mixed.test']) {
      await assert.rejects(
        fetcher.fetchToFile(`http://${host}:${origin.port}/file.bin`, dest(), { maxBytes: 1e6 }),
        (err: unknown) => {
          assertCode('InvalidURL', new RegExp(`host '${host}' is not allowed`))(err);
          // the message names the host but never the internal address it resolved to
          assert.doesNotMatch((err as Error).message, /127\.0\.0\.1|10\.\d|::1/);
          return true;
        },
      );
    }
  });

  void it('fetches from an allow-listed loopback host, intact, to the vetted address', async () => {
    const calls: string[] = [];
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      allowHosts: [`127.0.0.1:${origin.port}`, `pinned.test:${origin.port}`],
      resolve: fakeDns({ 'pinned.test': ['127.0.0.1'] }, calls),
    });
    const out = dest();
    const got = await fetcher.fetchToFile(`http://127.0.0.1:${origin.port}/file.bin`, out, {
      maxBytes: 1e6,
    });
    assert.equal(got.bytes, PAYLOAD.length);
    assert.equal(got.contentType, 'image/png');
    assert.equal(sha(readFileSync(out)), sha(PAYLOAD));

    // pinned.test exists in no real DNS: success proves the socket used the resolver's answer
    const out2 = dest();
    await fetcher.fetchToFile(`http://pinned.test:${origin.port}/file.bin`, out2, {
      maxBytes: 1e6,
    });
    assert.equal(sha(readFileSync(out2)), sha(PAYLOAD));
    assert.deepEqual(calls, ['pinned.test']);
    assert.equal(origin.hosts.at(-1), `pinned.test:${origin.port}`);
  });

  void it('re-checks every redirect hop: a public URL may not redirect inward', async () => {
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      allowHosts: [`public.test:${origin.port}`],
      resolve: fakeDns({ 'public.test': ['127.0.0.1'], 'intranet.test': ['10.0.0.7'] }),
    });
    const base = `http://public.test:${origin.port}`;
    for (const target of [
      `http://127.0.0.1:${other.port}/secret`,
      `http://intranet.test:${other.port}/secret`,
      `http://[::ffff:7f00:1]:${other.port}/secret`,
    ]) {
      await assert.rejects(
        fetcher.fetchToFile(`${base}/redirect-to?${encodeURIComponent(target)}`, dest(), {
          maxBytes: 1e6,
        }),
        assertCode('InvalidURL', /redirected to host .* which is not allowed/),
      );
    }
    assert.equal(other.hits.length, 0);
    await assert.rejects(
      fetcher.fetchToFile(
        `${base}/redirect-to?${encodeURIComponent('file:///etc/passwd')}`,
        dest(),
        {
          maxBytes: 1e6,
        },
      ),
      assertCode('InvalidURL', /scheme 'file:'/),
    );
    const out = dest();
    await fetcher.fetchToFile(`${base}/relative`, out, { maxBytes: 1e6 });
    assert.equal(sha(readFileSync(out)), sha(PAYLOAD));
  });

  void it('gives up after five redirects', async () => {
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      allowHosts: [`127.0.0.1:${origin.port}`],
    });
    const before = origin.hits.filter((h) => h === '/loop').length;
    await assert.rejects(
      fetcher.fetchToFile(`http://127.0.0.1:${origin.port}/loop`, dest(), { maxBytes: 1e6 }),
      assertCode('BadRequest.InputDownloadFailed', /more than 5 redirects/),
    );
    assert.equal(origin.hits.filter((h) => h === '/loop').length - before, 6);
  });

  void it('enforces the size bound from Content-Length and while streaming', async () => {
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      allowHosts: [`127.0.0.1:${origin.port}`],
    });
    const started = Date.now();
    await assert.rejects(
      fetcher.fetchToFile(`http://127.0.0.1:${origin.port}/declared-huge`, dest(), {
        maxBytes: 1024 * 1024,
      }),
      assertCode('InvalidParameter', /larger than 1 MB/),
    );
    assert.ok(Date.now() - started < 2000, 'a declared size is refused without waiting');
    const out = dest();
    await assert.rejects(
      fetcher.fetchToFile(`http://127.0.0.1:${origin.port}/chunked-huge`, out, {
        maxBytes: 100_000,
      }),
      assertCode('InvalidParameter', /larger than 97.7 KB/),
    );
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(`${out}.part`), false);
  });

  void it('times out stalled downloads, before and after the headers', async () => {
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 300,
      allowHosts: [`127.0.0.1:${origin.port}`],
    });
    for (const path of ['/stall-headers', '/stall-body']) {
      const started = Date.now();
      await assert.rejects(
        fetcher.fetchToFile(`http://127.0.0.1:${origin.port}${path}`, dest(), { maxBytes: 1e7 }),
        assertCode('BadRequest.InputDownloadFailed', /timed out after 0.3 s/),
      );
      assert.ok(Date.now() - started < 3000, path);
    }
  });

  void it('reports HTTP errors and refused connections as download failures', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      allowHosts: [`127.0.0.1:${origin.port}`, `127.0.0.1:${closed.port}`],
    });
    await assert.rejects(
      fetcher.fetchToFile(`http://127.0.0.1:${origin.port}/missing.png`, dest(), { maxBytes: 1e6 }),
      assertCode('BadRequest.InputDownloadFailed', /from 127\.0\.0\.1 failed: HTTP 404/),
    );
    await assert.rejects(
      fetcher.fetchToFile(`http://127.0.0.1:${closed.port}/x`, dest(), { maxBytes: 1e6 }),
      assertCode('BadRequest.InputDownloadFailed', /ECONNREFUSED/),
    );
  });

  void it('rejects other schemes and junk, and still decodes data: URIs', async () => {
    const fetcher = new SafeMediaFetcher({ timeoutMs: 5000 });
    for (const url of ['ftp://example.com/a.png', 'file:///etc/passwd', 'not a url']) {
      await assert.rejects(
        fetcher.fetchToFile(url, dest(), { maxBytes: 1e6 }),
        assertCode('InvalidURL'),
      );
    }
    const out = dest();
    const got = await fetcher.fetchToFile(
      `data:image/png;base64,${PAYLOAD.toString('base64')}`,
      out,
      {
        maxBytes: 1e6,
      },
    );
    assert.equal(got.contentType, 'image/png');
    assert.equal(sha(readFileSync(out)), sha(PAYLOAD));
  });

  void it("passes the caller's abort through rather than blaming the URL", async () => {
    const fetcher = new SafeMediaFetcher({
      timeoutMs: 5000,
      allowHosts: [`127.0.0.1:${origin.port}`],
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(
      fetcher.fetchToFile(`http://127.0.0.1:${origin.port}/stall-body`, dest(), {
        maxBytes: 1e7,
        signal: controller.signal,
      }),
      (err: unknown) => {
        assert.ok(!(err instanceof MediaFetchError));
        assert.equal((err as Error).name, 'AbortError');
        return true;
      },
    );
    assert.equal(
      readdirSync(dir).filter((f) => f.endsWith('.part')).length,
      0,
      'partial downloads are removed',
    );
  });
});
