import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerJsonParser } from './json-body.js';

const BIG = 2 * 1024 * 1024;
const bigBody = (tag: string): string => JSON.stringify({ tag, pad: 'x'.repeat(BIG) });

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('large bodies held at once', () => {
  const app = Fastify({ bodyLimit: 8 * BIG });
  const gate = registerJsonParser(app, 1);
  const handled: string[] = [];
  const holds = new Map<string, () => void>();
  // answers only when the test says so: its body keeps its place until then
  app.post('/hold', async (req) => {
    const body = req.body as { bytes: Uint8Array } | { tag: string };
    const tag = 'tag' in body ? body.tag : JSON.parse(Buffer.from(body.bytes).toString()).tag;
    handled.push(tag as string);
    await new Promise<void>((resolve) => holds.set(tag as string, resolve));
    return { tag };
  });
  after(() => app.close());

  it(
    'reads the next large body only once the held one is answered',
    { timeout: 30_000 },
    async () => {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const post = (tag: string) =>
        fetch(`${url}/hold`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bigBody(tag),
        }).then((r) => r.json() as Promise<{ tag: string }>);
      const first = post('a');
      await until(() => handled.includes('a'));
      const second = post('b');
      await until(() => gate.load.waiting === 1);
      assert.deepEqual(handled, ['a'], 'the second body waits, unread');
      assert.deepEqual(gate.load, { held: 1, waiting: 1 });
      holds.get('a')?.();
      assert.equal((await first).tag, 'a');
      await until(() => handled.includes('b'));
      holds.get('b')?.();
      assert.equal((await second).tag, 'b');
      await until(() => gate.load.held === 0);
      assert.deepEqual(gate.load, { held: 0, waiting: 0 });
    },
  );

  it('does not gate small bodies', { timeout: 30_000 }, async () => {
    const url = app.server.address();
    assert.ok(url && typeof url === 'object');
    const post = (tag: string) =>
      fetch(`http://127.0.0.1:${url.port}/hold`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tag }),
      }).then((r) => r.json() as Promise<{ tag: string }>);
    const a = post('c');
    const b = post('d');
    await until(() => handled.includes('c') && handled.includes('d'));
    assert.equal(gate.load.held, 0);
    holds.get('c')?.();
    holds.get('d')?.();
    assert.deepEqual((await Promise.all([a, b])).map((r) => r.tag).sort(), ['c', 'd']);
  });
});
