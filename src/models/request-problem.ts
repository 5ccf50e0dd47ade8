import type { ApiErrorCode } from '../contract/error-codes.js';

/** Why a create body was refused: a DashScope error code and a message naming the field. */
export interface RequestProblem {
  code: ApiErrorCode;
  message: string;
}

export function invalidParameter(message: string): RequestProblem {
  return { code: 'InvalidParameter', message };
}

export function invalidUrl(message: string): RequestProblem {
  return { code: 'InvalidURL', message };
}

/** "a string", "an array", "null": the JSON type of a value, for "got …" in messages. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}

const QUOTE_MAX_CHARS = 60;

/**
 * A client value echoed back in a message: quoted when a string and cut short, because bodies
 * can carry megabytes (data: URIs) that must not be mirrored into every error.
 */
export function showValue(v: unknown): string {
  if (typeof v === 'string') {
    if (v.length <= QUOTE_MAX_CHARS) return `'${v}'`;
    let cut = v.slice(0, QUOTE_MAX_CHARS);
    // never leave half of a surrogate pair at the cut
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
    return `'${cut}…' (${v.length} characters)`;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return describeType(v);
}

/** "got 7" / "got a string ('5')": what the client sent, for the end of a message. */
export function got(v: unknown): string {
  if (typeof v === 'string') return `got a string (${showValue(v)})`;
  if (typeof v === 'number') return `got ${showValue(v)}`;
  return `got ${describeType(v)}`;
}
