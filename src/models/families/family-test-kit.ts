import assert from 'node:assert/strict';
import { it } from 'node:test';
import { API_ERRORS, type ApiErrorCode } from '../../contract/error-codes.js';
import { seedRouteOf } from '../../contract/routes.js';
import type { MediaSlot } from '../media-slot.js';
import { findModel, MODELS, type ModelMode, type ModelSpec } from '../model-table.js';
import type { RequestProblem } from '../request-problem.js';
import { withField, type Body } from '../request-case-bodies.js';
import { effectiveRequest, type EffectiveRequest, type RequestBody } from '../task-request.js';
import { validateRequest, type CreateScope } from '../validate-request.js';
import type { CheckedSlot } from './model-family.js';
import { familyOf } from './registry.js';

/**
 * The table runner of the family tests (families/*.test.ts): bodies a family must accept, and
 * bodies it must refuse with a DashScope code, its HTTP status and a message that names the
 * field and what is allowed. Validation runs with the seed routes' names (seedRouteOf), as the
 * seed face calls it.
 */

export const HTTP_IMG = 'https://example.com/frame.png';
export const HTTP_IMG2 = 'https://example.com/last.png';
export const HTTP_VIDEO = 'https://example.com/clip.mp4';
export const HTTP_AUDIO = 'https://example.com/voice.mp3';
export const DATA_IMG = 'data:image/png;base64,iVBORw0KGgo=';
export const DATA_AUDIO = 'data:audio/mpeg;base64,SUQzBAAAAAAA';
export const DATA_VIDEO = 'data:video/mp4;base64,AAAAIGZ0eXBpc29t';

export const item = (type: string, url: string): Record<string, unknown> => ({ type, url });
export const items = (n: number, type: string, url: string): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => item(type, `${url}?n=${i}`));

export function body(
  model: string,
  input: Record<string, unknown>,
  parameters?: Record<string, unknown>,
): Body {
  return parameters === undefined ? { model, input } : { model, input, parameters };
}

/** A copy of `b` with several dot-paths set (undefined deletes). */
export function vary(b: Body, fields: Record<string, unknown>): Body {
  return Object.entries(fields).reduce((acc, [path, v]) => withField(acc, path, v), b);
}

export function spec(name: string): ModelSpec {
  const m = findModel(name);
  assert.ok(m, `model ${name} is in the table`);
  return m;
}

export type Accepted = Extract<ReturnType<typeof validateRequest>, { ok: true }>;

export function validate(scope: CreateScope, raw: unknown) {
  return validateRequest(scope, raw, MODELS, seedRouteOf);
}

export function accept(scope: CreateScope, raw: unknown): Accepted {
  const res = validate(scope, raw);
  assert.ok(res.ok, `expected acceptance, got ${res.ok ? '' : `${res.code}: ${res.message}`}`);
  return res;
}

/** The effective request of an accepted body, computed as the task store will. */
export function effectiveOf(scope: CreateScope, raw: unknown): EffectiveRequest {
  const res = accept(scope, raw);
  return effectiveRequest(res.model, res.body);
}

export interface AcceptCase {
  readonly name: string;
  readonly body: Body;
  /** the seed route (mode) or 'native'; the model's own mode by default */
  readonly scope?: CreateScope;
  /** the mode validation must report */
  readonly mode?: ModelMode;
  readonly check?: (body: RequestBody, res: Accepted) => void;
}

export interface RefuseCase {
  readonly name: string;
  readonly body: Body;
  readonly scope?: CreateScope;
  readonly code?: ApiErrorCode;
  /** the HTTP status the code must map to (API_ERRORS); every edge refusal is a 400 */
  readonly status?: number;
  /** texts the message must contain: the field path, what was sent, what is allowed */
  readonly mentions: readonly (string | RegExp)[];
}

function scopeOf(b: Body, scope: CreateScope | undefined): CreateScope {
  if (scope) return scope;
  return typeof b.model === 'string' ? (findModel(b.model)?.mode ?? 'native') : 'native';
}

export function assertRefused(
  res: ReturnType<typeof validateRequest>,
  code: ApiErrorCode,
  mentions: readonly (string | RegExp)[],
  status = 400,
): void {
  assert.ok(!res.ok, `expected ${code}, but the body was accepted`);
  assert.equal(res.code, code, res.message);
  assert.equal(API_ERRORS[res.code], status, `${res.code} answers HTTP ${status}`);
  for (const m of mentions) {
    const found = typeof m === 'string' ? res.message.includes(m) : m.test(res.message);
    assert.ok(found, `message ${JSON.stringify(res.message)} mentions ${String(m)}`);
  }
}

/** Registers one `it` per case (call inside a describe). */
export function acceptsAll(cases: readonly AcceptCase[]): void {
  for (const c of cases) {
    void it(`accepts ${c.name}`, () => {
      const res = accept(scopeOf(c.body, c.scope), c.body);
      if (typeof c.body.model === 'string') {
        assert.equal(res.model.name, spec(c.body.model).name);
        assert.equal(res.body.model, res.model.name, 'the stored body names the canonical model');
      }
      if (c.mode) assert.equal(res.mode, c.mode);
      c.check?.(res.body, res);
    });
  }
}

export function refusesAll(cases: readonly RefuseCase[]): void {
  for (const c of cases) {
    const code = c.code ?? 'InvalidParameter';
    const status = c.status ?? 400;
    void it(`refuses ${c.name} with ${code} (${status})`, () => {
      assertRefused(validate(scopeOf(c.body, c.scope), c.body), code, c.mentions, status);
    });
  }
}

/**
 * A media field that must be a URL, refused as a data: URI (families §1.2): a well-formed URI
 * the field does not take is a parameter problem, as the simulator reads DashScope.
 */
export function noDataUri(name: string, b: Body, field: string): RefuseCase {
  return { name, body: b, code: 'InvalidParameter', mentions: [`'${field}'`, 'data: URIs'] };
}

/** `parameters.<key>` set to `value` on `base`, refused naming the field, the value and `allowed`. */
export function badParameter(
  base: Body,
  key: string,
  value: unknown,
  ...allowed: readonly (string | RegExp)[]
): RefuseCase {
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return {
    name: `parameters.${key} ${shown}`,
    body: vary(base, { [`parameters.${key}`]: value }),
    mentions: [`'parameters.${key}'`, ...allowed],
  };
}

/** Registers one `it`: `raw` sent to each seed route of `scopes` is told to go to `route`. */
export function refusesOnRoutes(raw: Body, scopes: readonly CreateScope[], route: string): void {
  void it(`names ${route} when sent to ${scopes.join(', ')}`, () => {
    for (const scope of scopes) {
      assertRefused(validate(scope, raw), 'InvalidParameter', [
        String(raw.model),
        `send it to ${route}`,
      ]);
    }
  });
}

/** The slots of a request read as files of these lengths (images 1280×720, no sound track). */
export function readAs(media: readonly MediaSlot[], seconds: readonly number[]): CheckedSlot[] {
  return media.map((slot, i): CheckedSlot => {
    const durationSec = seconds[i] ?? 0;
    if (slot.kind === 'audio') {
      return { slot, info: { kind: 'audio', format: 'mp3', bytes: 1, durationSec } };
    }
    if (slot.kind === 'video') {
      const info = { kind: 'video', format: 'mp4', bytes: 1, width: 1280, height: 720 } as const;
      return { slot, info: { ...info, durationSec, hasAudio: false } };
    }
    return { slot, info: { kind: 'image', format: 'png', bytes: 1, width: 1280, height: 720 } };
  });
}

/** The family's rule on the read inputs (checkMedia) for an accepted body, each of `seconds`. */
export function mediaProblem(
  scope: CreateScope,
  raw: unknown,
  seconds: readonly number[],
): RequestProblem | null {
  const res = accept(scope, raw);
  const media = readAs(effectiveRequest(res.model, res.body).media, seconds);
  return familyOf(res.model).checkMedia(res.model, res.body, media);
}
