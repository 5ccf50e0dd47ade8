import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerJsonParser } from './json-body.js';
import { LargeBodyGate } from './large-body-gate.js';

const BIG = 2 * 1024 * 1024;
const OPTS = { timeout: 30_000 };

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('LargeBodyGate', () => {
  it('grants up to max places, at most perOwner per owner, longest waiting first', async () => {
    const gate = new LargeBodyGate(2, 1);
    const a1 = await gate.acquire('a');
    const order: string[] = [];
    const a2 = gate.acquire('a').then((r) => (order.push('a2'), r));
    const b1 = await gate.acquire('b');
    const c1 = gate.acquire('c').then((r) => (order.push('c1'), r));
    assert.deepEqual(gate.load, { held: 2, waiting: 2 });
    b1();
    b1(); // a second release of one place changes nothing
    // a2 waited longer, but 'a' is at its bound: c1 goes first
    await c1;
    assert.deepEqual(order, ['c1']);
    a1();
    await a2;
    assert.deepEqual(order, ['c1', 'a2']);
    assert.deepEqual(gate.load, { held: 2, waiting: 0 });
  });
});

describe('large bodies held at once, over HTTP', () => {
  const app = Fastify({ bodyLimit: 8 * BIG });
  // stands in for the token check, which runs before any body is read
  app.decorateRequest('caller', null);
  app.addHook('onRequest', (req, _reply, next) => {
    req.caller = { accountId: String(req.headers['x-account']), tokenId: 'tok' };
    next();
  });
  const gate = registerJsonParser(app, { maxLargeBodies: 2, maxLargeBodiesPerAccount: 1 });
  const handled: string[] = [];
  const holds = new Map<string, () => void>();
  // answers only when the test says so: its body keeps its place until then
  app.post('/hold', async (req) => {
    const body = req.body as { bytes: Uint8Array } | { tag: string };
    const tag = String(
      'tag' in body ? body.tag : JSON.parse(Buffer.from(body.bytes).toString()).tag,
    );
    handled.push(tag);
    await new Promise<void>((resolve) => holds.set(tag, resolve));
    return { tag };
  });
  let url = '';
  before(async () => {
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  const post = (account: string, tag: string, pad = BIG) =>
    fetch(`${url}/hold`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-account': account },
      body: JSON.stringify({ tag, pad: 'x'.repeat(pad) }),
    }).then((r) => r.json() as Promise<{ tag: string }>);

  it("reads an account's next large body only once its held one is answered", OPTS, async () => {
    const first = post('acme', 'a');
    await until(() => handled.includes('a'));
    const second = post('acme', 'b');
    await until(() => gate.load.waiting === 1);
    assert.deepEqual(handled, ['a'], 'the second body waits, unread');
    holds.get('a')?.();
    assert.equal((await first).tag, 'a');
    await until(() => handled.includes('b'));
    holds.get('b')?.();
    assert.equal((await second).tag, 'b');
    await until(() => gate.load.held === 0);
  });

  it("lets other accounts through while one account's upload is stalled", OPTS, async () => {
    const stalled = post('slow', 's');
    await until(() => handled.includes('s'));
    const queued = post('slow', 't');
    await until(() => gate.load.waiting === 1);
    const other = post('fast', 'f');
    await until(() => handled.includes('f'));
    assert.ok(!handled.includes('t'), 'the stalled account still waits');
    holds.get('f')?.();
    assert.equal((await other).tag, 'f');
    holds.get('s')?.();
    await until(() => handled.includes('t'));
    holds.get('t')?.();
    assert.deepEqual(
      (await Promise.all([stalled, queued])).map((r) => r.tag),
      ['s', 't'],
    );
  });

  it('does not gate small bodies', OPTS, async () => {
    const a = post('acme', 'c', 10);
    const b = post('acme', 'd', 10);
    await until(() => handled.includes('c') && handled.includes('d'));
    assert.equal(gate.load.held, 0);
    holds.get('c')?.();
    holds.get('d')?.();
    assert.deepEqual((await Promise.all([a, b])).map((r) => r.tag).sort(), ['c', 'd']);
  });
});
