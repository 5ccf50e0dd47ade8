import type { FastifyInstance } from 'fastify';
import { ALL_CREATE_PATHS } from '../contract/routes.js';
import { LargeJsonBody } from '../tasks/create-intake.js';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseBoundedJson } from '../shared/json-depth.js';
import { contentLengthOf, isLargeBody, readBody } from './body-reader.js';
import { ApiError } from './errors.js';
import { LargeBodyGate } from './large-body-gate.js';

export { MAX_JSON_DEPTH, nestsDeeperThan };

/**
 * Bodies above this are left unparsed for an intake thread: in practice every body that carries
 * inline media (a README example is about 40 KB). Parsing, checking and storing even those on the
 * event loop, 16 at a time, put task queries 5-6 times their idle p99 (docs/benchmarks.md).
 */
export const LARGE_BODY_BYTES = 16 * 1024;

/**
 * The only body parser: JSON, as DashScope's SDKs send it (`application/json; charset=utf-8`).
 * Anything else is refused with 415 by Fastify itself. The size limit is Fastify's `bodyLimit`,
 * applied by readBody as Fastify applies it.
 */
export function registerJsonParser(
  app: FastifyInstance,
  limits: { maxLargeBodies: number; maxLargeBodiesPerAccount: number },
): LargeBodyGate {
  const gate = new LargeBodyGate(limits.maxLargeBodies, limits.maxLargeBodiesPerAccount);
  // a large body's place is freed when its answer is sent or its connection dies
  const places = new WeakMap<object, () => void>();
  app.addHook('onRequest', (req, reply, next) => {
    // only a body that can take a place needs the listener
    if (isLargeBody(contentLengthOf(req.headers['content-length'])))
      reply.raw.once('close', () => places.get(req.raw)?.());
    next();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    // parameters such as `; charset=utf-8` follow the type
    /^application\/([a-z.+-]*\+)?json\s*(;.*)?$/i,
    (req, payload, done) => {
      const limits = {
        limit: req.routeOptions.bodyLimit,
        contentLength: contentLengthOf(req.headers['content-length']),
        // the account is known here: tokens are checked before any body is read
        hold: async () => places.set(req.raw, await gate.acquire(req.caller?.accountId ?? req.ip)),
      };
      readBody(payload, limits, (err, body) => {
        if (err || !body) done(err ?? new Error('no body'), undefined);
        else parseJsonBody(req.method, body, CREATE_PATHS.has(req.routeOptions.url ?? ''), done);
      });
    },
  );
  return gate;
}

/** Only the create routes take a body unparsed (the task service hands it to an intake thread). */
const CREATE_PATHS = new Set(ALL_CREATE_PATHS);

function parseJsonBody(
  method: string,
  body: Buffer,
  isCreate: boolean,
  done: (err: Error | null, value?: unknown) => void,
): void {
  // only the create and admin POST routes need a body; a DELETE (or any other method) that
  // declares JSON but sends nothing simply has none
  if (body.length === 0) {
    if (method === 'POST') {
      done(
        new ApiError('BadRequest.InvalidJson', 'The request body is empty; send a JSON object.'),
      );
    } else {
      done(null, undefined);
    }
    return;
  }
  // parsing and checking a body this large would hold the event loop for many
  // milliseconds: the create path does it on an intake thread (src/jobs/intake-pool.ts)
  if (body.length > LARGE_BODY_BYTES && method === 'POST' && isCreate) {
    done(null, new LargeJsonBody(body));
    return;
  }
  const parsed = parseBoundedJson(body);
  if (parsed.ok) done(null, parsed.value);
  else done(new ApiError(parsed.code, parsed.message));
}
