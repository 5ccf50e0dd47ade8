import type { Generated } from 'kysely';
import type { TokenHashScheme } from '../auth/token-format.js';
import type { TaskState } from '../tasks/status.js';

/** Row types as Kysely sees them (camelCase; CamelCasePlugin maps to snake_case columns). */
export interface AccountsTable {
  id: string;
  name: string;
  createdAt: number;
}

export interface TokensTable {
  id: string;
  accountId: string;
  name: string;
  /** hex hash of the token, made as `hashScheme` says; the token itself is never stored. */
  hash: string;
  /** `sha256` for rows from before migration 0004 (and the column default), else `hmac-sha256` */
  hashScheme: Generated<TokenHashScheme>;
  /** first characters of the token, to recognise it in listings */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface ChannelsTable {
  id: string;
  name: string;
  provider: string;
  /** JSON: provider settings; secrets inside are encrypted (see channels/secret-box.ts) */
  settings: string;
  /** JSON array of model names this channel serves */
  models: string;
  priority: number;
  weight: number;
  /** JSON: ChannelLimits */
  limits: string;
  enabled: number;
  pausedUntil: number | null;
  pauseReason: string | null;
  createdAt: number;
}

export interface TasksTable {
  id: string;
  accountId: string;
  tokenId: string;
  model: string;
  mode: string;
  /** JSON: the client's {model, input, parameters} exactly as accepted */
  request: string;
  state: TaskState;
  channelId: string | null;
  upstreamTaskId: string | null;
  attempts: Generated<number>;
  nextRunAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
  /** when the task must have been dispatched, or it fails without cost */
  dispatchDeadline: number;
  submittedAt: number | null;
  scheduledAt: number | null;
  finishedAt: number | null;
  /** estimated completion, ms epoch */
  etaAt: number | null;
  uncertainSince: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** JSON: DashScope usage object */
  usage: string | null;
  /** the upstream's (expiring) link to the video, until it is copied into storage */
  upstreamVideoUrl: string | null;
  resultKey: string | null;
  resultBytes: number | null;
  origPrompt: string | null;
  actualPrompt: string | null;
  /** sha256 hex of the prompt sent upstream: what tells two unanswered submits apart (ADR 0011) */
  evidencePrompt: string | null;
  /** output seconds asked for, which the upstream's usage repeats */
  evidenceSeconds: number | null;
  /** when the upstream task was found through the task list instead of the create's answer */
  adoptedAt: number | null;
  /** an unanswered submit the list does not show stopped holding a running slot at this time */
  slotReleasedAt: number | null;
  /**
   * why the task is due ahead of its schedule: `confirm` once the status sweep saw it finish
   * upstream, until the query that reads its result is answered
   */
  dueReason: DueReason | null;
  /** when a client asked to cancel; the worker acts on it once the task went upstream (ADR 0015) */
  cancelRequestedAt: number | null;
  /** when the video was deleted at the end of its retention; the task stays SUCCEEDED */
  resultExpiredAt: number | null;
}

/** Claims take tasks with a reason before scheduled ones. */
export type DueReason = 'confirm';

export interface TaskEventsTable {
  taskId: string;
  seq: number;
  accountId: string;
  at: number;
  fromState: TaskState | null;
  toState: TaskState;
  /** JSON object: the fact columns the change set (upstreamTaskId, usage, errorCode, …) */
  facts: string;
}

export interface IdempotencyKeysTable {
  accountId: string;
  /** sha256 hex of the Idempotency-Key header; the key itself is never stored (ADR 0014) */
  keyHash: string;
  /** sha256 hex of the create's mode and canonical body */
  bodyHash: string;
  taskId: string;
  createdAt: number;
}

/** A file uploaded through the SDKs' upload flow (ADR 0017). */
export interface UploadsTable {
  id: string;
  /** `vidgate-uploads/<dir>/<file name>`, what the client sends as `oss://<objectKey>` */
  objectKey: string;
  accountId: string;
  /** where media storage keeps the bytes */
  storageKey: string;
  bytes: number;
  contentType: string | null;
  createdAt: number;
  expiresAt: number;
}

/** A receiver of an account's task events (issue 15 item 4, migration 0011). */
export interface WebhookEndpointsTable {
  id: string;
  accountId: string;
  url: string;
  /** JSON array of event types (`task.succeeded`, …) */
  eventTypes: string;
  /** the `whsec_…` signing secret, sealed (channels/secret-box.ts) */
  secret: string;
  /** task events up to this time have their deliveries (a grace for late commits is rescanned) */
  cursorAt: number;
  createdAt: number;
  disabledAt: number | null;
  failingSince: number | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One task event for one endpoint, retried until delivered or given up. */
export interface WebhookDeliveriesTable {
  id: string;
  endpointId: string;
  taskId: string;
  seq: number;
  eventType: string;
  eventAt: number;
  /** the `webhook-id` header: the same for every attempt and replay of this delivery */
  webhookId: string;
  /** attempts made so far */
  attempt: number;
  status: WebhookDeliveryStatus;
  createdAt: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastStatusCode: number | null;
  latencyMs: number | null;
  responseExcerpt: string | null;
  deliveredAt: number | null;
}

/** The log of one attempt of a delivery. */
export interface WebhookAttemptsTable {
  deliveryId: string;
  attempt: number;
  at: number;
  /** the receiver's HTTP status; null when nothing was sent or nothing answered */
  statusCode: number | null;
  latencyMs: number;
  /** ≤ 512 bytes of the answer, or why nothing was sent or answered */
  outcome: string;
}

export interface Database {
  accounts: AccountsTable;
  tokens: TokensTable;
  channels: ChannelsTable;
  tasks: TasksTable;
  taskEvents: TaskEventsTable;
  idempotencyKeys: IdempotencyKeysTable;
  uploads: UploadsTable;
  webhookEndpoints: WebhookEndpointsTable;
  webhookDeliveries: WebhookDeliveriesTable;
  webhookAttempts: WebhookAttemptsTable;
}
