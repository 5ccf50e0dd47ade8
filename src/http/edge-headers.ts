import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Sent on every answer, JSON and video alike. Nothing vidgate serves is meant to be rendered as
 * a page, framed or sniffed into another type, and its URLs carry signatures that must not leak
 * through a Referer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * A video opened straight in a browser tab is played by a page the browser makes around it,
 * under the video's own policy: `default-src 'none'` alone blocks the video itself (Chromium).
 */
export const VIDEO_CSP = "default-src 'none'; media-src 'self'; frame-ancestors 'none'";

/** API answers change with every query (fresh links, task states): never cache them. */
export const NO_STORE = 'no-store';

/** Headers a browser script may read from a cross-origin answer. */
const EXPOSED_HEADERS =
  'x-request-id, retry-after, content-range, accept-ranges, content-length, idempotent-replayed';
/** How long a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Header names as a preflight lists them: tokens separated by commas, nothing else. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

export interface CorsPolicy {
  /** exact origins, or `['*']`; empty switches CORS off */
  origins: readonly string[];
  /** the methods a path answers to (empty when no route has it), for preflight answers */
  methodsFor(path: string): string[];
}

/**
 * CORS for browser clients, off unless origins are configured. Allowed origins get
 * `Access-Control-Allow-Origin` on every answer and their preflights answered with 204; other
 * origins get no CORS header (the browser then refuses the answer) and a preflight from one is
 * refused with 403. No credentials mode: vidgate authenticates with a bearer token, not cookies.
 */
export function corsHook(policy: CorsPolicy) {
  const any = policy.origins.includes('*');
  const allowed = new Set(policy.origins);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const origin = req.headers.origin;
    if (policy.origins.length === 0 || typeof origin !== 'string') return undefined;
    const ok = any || allowed.has(origin);
    const preflight =
      req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!any) reply.header('vary', 'Origin');
    if (ok) {
      reply.header('access-control-allow-origin', any ? '*' : origin);
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (!preflight) return undefined;
    const methods = policy.methodsFor(req.url.split('?')[0] ?? '');
    // a preflight for a path that does not exist falls through to the usual 404
    if (methods.length === 0) return undefined;
    if (!ok) {
      throw new ApiError(
        'AccessDenied',
        `Origin ${origin.slice(0, 200)} is not allowed to call this API (VIDGATE_CORS_ORIGINS).`,
      );
    }
    const asked = req.headers['access-control-request-headers'];
    reply.header('access-control-allow-methods', methods.join(', '));
    if (typeof asked === 'string' && asked.length <= 1000 && HEADER_LIST.test(asked.trim())) {
      reply.header('access-control-allow-headers', asked.trim());
    }
    reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    // returning the reply tells Fastify the hook answered
    return reply.code(204).send();
  };
}
