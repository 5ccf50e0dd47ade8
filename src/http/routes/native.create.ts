import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  NATIVE_CREATE_ROUTES,
  NATIVE_PREFIX,
  withTrailingSlash,
  type NativeTaskGroup,
} from '../../contract/routes.js';
import { isObject } from '../../models/families/field-checks.js';
import { createPathOf, findModel, MODELS } from '../../models/model-table.js';
import { describeType, showValue } from '../../models/request-problem.js';
import { parseBoundedJson } from '../../shared/json-depth.js';
import { LargeJsonBody } from '../../tasks/create-intake.js';
import { ApiError } from '../errors.js';
import { peekModelName } from '../peek-model-name.js';
import type { HttpServices } from '../services.js';
import { answerCreate } from './bailian.create.js';

/** DashScope's answer to a create without `X-DashScope-Async: enable` (reference §1, §9). */
export function requireAsyncHeader(req: FastifyRequest): void {
  const v = req.headers['x-dashscope-async'];
  if (typeof v === 'string' && v.trim().toLowerCase() === 'enable') return;
  throw new ApiError('AccessDenied', 'current user api does not support synchronous calls');
}

function servedOn(group: NativeTaskGroup): string[] {
  return MODELS.filter((m) => m.taskGroup === group).map((m) => m.name);
}

function describeServed(group: NativeTaskGroup): string {
  const names = servedOn(group);
  return names.length > 0
    ? `this path serves ${names.join(', ')}`
    : 'no model vidgate serves lives on this path';
}

/**
 * The body of a native create, checked against its path; its mode is the body's (`native`). A
 * large body is not parsed here (it goes to an intake thread whole): its model is peeked at, and
 * only a body whose model cannot be found that way is parsed, to say what is wrong with it.
 */
function nativeBodyOf(group: NativeTaskGroup, body: unknown): { mode: 'native'; body: unknown } {
  let value = body;
  let name: unknown;
  if (body instanceof LargeJsonBody) {
    name = peekModelName(body.bytes);
    if (name === undefined) {
      const parsed = parseBoundedJson(body.bytes);
      if (!parsed.ok) throw new ApiError(parsed.code, parsed.message);
      value = parsed.value;
    }
  }
  if (name === undefined) {
    if (!isObject(value)) {
      throw new ApiError(
        'InvalidParameter',
        `The request body must be a JSON object, got ${describeType(value)}.`,
      );
    }
    name = value.model;
  }
  if (name === undefined || name === null || name === '') {
    throw new ApiError(
      'BadRequest.EmptyModel',
      `Field 'model' is required; ${describeServed(group)}.`,
    );
  }
  if (typeof name !== 'string') {
    throw new ApiError(
      'InvalidParameter',
      `Field 'model' must be a string, got ${describeType(name)}.`,
    );
  }
  const model = findModel(name);
  if (!model) {
    throw new ApiError(
      'InvalidParameter',
      `Model ${showValue(name)} is not supported; ${describeServed(group)}.`,
    );
  }
  if (model.taskGroup !== group) {
    throw new ApiError(
      'InvalidParameter',
      `Model ${model.name} is served on ${NATIVE_PREFIX}${createPathOf(model)}, not on this path.`,
    );
  }
  return { mode: 'native', body: value };
}

/**
 * DashScope's create paths (reference §1): the same task service as the seed face, the mode
 * taken from the model instead of the path. Unknown fields and the SDKs' own headers
 * (`X-DashScope-WorkSpace`, `X-DashScope-DataInspection`, user agents) are accepted as they are.
 */
export function registerNativeCreateRoutes(app: FastifyInstance, s: HttpServices): void {
  for (const { path, group } of NATIVE_CREATE_ROUTES) {
    for (const url of withTrailingSlash(path)) {
      // checked before the body is read, as DashScope does
      const onRequest = async (req: FastifyRequest): Promise<void> => {
        requireAsyncHeader(req);
        await Promise.resolve();
      };
      app.post(url, { onRequest }, async (req, reply) => {
        const { mode, body } = nativeBodyOf(group, req.body);
        return answerCreate(s, req, reply, mode, body);
      });
    }
  }
}
