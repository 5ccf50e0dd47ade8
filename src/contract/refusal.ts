import type { ApiErrorCode } from './error-codes.js';

/**
 * What the domain throws when it refuses a request: a contract error code and a message meant for
 * the client. The domain knows nothing of HTTP; the face renders a Refusal with the status the
 * code carries in `API_ERRORS`.
 */
export class Refusal extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
