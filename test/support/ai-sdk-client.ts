import assert from 'node:assert/strict';
import { z } from 'zod';
import type { TestVidgate } from '../e2e/helpers.js';

/** Polling as the SDK does by default (10 min): a busy machine must not fail a test for slowness. */
export const SDK_POLL = { pollIntervalMs: 100, pollTimeoutMs: 600_000 };

/**
 * Pieces shared by tests that drive vidgate with the Vercel AI SDK (`@ai-sdk/alibaba` + `ai`).
 *
 * The SDK's default download refuses loopback links (an SSRF guard in @ai-sdk/provider-utils),
 * and vidgate's links in tests are on loopback, so generations pass `download` from here: it
 * fetches the very link the SDK got, through the test server (the link's origin is
 * VIDGATE_PUBLIC_URL, which names no real port when the server listens on port 0).
 */
export function sdkDownload(
  vg: () => TestVidgate,
  seen: string[],
): (req: { url: URL }) => Promise<{ data: Uint8Array; mediaType: string | undefined }> {
  return async ({ url }) => {
    seen.push(url.href);
    const res = await vg().fetchResult(url.href);
    assert.equal(res.status, 200, `the video link answers: ${url.href}`);
    return {
      data: new Uint8Array(res.bytes),
      mediaType: res.headers.get('content-type') ?? undefined,
    };
  };
}

/** What a promise the test expects to fail rejected with; fails the test if it resolved. */
export async function rejectionOf(p: Promise<unknown>, what: string): Promise<unknown> {
  return p.then(
    () => assert.fail(`expected a rejection: ${what}`),
    (e: unknown) => e,
  );
}

const simTaskSchema = z.object({
  taskId: z.string(),
  accountId: z.string(),
  clientRequestId: z.string().nullable(),
  body: z.object({
    model: z.string(),
    input: z.record(z.string(), z.unknown()),
    parameters: z.record(z.string(), z.unknown()),
  }),
});
export type SimTaskSeen = z.infer<typeof simTaskSchema>;

/** Every task the simulator made, read over its HTTP inspection API (`GET /__sim/tasks`). */
export async function simTasksOverHttp(simOrigin: string): Promise<SimTaskSeen[]> {
  const res = await fetch(`${simOrigin}/__sim/tasks`);
  assert.equal(res.status, 200, 'the simulator lists its tasks');
  return z.object({ tasks: z.array(simTaskSchema) }).parse(await res.json()).tasks;
}

/** Create requests the simulator's account saw, whatever it answered (`GET /__sim/stats`). */
export async function simCreateRequests(simOrigin: string, accountId: string): Promise<number> {
  const res = await fetch(`${simOrigin}/__sim/stats`);
  assert.equal(res.status, 200, 'the simulator reports its stats');
  const stats = z
    .object({ accounts: z.record(z.string(), z.object({ createRequests: z.number() })) })
    .parse(await res.json());
  const account = stats.accounts[accountId];
  assert.ok(account, `the simulator knows account ${accountId}`);
  return account.createRequests;
}
