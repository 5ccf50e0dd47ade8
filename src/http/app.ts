import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { loggerOptions } from '../shared/logger.js';
import { defaultHttpEdgeConfig, type HttpEdgeConfig } from '../config/load.js';
import { newRequestId } from '../shared/ids.js';
import { AuthThrottle } from './auth-throttle.js';
import { corsHook, NO_STORE, SECURITY_HEADERS } from './edge-headers.js';
import { mapError, sendError, shortPath, type ErrorLimits } from './error-mapping.js';
import { ApiError } from './errors.js';
import { registerJsonParser } from './json-body.js';
import { AuthGuard, authenticate } from './middleware/authenticate.js';
import {
  clientErrorHandler,
  MAX_HEADER_BYTES,
  refuseConnect,
  trackIncoming,
} from './raw-answers.js';
import { registerAdminRoutes } from './routes/admin.channels.js';
import { isNativePath } from '../contract/routes.js';
import { registerCreateRoutes } from './routes/bailian.create.js';
import { registerPushRoute } from './routes/upstream-push.js';
import { registerFaceDetectRoutes } from './routes/face-detect.js';
import { registerNativeCreateRoutes } from './routes/native.create.js';
import { registerResultsGet } from './routes/results.get.js';
import { registerNativeTaskCancel, registerTaskCancel } from './routes/task.cancel.js';
import { registerNativeTaskGet, registerTaskGet } from './routes/task.get.js';
import { registerNativeTaskList, registerTaskList } from './routes/task.list.js';
import { registerUploadRoutes } from './routes/uploads.js';
import type { HttpServices } from './services.js';

/** 20 MiB, the largest image DashScope takes, as base64, plus room for the rest of the body. */
export const BODY_LIMIT_BYTES = Math.ceil((20 * 1024 * 1024 * 4) / 3) + 64 * 1024;

/** Longest path segment a route takes; task ids are 31 characters. */
const MAX_PARAM_LENGTH = 100;

export interface AppOptions {
  /** the process's logger (services/create-logger.ts); else one of `logLevel` is made here */
  logger?: FastifyBaseLogger;
  logLevel: string;
  /** timeouts, CORS and failed-auth throttling; the documented defaults when absent */
  http?: HttpEdgeConfig;
}

const REQUEST_ID_HEADER = 'x-request-id';

/**
 * How often Node looks for connections past the header or request timeout; a timeout fires up
 * to this late. A quarter of the shorter timeout, between 250 ms and 1 s.
 */
function timeoutCheckIntervalMs(e: HttpEdgeConfig): number {
  return Math.min(
    1000,
    Math.max(250, Math.floor(Math.min(e.headersTimeoutMs, e.requestTimeoutMs) / 4)),
  );
}

/**
 * A route's total time, from its headers to its last byte. Routes that move up to 28 MB (the
 * create bodies in, the videos out) also get the whole request timeout for the transfer.
 */
function routeTotalMs(route: RouteOptions, e: HttpEdgeConfig): number {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const transfers = methods.includes('POST') || route.url.startsWith('/results/');
  return transfers ? e.requestTimeoutMs + e.routeTimeoutMs : e.routeTimeoutMs;
}

export function createApp(s: HttpServices, opts: AppOptions): FastifyInstance {
  const edge = opts.http ?? defaultHttpEdgeConfig();
  const headersTimeoutMs = Math.min(edge.headersTimeoutMs, edge.requestTimeoutMs);
  const limits: ErrorLimits = {
    bodyLimitBytes: BODY_LIMIT_BYTES,
    maxParamLength: MAX_PARAM_LENGTH,
  };
  const slow = { ...edge, headersTimeoutMs };
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: loggerOptions(opts.logLevel) }),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    // requests that arrive while closing are served (with Connection: close); Fastify's own
    // 503 for them has a body of another shape
    return503OnClosing: false,
    http: {
      headersTimeout: headersTimeoutMs,
      connectionsCheckingInterval: timeoutCheckIntervalMs(edge),
      maxHeaderSize: MAX_HEADER_BYTES,
      // a request without Host is refused below, as JSON, instead of with Node's empty 400
      requireHostHeader: false,
    },
    requestTimeout: edge.requestTimeoutMs,
    connectionTimeout: edge.idleTimeoutMs,
    keepAliveTimeout: edge.keepAliveTimeoutMs,
    trustProxy: edge.trustProxy.length > 0 ? edge.trustProxy.join(',') : false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (err, req, reply) => sendError(reply, mapError(err, req, limits)),
    clientErrorHandler: (err, socket) => onClientError(err, socket),
  });
  const onClientError = clientErrorHandler(app.log, slow);
  refuseConnect(app.server);

  app.addHook('onRoute', (route) => {
    route.handlerTimeout ??= routeTotalMs(route, edge);
  });

  /** The methods some route answers on this path, for 405 and preflight answers. */
  const methodsFor = (path: string): string[] =>
    app.supportedMethods.filter((method) => {
      try {
        return app.findRoute({ method, url: path }) !== null;
      } catch {
        return false;
      }
    });

  app.decorateRequest('caller', null);
  const track = trackIncoming(slow);
  app.addHook('onRequest', async (req, reply) => {
    reply
      .header(REQUEST_ID_HEADER, req.id)
      .headers(SECURITY_HEADERS)
      .header('cache-control', NO_STORE);
    track(req, reply);
    // Node checks this only when asked to; here it is answered like every other error
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) {
      throw new ApiError('BadRequest.Malformed', 'An HTTP/1.1 request needs a Host header.');
    }
    await Promise.resolve();
  });
  if (edge.corsOrigins.length > 0) {
    app.addHook('onRequest', corsHook({ origins: edge.corsOrigins, methodsFor }));
  }

  registerJsonParser(app, edge);

  app.setErrorHandler((err, req, reply) => {
    const m = mapError(err, req, limits);
    if (!m) req.log.error({ err }, 'unhandled error');
    sendError(reply, m);
  });

  app.setNotFoundHandler(async (req) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = methodsFor(path);
    if (allowed.length > 0) {
      throw new ApiError(
        'MethodNotAllowed',
        `${shortPath(path)} does not take ${req.method}; it takes ${allowed.join(', ')}.`,
        { allow: allowed.join(', ') },
      );
    }
    await Promise.resolve();
    throw new ApiError('NotFound', `No route ${req.method} ${shortPath(path)}.`);
  });

  const guard = new AuthGuard(
    new AuthThrottle({ limit: edge.authFailureLimit, windowMs: edge.authFailureWindowMs }),
    s.clock,
  );
  app.get('/healthz', async (req) => {
    await s.ping();
    return { request_id: req.id, status: 'ok' };
  });
  registerResultsGet(app, s);
  if (s.push) registerPushRoute(app, s.push);
  if (s.admin) registerAdminRoutes(app, s.admin, guard);

  // DashScope checks the key before it looks at the path: on the native face a wrong key is
  // 401 on every path, unknown ones included, and only an authenticated caller learns of a 404
  const checkToken = authenticate(s.tokens, guard);
  app.addHook('onRequest', async (req) => {
    if (isNativePath(req.url)) await checkToken(req);
  });
  registerNativeCreateRoutes(app, s);
  registerNativeTaskGet(app, s);
  registerNativeTaskCancel(app, s);
  registerNativeTaskList(app, s);
  registerUploadRoutes(app, s);
  if (s.faceDetect) registerFaceDetectRoutes(app, s.faceDetect, 'native');

  // everything registered inside this plugin requires a token
  void app.register((api, _o, done) => {
    api.addHook('onRequest', authenticate(s.tokens, guard));
    registerCreateRoutes(api, s);
    registerTaskGet(api, s);
    registerTaskCancel(api, s);
    registerTaskList(api, s);
    if (s.faceDetect) registerFaceDetectRoutes(api, s.faceDetect, 'seed');
    done();
  });
  return app;
}
