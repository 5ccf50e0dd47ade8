import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { newRequestId } from '../shared/ids.js';
import { ApiError, errorBody, type ApiErrorCode } from './errors.js';
import { authenticate } from './middleware/authenticate.js';
import { registerAdminRoutes } from './routes/admin.channels.js';
import { registerCreateRoutes } from './routes/bailian.create.js';
import { registerResultsGet } from './routes/results.get.js';
import { registerTaskGet } from './routes/task.get.js';
import type { HttpServices } from './services.js';

/** 20 MiB, the largest image DashScope takes, as base64, plus room for the rest of the body. */
export const BODY_LIMIT_BYTES = Math.ceil((20 * 1024 * 1024 * 4) / 3) + 64 * 1024;

export interface AppOptions {
  logLevel: string;
}

const REQUEST_ID_HEADER = 'x-request-id';

/** Maps Fastify's own errors (parsing, limits) onto DashScope-shaped ones. */
function fromFastifyError(err: FastifyError): { code: ApiErrorCode; message: string } | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        code: 'BadRequest.TooLarge',
        message: `The request body exceeds ${BODY_LIMIT_BYTES} bytes (a 20 MB image as base64). Send large media as http(s) URLs.`,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        code: 'BadRequest.UnsupportedContentType',
        message: `Content-Type must be application/json.`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        code: 'BadRequest.InvalidJson',
        message: 'The request body is empty; send a JSON object.',
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        code: 'BadRequest.InvalidJson',
        message: `The request body is not valid JSON: ${err.message}`,
      };
    default:
      break;
  }
  if (err instanceof SyntaxError || err.statusCode === 400) {
    return {
      code: 'BadRequest.InvalidJson',
      message: `The request body is not valid JSON: ${err.message}`,
    };
  }
  return null;
}

export function createApp(s: HttpServices, opts: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: {
      level: opts.logLevel,
      // tokens travel in this header; it must never reach a log line
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-dashscope-api-key"]'],
        remove: true,
      },
    },
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    return503OnClosing: true,
  });

  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });

  // DashScope's SDKs send `application/json; charset=utf-8`; anything not JSON is refused.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    // parameters such as `; charset=utf-8` (the SDKs send it) follow the type
    /^application\/([a-z.+-]*\+)?json\s*(;.*)?$/i,
    { parseAs: 'string' },
    (_req, body, done) => {
      try {
        const text = typeof body === 'string' ? body : body.toString('utf8');
        done(null, JSON.parse(text) as unknown);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        done(Object.assign(e, { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }));
      }
    },
  );

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) {
      void reply
        .code(err.status)
        .headers(err.headers)
        .send(errorBody(req.id, err.code, err.message));
      return;
    }
    const mapped = fromFastifyError(err);
    if (mapped) {
      const status =
        mapped.code === 'BadRequest.TooLarge'
          ? 413
          : mapped.code === 'BadRequest.UnsupportedContentType'
            ? 415
            : 400;
      void reply.code(status).send(errorBody(req.id, mapped.code, mapped.message));
      return;
    }
    req.log.error({ err }, 'unhandled error');
    void reply
      .code(500)
      .send(
        errorBody(
          req.id,
          'InternalError',
          'An internal error occurred; quote the request_id when reporting it.',
        ),
      );
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(
        errorBody(req.id, 'NotFound', `No route ${req.method} ${req.url.split('?')[0] ?? ''}.`),
      );
  });

  app.get('/healthz', async () => {
    await s.ping();
    return { status: 'ok' };
  });
  registerResultsGet(app, s);
  if (s.admin) registerAdminRoutes(app, s.admin);

  // everything registered inside this plugin requires a token
  void app.register((api, _o, done) => {
    api.addHook('onRequest', authenticate(s.tokens));
    registerCreateRoutes(api, s);
    registerTaskGet(api, s);
    done();
  });
  return app;
}
