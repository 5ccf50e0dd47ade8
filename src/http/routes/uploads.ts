import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance } from 'fastify';
import { NATIVE_PREFIX, UPLOAD_FORM_PATH, withTrailingSlash } from '../../contract/routes.js';
import { Refusal } from '../../contract/refusal.js';
import { showValue } from '../../models/request-problem.js';
import type { UploadService } from '../../uploads/upload-service.js';
import { ApiError } from '../errors.js';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';

const FORM_LIMITS = { fields: 32, fieldSize: 16 * 1024, files: 1, parts: 40, headerPairs: 20 };

/**
 * Reads an upload form as the SDKs send it (fields, then the `file` part) and hands the file to
 * the upload service as it streams: nothing is held in memory. A refusal is answered at once,
 * without reading the rest of the body.
 */
function receiveForm(
  raw: IncomingMessage,
  uploads: UploadService,
): Promise<{ key: string; bytes: number; status: 200 | 204 }> {
  return new Promise((resolve, reject) => {
    let bb: BusboyInstance;
    try {
      bb = Busboy({ headers: raw.headers as BusboyHeaders, limits: FORM_LIMITS });
    } catch {
      reject(
        new Refusal('InvalidParameter', 'The upload must be multipart/form-data with a boundary.'),
      );
      return;
    }
    const fields: Record<string, string> = {};
    let started = false;
    const fail = (err: unknown): void => {
      raw.unpipe(bb);
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    bb.on('field', (name, value, _nameCut, valueCut) => {
      if (valueCut)
        fail(new Refusal('InvalidParameter', `The form field ${showValue(name)} is too long.`));
      else fields[name] = value;
    });
    bb.on('file', (name, stream, _fileName, _encoding, mimeType) => {
      if (name !== 'file' || started) {
        stream.resume();
        return;
      }
      started = true;
      // a client that goes away mid-file ends the copy, which then keeps nothing
      raw.once('close', () => {
        if (!raw.complete) stream.destroy(new Error('the client closed the upload'));
      });
      uploads
        .receive({ fields: { ...fields }, file: stream, contentType: mimeType || null })
        // OSS answers 204 unless the form asks for 200 (the SDKs do)
        .then(
          (r) => resolve({ ...r, status: fields.success_action_status === '200' ? 200 : 204 }),
          (err: unknown) => {
            stream.resume();
            fail(err);
          },
        );
    });
    bb.on('finish', () => {
      if (!started) reject(new Refusal('InvalidParameter', "The form has no 'file' part."));
    });
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      bb.on(limit, () => fail(new Refusal('InvalidParameter', 'The form has too many parts.')));
    }
    bb.on('error', () => fail(new Refusal('InvalidParameter', 'The multipart body is malformed.')));
    raw.pipe(bb);
  });
}

/**
 * The SDKs' local-file upload flow (reference §12.1, ADR 0017): `getPolicy` on the native face,
 * behind the key like every DashScope path, and the form POST its answer points to, which
 * carries no key (the SDKs send none) and is authorised by the signed policy alone.
 */
export function registerUploadRoutes(app: FastifyInstance, s: HttpServices): void {
  const uploads = s.uploads;
  if (!uploads) return;
  for (const url of withTrailingSlash(`${NATIVE_PREFIX}/uploads`)) {
    app.get<{ Querystring: Record<string, string | string[] | undefined> }>(url, async (req) => {
      const { action, model } = req.query;
      if (action !== 'getPolicy') {
        throw new ApiError(
          'InvalidParameter',
          `Query parameter 'action' must be getPolicy, got ${showValue(action ?? null)}.`,
        );
      }
      if (typeof model !== 'string' || model === '') {
        throw new ApiError('InvalidParameter', "Query parameter 'model' is required.");
      }
      const data = uploads.policyFor(
        callerOf(req).accountId,
        model,
        `${s.publicUrl}${UPLOAD_FORM_PATH}`,
      );
      await Promise.resolve();
      return { request_id: req.id, data };
    });
  }
  void app.register((scope, _o, done) => {
    // the form is streamed by the route itself, never buffered by a body parser
    scope.addContentTypeParser('multipart/form-data', (_req, _payload, next) => {
      next(null);
    });
    scope.post(UPLOAD_FORM_PATH, async (req, reply) => {
      let status: 200 | 204;
      try {
        ({ status } = await receiveForm(req.raw, uploads));
      } catch (err) {
        // the rest of a refused body is not read: the connection ends with the answer
        reply.header('connection', 'close');
        throw err;
      }
      return reply.code(status).send();
    });
    done();
  });
}
