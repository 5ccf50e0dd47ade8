import type { SecretBox } from '../channels/secret-box.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { TaskStore, TaskView } from '../store/task-store.js';
import type {
  OutboxEvent,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookStore,
} from '../store/webhook-store.js';
import {
  retryDelayMs,
  WEBHOOK_DISABLE_AFTER_MS,
  WEBHOOK_RETRY_WINDOW_MS,
} from './retry-schedule.js';
import { signatureHeaders, webhookIdOf } from './signing.js';
import type { SendOutcome } from './webhook-sender.js';

/** The task's body as `GET /task/{id}` renders it; the face's renderer, passed in by main.ts. */
export type TaskRenderer = (row: TaskView, requestId: string) => unknown;

export interface WebhookDispatcherDeps {
  store: WebhookStore;
  tasks: Pick<TaskStore, 'get'>;
  box: SecretBox;
  sender: {
    send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome>;
  };
  render: TaskRenderer;
  clock: Clock;
  logger: Logger;
  owner: string;
  /** shrinks the retry schedule (VIDGATE_WEBHOOK_BACKOFF_SCALE, a test aid) */
  backoffScale: number;
}

/**
 * An event's `at` is the writing process's clock when the change was made, and its commit may
 * land after a later-stamped one. Every GRACE_SCAN_EVERY-th scan re-reads this much before the
 * cursor; the unique (endpoint, task, seq) key makes the re-read create nothing twice.
 */
const GRACE_MS = 60_000;
const GRACE_SCAN_EVERY = 30;
const PAGE = 200;
/** deliveries one process sends at once */
const BATCH = 16;
/** a send takes at most 10 s; a lease this long is never outrun by a live sender */
const LEASE_MS = 60_000;

const TYPE_OF_STATE: Readonly<Record<string, string>> = {
  SUCCEEDED: 'task.succeeded',
  FAILED: 'task.failed',
  CANCELED: 'task.canceled',
};

/**
 * Turns the task-event outbox into signed deliveries and sends them, at least once: a scan makes
 * one delivery per endpoint and terminal event past the endpoint's cursor; a send leases due
 * deliveries, POSTs them, and records the attempt. Any number of processes may run one.
 */
export class WebhookDispatcher {
  private scans = 0;

  constructor(private readonly d: WebhookDispatcherDeps) {}

  /** One round: new events become deliveries, then due deliveries are sent. */
  async tick(): Promise<void> {
    await this.scan();
    await this.sendDue();
  }

  async scan(): Promise<void> {
    const withGrace = this.scans++ % GRACE_SCAN_EVERY === 0;
    for (const endpoint of await this.d.store.listEndpoints({ enabledOnly: true })) {
      await this.scanEndpoint(endpoint, withGrace);
    }
  }

  private async scanEndpoint(endpoint: WebhookEndpointRow, withGrace: boolean): Promise<void> {
    const wanted = new Set(JSON.parse(endpoint.eventTypes) as string[]);
    const cursor = Number(endpoint.cursorAt);
    // never events from before the endpoint existed
    const since = Math.max(Number(endpoint.createdAt), withGrace ? cursor - GRACE_MS : cursor);
    let after: OutboxEvent | null = null;
    let newest = cursor;
    for (;;) {
      const page = await this.d.store.terminalEvents(endpoint.accountId, since, after, PAGE);
      for (const e of page) {
        const type = TYPE_OF_STATE[e.toState];
        newest = Math.max(newest, Number(e.at));
        if (type === undefined || !wanted.has(type)) continue;
        const now = this.d.clock.now();
        await this.d.store.addDelivery({
          id: newId('webhookDelivery', now),
          endpointId: endpoint.id,
          taskId: e.taskId,
          seq: e.seq,
          eventType: type,
          eventAt: Number(e.at),
          webhookId: webhookIdOf(endpoint.id, e.taskId, e.seq),
          attempt: 0,
          status: 'pending',
          createdAt: now,
          nextAttemptAt: now,
          leaseOwner: null,
          leaseUntil: null,
          lastStatusCode: null,
          latencyMs: null,
          responseExcerpt: null,
          deliveredAt: null,
        });
      }
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) break;
      after = last;
    }
    if (newest > cursor) await this.d.store.advanceCursor(endpoint.id, newest);
  }

  async sendDue(): Promise<void> {
    const { store, clock, owner } = this.d;
    const due = await store.claimDue(owner, clock.now(), LEASE_MS, BATCH);
    await Promise.all(
      due.map((delivery) =>
        this.sendOne(delivery).catch((err: unknown) =>
          this.d.logger.warn({ err: String(err), delivery: delivery.id }, 'webhook send failed'),
        ),
      ),
    );
  }

  private async sendOne(delivery: WebhookDeliveryRow): Promise<void> {
    const { store, clock, box } = this.d;
    const endpoint = await store.getEndpoint(delivery.endpointId);
    if (!endpoint) return;
    const task = await this.d.tasks.get(delivery.taskId);
    const now = clock.now();
    if (!task) {
      await store.finishAttempt(
        delivery,
        this.d.owner,
        { at: now, statusCode: null, latencyMs: 0, outcome: 'the task no longer exists' },
        { status: 'failed', nextAttemptAt: now },
      );
      return;
    }
    const body = JSON.stringify({
      type: delivery.eventType,
      timestamp: new Date(Number(delivery.eventAt)).toISOString(),
      // request_id is the webhook-id: the one id a receiver may log for this message
      data: this.d.render(task, delivery.webhookId),
    });
    const headers = signatureHeaders(
      box.open(endpoint.secret),
      delivery.webhookId,
      Math.floor(now / 1000),
      body,
    );
    const sent = await this.d.sender.send(endpoint.url, headers, body);
    const at = clock.now();
    const attempt = {
      at,
      statusCode: sent.statusCode,
      latencyMs: sent.latencyMs,
      outcome: sent.outcome,
    };
    if (sent.ok) {
      await store.finishAttempt(delivery, this.d.owner, attempt, {
        status: 'delivered',
        nextAttemptAt: at,
      });
      await store.markHealthy(endpoint.id);
      return;
    }
    const giveUp = at - Number(delivery.createdAt) >= WEBHOOK_RETRY_WINDOW_MS;
    await store.finishAttempt(delivery, this.d.owner, attempt, {
      status: giveUp ? 'failed' : 'pending',
      nextAttemptAt: at + retryDelayMs(delivery.attempt + 1, this.d.backoffScale),
    });
    await store.markFailing(endpoint.id, at, WEBHOOK_DISABLE_AFTER_MS);
    this.d.logger.info(
      { delivery: delivery.id, endpoint: endpoint.id, status: sent.statusCode, why: sent.outcome },
      'webhook attempt failed',
    );
  }
}
