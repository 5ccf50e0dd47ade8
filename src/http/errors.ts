import { API_ERRORS, type ApiErrorCode } from '../contract/error-codes.js';
import { Refusal } from '../contract/refusal.js';

export { API_ERRORS, type ApiErrorCode };
/**
 * A request-level failure as the face answers it: a contract Refusal plus its HTTP status and
 * headers, rendered as DashScope's `{request_id, code, message}`.
 */
export class ApiError extends Refusal {
  readonly status: number;
  constructor(
    code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
    this.name = 'ApiError';
    this.status = API_ERRORS[code];
  }
}

export interface ErrorBody {
  request_id: string;
  code: ApiErrorCode;
  message: string;
}

/** Typed to the contract's codes, so no answer can carry a code API_ERRORS lacks. */
export function errorBody(requestId: string, code: ApiErrorCode, message: string): ErrorBody {
  return { request_id: requestId, code, message };
}
