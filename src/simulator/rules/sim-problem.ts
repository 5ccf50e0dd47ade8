/** A rejected create: DashScope's HTTP status, code and message (§9). */
export interface CreateProblem {
  status: number;
  code: string;
  message: string;
}

/** §9 "400 InvalidParameter: missing/invalid parameter". */
export const invalidParameter = (message: string): CreateProblem => ({
  status: 400,
  code: 'InvalidParameter',
  message,
});

/** §9 "400 InvalidURL: bad URL in request". */
export const invalidUrl = (message: string): CreateProblem => ({
  status: 400,
  code: 'InvalidURL',
  message,
});

export type Fields = Record<string, unknown>;

export function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The reference gives every optional field a default and says nothing of `null`; the permissive
 * reading takes null as "not sent".
 */
export const notSent = (v: unknown): boolean => v === undefined || v === null;
