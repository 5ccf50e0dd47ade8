import type { SecretBox } from '../channels/secret-box.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type {
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookStore,
} from '../store/webhook-store.js';
import { isWebhookEventType, newSigningSecret, WEBHOOK_EVENT_TYPES } from './signing.js';

/** An endpoint as listings show it: never its secret. */
export type EndpointSummary = Omit<WebhookEndpointRow, 'secret' | 'cursorAt' | 'eventTypes'> & {
  eventTypes: string[];
};

export class WebhookConfigError extends Error {}

/** Endpoint administration (the CLI today, the admin API later): secrets are shown once. */
export class WebhookAdmin {
  constructor(
    private readonly store: WebhookStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async add(
    accountId: string,
    url: string,
    events: readonly string[] = WEBHOOK_EVENT_TYPES,
  ): Promise<{ endpoint: EndpointSummary; secret: string }> {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new WebhookConfigError(`'${url.slice(0, 80)}' is not an absolute http(s) URL`);
    }
    const unknown = events.filter((e) => !isWebhookEventType(e));
    if (unknown.length > 0 || events.length === 0) {
      throw new WebhookConfigError(
        `unknown event type(s) ${unknown.join(', ') || '(none given)'}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      );
    }
    const now = this.clock.now();
    const secret = newSigningSecret();
    const row: WebhookEndpointRow = {
      id: newId('webhookEndpoint', now),
      accountId,
      url,
      eventTypes: JSON.stringify([...new Set(events)]),
      secret: this.box.seal(secret),
      cursorAt: now,
      createdAt: now,
      disabledAt: null,
      failingSince: null,
    };
    await this.store.addEndpoint(row);
    return { endpoint: summary(row), secret };
  }

  async list(): Promise<EndpointSummary[]> {
    return (await this.store.listEndpoints()).map(summary);
  }

  remove(id: string): Promise<boolean> {
    return this.store.removeEndpoint(id);
  }

  /**
   * A new secret, in force for the next attempt; the old one stops at once. (Signing with both
   * for a while, as the scheme allows, is left for later: the receiver switches when told.)
   */
  async rotate(id: string): Promise<string | null> {
    const secret = newSigningSecret();
    return (await this.store.setSecret(id, this.box.seal(secret))) ? secret : null;
  }

  async deliveries(
    endpointId: string,
  ): Promise<{ delivery: WebhookDeliveryRow; attempts: WebhookAttemptRow[] }[]> {
    const rows = await this.store.listDeliveries(endpointId);
    return Promise.all(
      rows.map(async (delivery) => ({
        delivery,
        attempts: await this.store.listAttempts(delivery.id),
      })),
    );
  }

  replay(deliveryId: string): Promise<boolean> {
    return this.store.replay(deliveryId, this.clock.now());
  }
}

function summary(row: WebhookEndpointRow): EndpointSummary {
  const { secret: _secret, cursorAt: _cursor, ...rest } = row;
  return { ...rest, eventTypes: JSON.parse(row.eventTypes) as string[] };
}
