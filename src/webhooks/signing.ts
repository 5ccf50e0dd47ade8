import { createHash, createHmac, randomBytes } from 'node:crypto';

// The Standard Webhooks scheme (https://www.standardwebhooks.com): a `whsec_`-prefixed base64
// secret, and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. A few lines of
// node:crypto rather than the `standardwebhooks` package at run time; the tests verify with the
// package, so the two cannot drift apart unnoticed.

const SECRET_PREFIX = 'whsec_';

/** The event types an endpoint may ask for: one per terminal task state. */
export const WEBHOOK_EVENT_TYPES = ['task.succeeded', 'task.failed', 'task.canceled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(v: string): v is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(v);
}

/** A fresh signing secret: 32 random bytes, as receivers' libraries expect it. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a whsec_ signing secret');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** The headers of one signed message; `timestamp` in seconds, as the scheme has it. */
export function signatureHeaders(
  secret: string,
  webhookId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${webhookId}.${timestampSec}.${body}`)
    .digest('base64');
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': `v1,${mac}`,
  };
}

/**
 * The webhook-id of one event for one endpoint: derived, not stored-and-random, so any process
 * that makes the delivery, a re-send after a crash and a manual replay all carry the same id and
 * a receiver deduplicates on it.
 */
export function webhookIdOf(endpointId: string, taskId: string, seq: number): string {
  const digest = createHash('sha256').update(`${endpointId}\n${taskId}\n${seq}`).digest();
  return `msg_${digest.subarray(0, 18).toString('base64url')}`;
}
