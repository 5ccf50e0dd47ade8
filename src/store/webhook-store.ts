import type { Kysely, Selectable } from 'kysely';
import type { StoreCapabilities } from './dialects.js';
import type {
  Database,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from './schema.js';

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;

/** A terminal task event an endpoint may want. */
export interface OutboxEvent {
  taskId: string;
  seq: number;
  at: number;
  toState: string;
}

/** What one attempt came to, as the log and the delivery record it. */
export interface AttemptRecord {
  at: number;
  statusCode: number | null;
  latencyMs: number;
  outcome: string;
}

/** Webhook endpoints, their deliveries and the attempt log (migration 0011). */
export class WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: StoreCapabilities,
  ) {}

  async addEndpoint(row: WebhookEndpointRow): Promise<void> {
    await this.db.insertInto('webhookEndpoints').values(row).execute();
  }

  getEndpoint(id: string): Promise<WebhookEndpointRow | undefined> {
    return this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  listEndpoints(opts: { enabledOnly?: boolean } = {}): Promise<WebhookEndpointRow[]> {
    let q = this.db.selectFrom('webhookEndpoints').selectAll().orderBy('createdAt');
    if (opts.enabledOnly) q = q.where('disabledAt', 'is', null);
    return q.execute();
  }

  /** Removes the endpoint with its deliveries and their log. */
  async removeEndpoint(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const ids = trx.selectFrom('webhookDeliveries').select('id').where('endpointId', '=', id);
      await trx.deleteFrom('webhookAttempts').where('deliveryId', 'in', ids).execute();
      await trx.deleteFrom('webhookDeliveries').where('endpointId', '=', id).execute();
      const res = await trx.deleteFrom('webhookEndpoints').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    });
  }

  async setSecret(id: string, sealed: string): Promise<boolean> {
    const res = await this.db
      .updateTable('webhookEndpoints')
      .set({ secret: sealed })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * The account's terminal events from `since` on, in (at, task, seq) order after `after`: a
   * keyset page, so a scan of many events moves on instead of reading its first page again.
   */
  terminalEvents(
    accountId: string,
    since: number,
    after: OutboxEvent | null,
    limit: number,
  ): Promise<OutboxEvent[]> {
    let q = this.db
      .selectFrom('taskEvents')
      .select(['taskId', 'seq', 'at', 'toState'])
      .where('accountId', '=', accountId)
      .where('toState', 'in', ['SUCCEEDED', 'FAILED', 'CANCELED'])
      .where('at', '>=', since);
    if (after) {
      q = q.where((w) =>
        w.or([
          w('at', '>', after.at),
          w.and([w('at', '=', after.at), w('taskId', '>', after.taskId)]),
          w.and([w('at', '=', after.at), w('taskId', '=', after.taskId), w('seq', '>', after.seq)]),
        ]),
      );
    }
    return q.orderBy('at').orderBy('taskId').orderBy('seq').limit(limit).execute();
  }

  /** Creates the delivery unless this endpoint already has one for the event (any process). */
  async addDelivery(row: WebhookDeliveryRow): Promise<boolean> {
    const done = await this.db
      .insertInto('webhookDeliveries')
      .values(row)
      .onConflict((oc) => oc.columns(['endpointId', 'taskId', 'seq']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return done !== undefined;
  }

  /** Moves the cursor forward only (two processes scanning may finish in either order). */
  async advanceCursor(endpointId: string, to: number): Promise<void> {
    await this.db
      .updateTable('webhookEndpoints')
      .set({ cursorAt: to })
      .where('id', '=', endpointId)
      .where('cursorAt', '<', to)
      .execute();
  }

  /**
   * Leases due pending deliveries of enabled endpoints to `owner`. Conditional like the task
   * claim: a delivery leased by a live process is never sent by another; a dead one's lease runs
   * out and the delivery is sent again with the same webhook-id (at least once).
   */
  async claimDue(
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<WebhookDeliveryRow[]> {
    return (
      this.db
        .updateTable('webhookDeliveries')
        .set({ leaseOwner: owner, leaseUntil: now + leaseMs })
        .where('id', 'in', (eb) => {
          const q = eb
            .selectFrom('webhookDeliveries')
            .select('webhookDeliveries.id')
            .innerJoin('webhookEndpoints', 'webhookEndpoints.id', 'webhookDeliveries.endpointId')
            .where('webhookEndpoints.disabledAt', 'is', null)
            .where('webhookDeliveries.status', '=', 'pending')
            .where('webhookDeliveries.nextAttemptAt', '<=', now)
            .where((w) =>
              w.or([
                w('webhookDeliveries.leaseUntil', 'is', null),
                w('webhookDeliveries.leaseUntil', '<', now),
              ]),
            )
            .orderBy('webhookDeliveries.nextAttemptAt')
            .limit(limit);
          return this.capabilities.supportsSkipLocked ? q.forUpdate().skipLocked() : q;
        })
        // re-checked: without SKIP LOCKED another process may have leased a row since the select
        .where('status', '=', 'pending')
        .where((w) => w.or([w('leaseUntil', 'is', null), w('leaseUntil', '<', now)]))
        .returningAll()
        .execute()
    );
  }

  /**
   * Records an attempt and the delivery's next state, if `owner` still holds the lease. The log
   * row and the delivery change commit together.
   */
  async finishAttempt(
    d: WebhookDeliveryRow,
    owner: string,
    a: AttemptRecord,
    next: { status: 'pending' | 'delivered' | 'failed'; nextAttemptAt: number },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('webhookDeliveries')
        .set({
          attempt: d.attempt + 1,
          status: next.status,
          nextAttemptAt: next.nextAttemptAt,
          leaseOwner: null,
          leaseUntil: null,
          lastStatusCode: a.statusCode,
          latencyMs: a.latencyMs,
          responseExcerpt: a.outcome,
          ...(next.status === 'delivered' ? { deliveredAt: a.at } : {}),
        })
        .where('id', '=', d.id)
        .where('leaseOwner', '=', owner)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('webhookAttempts')
        .values({ deliveryId: d.id, attempt: d.attempt + 1, ...a })
        .onConflict((oc) => oc.columns(['deliveryId', 'attempt']).doNothing())
        .execute();
      return true;
    });
  }

  /** After a success the endpoint is no longer failing. */
  async markHealthy(endpointId: string): Promise<void> {
    await this.db
      .updateTable('webhookEndpoints')
      .set({ failingSince: null })
      .where('id', '=', endpointId)
      .where('failingSince', 'is not', null)
      .execute();
  }

  /** Starts the failing clock (kept if running); disables the endpoint once it ran `disableMs`. */
  async markFailing(endpointId: string, now: number, disableMs: number): Promise<void> {
    await this.db
      .updateTable('webhookEndpoints')
      .set({ failingSince: now })
      .where('id', '=', endpointId)
      .where('failingSince', 'is', null)
      .execute();
    await this.db
      .updateTable('webhookEndpoints')
      .set({ disabledAt: now })
      .where('id', '=', endpointId)
      .where('disabledAt', 'is', null)
      .where('failingSince', '<=', now - disableMs)
      .execute();
  }

  listDeliveries(endpointId: string, limit = 100): Promise<WebhookDeliveryRow[]> {
    return this.db
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('endpointId', '=', endpointId)
      .orderBy('createdAt', 'desc')
      .limit(limit)
      .execute();
  }

  listAttempts(deliveryId: string): Promise<WebhookAttemptRow[]> {
    return this.db
      .selectFrom('webhookAttempts')
      .selectAll()
      .where('deliveryId', '=', deliveryId)
      .orderBy('attempt')
      .execute();
  }

  /**
   * Makes a delivery due again now, whatever became of it; it keeps its webhook-id. Its retry
   * window starts again (`createdAt`), so a replay of a given-up delivery is retried too.
   */
  async replay(deliveryId: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('webhookDeliveries')
      .set({ status: 'pending', nextAttemptAt: now, createdAt: now })
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
