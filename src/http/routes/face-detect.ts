import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FACE_DETECT_ROUTES } from '../../contract/routes.js';
import { isObject } from '../../models/families/field-checks.js';
import { S2V_DETECT_MODEL } from '../../models/families/s2v.js';
import { mediaUrlKind } from '../../models/media-url.js';
import { describeType, showValue } from '../../models/request-problem.js';
import type { DetectOutcome } from '../../upstream/face-detect.js';
import { ApiError } from '../errors.js';

/** The face check a face can run (upstream/FaceDetectService fits). */
export interface FaceDetector {
  detect(imageUrl: string, signal?: AbortSignal): Promise<DetectOutcome>;
}

/** The body DashScope documents (families §7.1), read once here: the image URL to check. */
function imageUrlOf(body: unknown): string {
  if (!isObject(body)) {
    throw new ApiError(
      'InvalidParameter',
      `The request body must be a JSON object, got ${describeType(body)}.`,
    );
  }
  const model = body.model;
  if (model !== undefined && model !== null && model !== S2V_DETECT_MODEL) {
    throw new ApiError(
      'InvalidParameter',
      `Field 'model' must be ${S2V_DETECT_MODEL} (the check of speech-to-video portraits), got ${showValue(model)}.`,
    );
  }
  if (body.input === undefined || body.input === null) {
    throw new ApiError(
      'BadRequest.EmptyInput',
      'Field \'input\' is required: {"image_url": "https://…"}.',
    );
  }
  if (!isObject(body.input)) {
    throw new ApiError(
      'InvalidParameter',
      `Field 'input' must be an object, got ${describeType(body.input)}.`,
    );
  }
  const url = body.input.image_url;
  if (typeof url !== 'string' || url === '') {
    throw new ApiError(
      'InvalidParameter',
      "Field 'input.image_url' is required: the portrait to check, as an http(s) URL.",
    );
  }
  if (mediaUrlKind(url) !== 'http') {
    throw new ApiError(
      'InvalidURL',
      `Field 'input.image_url' must be an http(s) URL, got ${showValue(url)}.`,
    );
  }
  return url;
}

async function answer(detector: FaceDetector, req: FastifyRequest) {
  const url = imageUrlOf(req.body);
  const abort = new AbortController();
  req.raw.once('close', () => {
    if (!req.raw.complete) abort.abort();
  });
  const out = await detector.detect(url, abort.signal);
  if (!out.ok) {
    const headers: Record<string, string> =
      out.retryAfterMs === undefined
        ? {}
        : { 'Retry-After': String(Math.ceil(out.retryAfterMs / 1000)) };
    throw new ApiError(out.code, out.message, headers);
  }
  const c = out.check;
  return {
    request_id: req.id,
    output: {
      check_pass: c.checkPass,
      humanoid: c.humanoid,
      ...(c.code === undefined ? {} : { code: c.code }),
      ...(c.message === undefined ? {} : { message: c.message }),
    },
    // charged whether it passes or not (families §7.1)
    usage: { image_count: 1 },
  };
}

/**
 * s2v's synchronous face check on both faces: DashScope's path (no async header, as DashScope
 * documents it) and the seed face's. Authentication is the face's (done before routing on the
 * native face, by the plugin's hook on the seed face).
 */
export function registerFaceDetectRoutes(
  app: FastifyInstance,
  detector: FaceDetector,
  face: 'native' | 'seed',
): void {
  for (const path of FACE_DETECT_ROUTES[face]) app.post(path, (req) => answer(detector, req));
}
