import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NO_STORE, SECURITY_HEADERS } from './edge-headers.js';
import { Refusal } from '../contract/refusal.js';
import { StoreUnavailableError } from '../store/transient.js';
import { API_ERRORS, ApiError, errorBody, type ApiErrorCode } from './errors.js';

/** An error as it goes on the wire. */
export interface MappedError {
  code: ApiErrorCode;
  message: string;
  headers: Record<string, string>;
  /** close the connection after answering: the rest of the request is not worth reading */
  close: boolean;
}

export interface ErrorLimits {
  bodyLimitBytes: number;
  maxParamLength: number;
}

const mapped = (code: ApiErrorCode, message: string, close = false): MappedError => ({
  code,
  message,
  headers: {},
  close,
});

/** A path for a message: enough to recognise, never a megabyte echoed back. */
export function shortPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 80 ? `${path.slice(0, 80)}…` : path;
}

/**
 * Maps Fastify's and Node's errors (parsing, limits, timeouts) onto DashScope-shaped ones, or
 * null for a failure of vidgate itself (answered 500 with no detail).
 */
export function mapError(
  err: unknown,
  req: FastifyRequest,
  limits: ErrorLimits,
): MappedError | null {
  if (err instanceof ApiError) {
    return { code: err.code, message: err.message, headers: err.headers, close: false };
  }
  // the domain's refusals carry a contract code; its status comes from API_ERRORS
  if (err instanceof Refusal)
    return { code: err.code, message: err.message, headers: {}, close: false };
  if (err instanceof StoreUnavailableError) {
    return {
      code: 'ServiceUnavailable',
      message: `The task store is unavailable for the moment; retry after ${err.retryAfterSeconds} s.`,
      headers: { 'retry-after': String(err.retryAfterSeconds) },
      close: false,
    };
  }
  if (!(err instanceof Error)) return null;
  const fe: Partial<FastifyError> & Error = err;
  switch (fe.code ?? '') {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return mapped(
        'BadRequest.TooLarge',
        `The request body exceeds ${limits.bodyLimitBytes} bytes (a 20 MB image as base64). Send large media as http(s) URLs.`,
        true,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE':
      return mapped('BadRequest.UnsupportedContentType', 'Content-Type must be application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return mapped('BadRequest.InvalidJson', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return mapped('BadRequest.InvalidJson', `The request body is not valid JSON: ${fe.message}`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return mapped(
        'BadRequest.Malformed',
        'The request body is not as long as its Content-Length says.',
        true,
      );
    case 'FST_ERR_BAD_URL':
      return mapped(
        'BadRequest.Malformed',
        `The path ${shortPath(req.url)} is not valid: a % must start a valid %XX escape.`,
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return mapped(
        'BadRequest.UriTooLong',
        `A path segment of ${shortPath(req.url)} is longer than ${limits.maxParamLength} characters.`,
      );
    case 'FST_ERR_HANDLER_TIMEOUT':
      // the route's total covers reading the body too: a body still arriving is the client's
      return req.raw.complete
        ? mapped('InternalError.Timeout', 'The request took too long to answer; retry later.')
        : mapped('RequestTimeOut', 'The request body did not arrive in time.', true);
    case 'ECONNRESET':
      return mapped('BadRequest.Malformed', 'The connection closed before the body was complete.');
    default:
      break;
  }
  if (err instanceof SyntaxError) {
    return mapped('BadRequest.InvalidJson', `The request body is not valid JSON: ${err.message}`);
  }
  // any other client error Fastify names (its messages hold no internals)
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) return mapped('BadRequest.Malformed', fe.message, true);
  return null;
}

const INTERNAL = 'An internal error occurred; quote the request_id when reporting it.';

/** Headers a route may have set for a video, wrong on the JSON error that replaces it. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges'];

/** Sends a mapped error (or the generic 500 for null) as DashScope's body. */
export function sendError(reply: FastifyReply, m: MappedError | null): void {
  for (const h of [...BODY_HEADERS, 'content-disposition']) reply.removeHeader(h);
  reply.headers({
    ...SECURITY_HEADERS,
    'cache-control': NO_STORE,
    'x-request-id': reply.request.id,
  });
  const code = m?.code ?? 'InternalError';
  reply.code(API_ERRORS[code]).headers(m?.headers ?? {});
  if (m?.close) reply.header('connection', 'close');
  void reply.send(errorBody(reply.request.id, code, m?.message ?? INTERNAL));
}
