import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../../auth/token-service.js';
import type { Clock } from '../../shared/clock.js';
import type { Caller } from '../../tasks/task-service.js';
import { clientKey, type AuthThrottle } from '../auth-throttle.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/**
 * Failed-authentication throttling shared by the API and the admin API. The check runs before
 * any token is looked at, so an address over its limit gets 429 even with a valid token until
 * its window ends: a guesser learns nothing from its guesses meanwhile.
 */
export class AuthGuard {
  constructor(
    private readonly throttle: AuthThrottle,
    private readonly clock: Clock,
  ) {}

  /** Throws 429 `Throttling.RateQuota` while the client is over its limit. */
  check(req: FastifyRequest): void {
    const wait = this.throttle.retryAfterSeconds(this.keyOf(req), this.clock.now());
    if (wait === null) return;
    throw new ApiError(
      'Throttling.RateQuota',
      `Too many failed authentications from this address; retry after ${wait} s.`,
      { 'retry-after': String(wait) },
    );
  }

  /** Counts a failure; returns the error for the caller to throw. */
  fail(req: FastifyRequest, err: ApiError): ApiError {
    this.throttle.recordFailure(this.keyOf(req), this.clock.now());
    return err;
  }

  // a socket already gone has no address; such requests share one count
  private keyOf(req: FastifyRequest): string {
    return clientKey(req.ip || 'unknown');
  }
}

/** Bearer token → caller. DashScope's own messages, so SDK users recognise them. */
export function authenticate(tokens: TokenService, guard: AuthGuard) {
  return async (req: FastifyRequest): Promise<void> => {
    guard.check(req);
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.trim() === '') {
      throw guard.fail(req, new ApiError('InvalidApiKey', 'No API-key provided.'));
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw guard.fail(req, new ApiError('InvalidApiKey', 'Invalid API-key provided.'));
    const record = await tokens.verify(m[1]);
    if (!record) throw guard.fail(req, new ApiError('InvalidApiKey', 'Invalid API-key provided.'));
    req.caller = { accountId: record.accountId, tokenId: record.id };
  };
}

export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new ApiError('InvalidApiKey', 'No API-key provided.');
  return req.caller;
}
