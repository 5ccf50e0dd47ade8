import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTestPostgres } from '../../test/support/postgres.js';
import { DIALECTS, openBackend, type Backend } from '../../test/support/store-backends.js';
import { SecretBox } from '../channels/secret-box.js';
import { silentLogger } from '../shared/logger.js';
import { openDatabase, type Db } from '../store/database.js';
import type { TaskRow } from '../store/task-store.js';
import { WebhookStore } from '../store/webhook-store.js';
import { WEBHOOK_DISABLE_AFTER_MS } from './retry-schedule.js';
import { WebhookAdmin } from './webhook-admin.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import type { SendOutcome } from './webhook-sender.js';

const testPostgres = withTestPostgres();
testPostgres.catch(() => undefined);

const T0 = 1_800_000_000_000;

interface Sent {
  url: string;
  webhookId: string;
  body: string;
}

/** The outbox, the delivery store and the claim on both dialects, with a fake clock and sender. */
for (const dialect of DIALECTS) {
  describe(`webhook dispatcher on the store: ${dialect}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await openBackend(dialect, testPostgres);
    });
    after(() => backend.close());

    async function setup(t: { after(fn: () => Promise<void>): void }) {
      const db: Db = await openDatabase(await backend.empty());
      t.after(() => db.close());
      const clock = { t: T0, now: () => clock.t };
      const store = new WebhookStore(db.kysely, db.capabilities);
      const box = new SecretBox(Buffer.alloc(32, 7));
      const admin = new WebhookAdmin(store, box, clock);
      const sent: Sent[] = [];
      let answer = 200;
      const dispatcher = (owner: string) =>
        new WebhookDispatcher({
          store,
          tasks: { get: (id: string) => Promise.resolve({ id } as TaskRow) },
          box,
          sender: {
            send(url, headers, body): Promise<SendOutcome> {
              sent.push({ url, webhookId: headers['webhook-id'] ?? '', body });
              const ok = answer >= 200 && answer < 300;
              return Promise.resolve({ statusCode: answer, latencyMs: 1, outcome: 'x', ok });
            },
          },
          render: (row, requestId) => ({ request_id: requestId, output: { task_id: row.id } }),
          clock,
          logger: silentLogger,
          owner,
          backoffScale: 1,
        });
      const event = (taskId: string, seq: number, toState: string, at: number, account = 'a1') =>
        db.kysely
          .insertInto('taskEvents')
          .values({
            taskId,
            seq,
            accountId: account,
            at,
            fromState: null,
            toState: toState as TaskRow['state'],
            facts: '{}',
          })
          .execute();
      return {
        db,
        clock,
        store,
        admin,
        sent,
        dispatcher,
        event,
        setAnswer: (s: number) => (answer = s),
      };
    }

    it('makes one delivery per wanted terminal event of the account, however many scan', async (t) => {
      const { clock, store, admin, dispatcher, event } = await setup(t);
      await event('task_old', 2, 'SUCCEEDED', T0 - 1000); // before the endpoint existed
      const { endpoint } = await admin.add('a1', 'https://hooks.example/x', [
        'task.succeeded',
        'task.canceled',
      ]);
      await event('task_1', 1, 'QUEUED', T0 + 1);
      await event('task_1', 5, 'SUCCEEDED', T0 + 10);
      await event('task_2', 3, 'FAILED', T0 + 11); // not wanted
      await event('task_3', 2, 'CANCELED', T0 + 12);
      await event('task_4', 4, 'SUCCEEDED', T0 + 13, 'a2'); // another account
      clock.t = T0 + 100;
      await Promise.all([dispatcher('w1').scan(), dispatcher('w2').scan()]);
      await dispatcher('w3').scan();
      const made = await store.listDeliveries(endpoint.id);
      assert.deepEqual(made.map((d) => `${d.taskId}/${d.seq}/${d.eventType}`).sort(), [
        'task_1/5/task.succeeded',
        'task_3/2/task.canceled',
      ]);
      // an event committed late, stamped before the cursor, is found by the grace scan
      await event('task_5', 2, 'SUCCEEDED', T0 + 5);
      const d = dispatcher('w4');
      await d.scan(); // the first scan of a dispatcher reads the grace window
      assert.equal((await store.listDeliveries(endpoint.id)).length, 3);
    });

    it('one process sends an attempt; a dead one is re-sent after its lease with the same id', async (t) => {
      const { clock, store, admin, sent, dispatcher, event } = await setup(t);
      const { endpoint } = await admin.add('a1', 'https://hooks.example/x');
      await event('task_1', 5, 'SUCCEEDED', T0 + 10);
      clock.t = T0 + 100;
      await dispatcher('w1').scan();
      // a process claims and dies before recording its attempt (perhaps after sending it)
      const [claimed] = await store.claimDue('dead', clock.now(), 60_000, 10);
      assert.ok(claimed);
      await Promise.all([dispatcher('w1').sendDue(), dispatcher('w2').sendDue()]);
      assert.equal(sent.length, 0, 'a live lease is not sent by anyone else');
      clock.t += 60_001;
      await Promise.all([dispatcher('w1').sendDue(), dispatcher('w2').sendDue()]);
      assert.equal(sent.length, 1, 'sent once, by one of them');
      assert.equal(sent[0]?.webhookId, claimed.webhookId);
      const late = await store.finishAttempt(
        claimed,
        'dead',
        { at: clock.now(), statusCode: 200, latencyMs: 1, outcome: '' },
        { status: 'delivered', nextAttemptAt: clock.now() },
      );
      assert.equal(late, false, "the dead process's lease is no longer its own");
      const [d] = await store.listDeliveries(endpoint.id);
      assert.equal(d?.status, 'delivered');
      assert.equal(d?.attempt, 1);
    });

    it('retries with backoff, and disables an endpoint failing for three days', async (t) => {
      const { clock, store, admin, sent, dispatcher, event, setAnswer } = await setup(t);
      const { endpoint } = await admin.add('a1', 'https://hooks.example/x');
      await event('task_1', 5, 'SUCCEEDED', T0 + 10);
      clock.t = T0 + 100;
      setAnswer(503);
      const w = dispatcher('w1');
      await w.tick();
      await w.tick(); // not due yet: the first retry waits 5 s
      assert.equal(sent.length, 1);
      clock.t += 5_000;
      await w.tick();
      assert.equal(sent.length, 2);
      let ep = await store.getEndpoint(endpoint.id);
      assert.equal(Number(ep?.failingSince), T0 + 100);
      clock.t = T0 + 100 + WEBHOOK_DISABLE_AFTER_MS;
      await w.tick();
      ep = await store.getEndpoint(endpoint.id);
      assert.equal(Number(ep?.disabledAt), clock.t, 'disabled after three days of failures');
      const before = sent.length;
      clock.t += 3_600_000;
      await w.tick();
      assert.equal(sent.length, before, 'a disabled endpoint gets nothing');
      const [d] = await store.listDeliveries(endpoint.id);
      assert.equal((await store.listAttempts(d?.id ?? '')).length, before);
    });
  });
}
