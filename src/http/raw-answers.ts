import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { newRequestId } from '../shared/ids.js';
import { NO_STORE, SECURITY_HEADERS } from './edge-headers.js';
import { API_ERRORS, errorBody, type ApiErrorCode } from './errors.js';

/**
 * Answers for what never reaches a Fastify route: Node's HTTP parser errors (`clientError`),
 * CONNECT, and requests cut because their body did not arrive in time. Each is DashScope's
 * `{request_id, code, message}` with the same headers as every other answer.
 */

/** Node's own default; set explicitly so the documented 431 limit holds whatever flags Node runs with. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * After a raw answer the socket keeps reading (and discarding) for this long before it is
 * destroyed. Destroying at once, with the client still sending, would answer its next bytes
 * with a reset, and a reset can discard our answer before the client has read it.
 */
const LINGER_MS = 5000;

/** Sockets whose last answer is an error that closes them; later parser errors get no second. */
const closing = new WeakSet<object>();

export interface SlowRequestLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

/** The error Node hands to `clientError` listeners. */
interface ClientError extends Error {
  code?: string;
}

/** Writes one whole HTTP/1.1 error answer to a socket no response object owns, then closes it. */
export function writeRawError(
  socket: Duplex,
  code: ApiErrorCode,
  message: string,
  requestId: string = newRequestId(),
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = API_ERRORS[code];
  const body = JSON.stringify(errorBody(requestId, code, message));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    `x-request-id: ${requestId}`,
    `cache-control: ${NO_STORE}`,
    ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  closing.add(socket);
  socket.once('end', () => socket.destroy());
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * The reply of the request each connection is receiving, so a parser error or a timeout that
 * Node reports on the socket can be answered under that request's own id.
 */
const receiving = new WeakMap<object, FastifyReply>();

/** Answers 408 on a request whose body stopped or came too slowly, and closes the connection. */
function cutSlowRequest(reply: FastifyReply, message: string): void {
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.socket?.destroy();
    return;
  }
  reply.log.info({ timeout: message }, 'request body too slow; answered 408');
  closing.add(reply.raw.socket ?? reply.raw);
  void reply
    .code(API_ERRORS.RequestTimeOut)
    .header('connection', 'close')
    .send(errorBody(reply.request.id, 'RequestTimeOut', message));
}

/** Remembers the request a connection is receiving and cuts its body when the socket idles. */
export function trackIncoming(limits: SlowRequestLimits) {
  const idle = `No byte of the request body arrived for ${limits.idleTimeoutMs / 1000} s.`;
  return (req: FastifyRequest, reply: FastifyReply): void => {
    receiving.set(req.raw.socket, reply);
    // Node emits this only while the request is incomplete (its body still coming); a listener
    // keeps Node from destroying the socket before the 408 is written
    req.raw.once('timeout', () => cutSlowRequest(reply, idle));
  };
}

function clientErrorAnswer(
  err: ClientError,
  limits: SlowRequestLimits,
): { code: ApiErrorCode; message: string } {
  switch (err.code ?? '') {
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: 'BadRequest.HeadersTooLarge',
        message: `The request line and headers exceed ${MAX_HEADER_BYTES} bytes.`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        code: 'RequestTimeOut',
        message: `The request did not arrive in time: headers are allowed ${limits.headersTimeoutMs / 1000} s, the whole request ${limits.requestTimeoutMs / 1000} s.`,
      };
    case 'HPE_INVALID_METHOD':
      return { code: 'BadRequest.Malformed', message: 'The HTTP method is not one HTTP defines.' };
    default:
      return {
        code: 'BadRequest.Malformed',
        message: `The request is not valid HTTP/1.1 (${err.code ?? 'unreadable'}).`,
      };
  }
}

/**
 * Node's `clientError` listener (Fastify's `clientErrorHandler`): malformed requests, header
 * overflow and the header/request timeouts. Without it Node answers with a bare status line, or
 * Fastify with its own body shape.
 */
export function clientErrorHandler(log: FastifyBaseLogger, limits: SlowRequestLimits) {
  return (err: ClientError, socket: Socket): void => {
    if (closing.has(socket)) return;
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = clientErrorAnswer(err, limits);
    const reply = receiving.get(socket);
    const res = reply?.raw;
    if (reply && res && !res.writableEnded) {
      // a request on this socket is still open: answer it, unless its answer has begun
      if (answer.code === 'RequestTimeOut') {
        cutSlowRequest(reply, answer.message);
      } else if (!reply.sent && !res.headersSent) {
        closing.add(socket);
        void reply
          .code(API_ERRORS[answer.code])
          .header('connection', 'close')
          .send(errorBody(reply.request.id, answer.code, answer.message));
      } else {
        socket.destroy();
      }
      return;
    }
    const requestId = newRequestId();
    log.info({ reqId: requestId, err: { code: err.code } }, 'client error');
    writeRawError(socket, answer.code, answer.message, requestId);
  };
}

/** Node hands CONNECT to `connect` listeners only, and drops the socket when there is none. */
export function refuseConnect(server: Server): void {
  server.on('connect', (_req, socket: Duplex) => {
    writeRawError(socket, 'BadRequest.Malformed', 'CONNECT is not supported: vidgate is no proxy.');
  });
  // an `Expect` other than 100-continue gets a bare 417 from Node; serving it normally is allowed
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
}
