/**
 * Every error code vidgate's API can answer with, and its HTTP status. Codes are DashScope's
 * (reference §9) wherever DashScope has one; docs/errors.md is kept in sync by a test.
 */
export const API_ERRORS = {
  InvalidParameter: 400,
  'BadRequest.EmptyInput': 400,
  'BadRequest.EmptyModel': 400,
  'BadRequest.InvalidJson': 400,
  'BadRequest.Malformed': 400,
  InvalidURL: 400,
  UnsupportedOperation: 400,
  InvalidApiKey: 401,
  AccessDenied: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  RequestTimeOut: 408,
  FileAlreadyExists: 409,
  'BadRequest.TooLarge': 413,
  'BadRequest.UriTooLong': 414,
  'BadRequest.UnsupportedContentType': 415,
  'BadRequest.IdempotencyKeyReused': 422,
  'Throttling.RateQuota': 429,
  'BadRequest.HeadersTooLarge': 431,
  InternalError: 500,
  'InternalError.Timeout': 500,
  // the store stayed unreachable for the few seconds vidgate retries it (ADR 0016)
  ServiceUnavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
