import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CreatedTask } from '../tasks/task-service.js';
import { ApiError } from './errors.js';

/** The request header that makes a create idempotent (ADR 0014). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set on a create's answer when it is the answer of an earlier create under the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

const MAX_KEY_LENGTH = 255;
// visible ASCII and spaces: what a UUID, a ULID or an order number is made of, and nothing a
// proxy might rewrite in transit
const KEY_CHARACTERS = /^[\x20-\x7e]+$/;

/**
 * The create's Idempotency-Key, or undefined when none was sent. Shared by every face's create
 * routes; a key that cannot be one (empty, too long, sent twice, not ASCII) is refused rather
 * than ignored, since ignoring it would silently give the client duplicates.
 */
export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const values = req.raw.headersDistinct[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
  if (values === undefined) return undefined;
  const [key] = values;
  if (values.length !== 1 || key === undefined) {
    throw invalid('was sent more than once; send one key per request');
  }
  if (key.length === 0) throw invalid('is empty; send 1 to 255 characters, such as a UUID');
  if (key.length > MAX_KEY_LENGTH) {
    throw invalid(`is ${key.length} characters long; send at most ${MAX_KEY_LENGTH}`);
  }
  if (!KEY_CHARACTERS.test(key)) {
    throw invalid('may hold only visible ASCII characters and spaces');
  }
  return key;
}

/** Marks a create's answer as the replay of an earlier one, when it is. */
export function markReplay(reply: FastifyReply, task: CreatedTask): void {
  if (task.replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
}

function invalid(problem: string): ApiError {
  return new ApiError('InvalidParameter', `The ${IDEMPOTENCY_KEY_HEADER} header ${problem}.`);
}
