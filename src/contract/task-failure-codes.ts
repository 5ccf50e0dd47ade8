/**
 * The failure codes vidgate itself sets on a task: `output.code` of a FAILED task that the
 * upstream did not name. Codes an upstream reports are passed through unchanged and are not
 * listed. docs/errors.md's "Task failures" table is checked against this list, and the codes
 * the task engine hands to a failure against it (src/contract/error-docs.test.ts).
 */
export const TASK_FAILURE_CODES = [
  'RequestTimeOut',
  'ModelUnavailable',
  'UpstreamTaskExpired',
  'ResultUnavailable',
  'ResultRefused',
  'ResultTooLarge',
  'InvalidURL',
  'BadRequest.InputDownloadFailed',
  'InvalidParameter',
  'InternalError.Algo',
  'InternalError',
] as const;

export type TaskFailureCode = (typeof TASK_FAILURE_CODES)[number];
