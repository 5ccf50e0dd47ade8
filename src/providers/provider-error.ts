/**
 * How the engine must react to a failed upstream call:
 * - `retry`: nothing was created upstream (429, 5xx, refused connection); try again later,
 *   on another channel where one exists.
 * - `reject`: the upstream refused the request itself (4xx); the task fails with its code.
 * - `uncertain`: the request may have reached the upstream (timeout or reset after sending);
 *   never resend blindly, reconcile first.
 * - `channel`: the channel cannot serve anything for a while (quota used up, arrears, bad key).
 */
export type ProviderErrorKind = 'retry' | 'reject' | 'uncertain' | 'channel';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
