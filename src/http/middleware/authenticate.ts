import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../../auth/token-service.js';
import type { Caller } from '../../tasks/task-service.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** Bearer token → caller. DashScope's own messages, so SDK users recognise them. */
export function authenticate(tokens: TokenService) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.trim() === '') {
      throw new ApiError('InvalidApiKey', 'No API-key provided.');
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw new ApiError('InvalidApiKey', 'Invalid API-key provided.');
    const record = await tokens.verify(m[1]);
    if (!record) throw new ApiError('InvalidApiKey', 'Invalid API-key provided.');
    req.caller = { accountId: record.accountId, tokenId: record.id };
  };
}

export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new ApiError('InvalidApiKey', 'No API-key provided.');
  return req.caller;
}
