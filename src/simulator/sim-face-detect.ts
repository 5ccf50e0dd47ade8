import { randomUUID } from 'node:crypto';
import { imageSize } from 'image-size';
import { SIM_FACE_DETECT } from './rules/families/family-catalogue.js';
import { simUrlForm } from './rules/sim-media-url.js';
import { isFields } from './rules/sim-problem.js';
import type { SimAccount } from './sim-account.js';
import type { SimReply, SimRequest } from './sim-api.js';
import type { SimRegion, SimTaskFailure } from './sim-options.js';

/**
 * `POST /services/aigc/image2video/face-detect` (F§7.1): synchronous, no async header, billed
 * per call. The simulator's rule for "a face is detected" (docs/simulator.md): the image URL is
 * public http(s), the simulator can download it, its bytes are a JPG/PNG/BMP/WEBP whose width
 * and height are 400–7000 px, no failure is forced by the admin endpoint, and the `faceDetect`
 * option (default: the URL does not contain NO_FACE) passes it. Request errors answer like a
 * create's; every verdict on an image answers 200 with `check_pass` (F§7.1 "HTTP 200 either
 * way").
 */

export interface DetectDeps {
  region: SimRegion;
  /** a verdict the admin forced for every call (POST /__sim/face-detect), or null */
  forced: SimTaskFailure | null;
  verdict: (imageUrl: string) => SimTaskFailure | null;
  fetchTimeoutMs?: number;
}

const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

function error(status: number, code: string, message: string): SimReply {
  return { status, body: { request_id: randomUUID(), code, message } };
}

function verdict(failure: SimTaskFailure | null): SimReply {
  const output = failure
    ? { check_pass: false, humanoid: false, code: failure.code, message: failure.message }
    : { check_pass: true, humanoid: true };
  // F§7.1 "charged whether it passes or not": image_count on every verdict
  return { status: 200, body: { request_id: randomUUID(), output, usage: { image_count: 1 } } };
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request-level checks: the image URL to judge, or the refusal. */
function checkRequest(req: SimRequest, region: SimRegion): SimReply | string {
  if (!/^application\/json\b/i.test(header(req, 'content-type') ?? ''))
    return error(400, 'InvalidParameter', 'Content-Type must be application/json.');
  let raw: unknown;
  try {
    raw = JSON.parse(req.body.toString('utf8'));
  } catch {
    return error(400, 'InvalidParameter', 'The request body is not valid JSON.');
  }
  if (!isFields(raw))
    return error(400, 'InvalidParameter', 'The request body must be a JSON object.');
  if (raw.model === undefined || raw.model === null || raw.model === '')
    return error(400, 'BadRequest.EmptyModel', 'Required parameter "model" missing from request.');
  const known: readonly SimRegion[] = SIM_FACE_DETECT.regions;
  if (raw.model !== SIM_FACE_DETECT.model || !known.includes(region))
    return error(400, 'InvalidParameter', 'Model not exist.');
  if (raw.input === undefined || raw.input === null)
    return error(400, 'BadRequest.EmptyInput', 'Required parameter "input" missing from request.');
  if (!isFields(raw.input)) return error(400, 'InvalidParameter', 'Field input must be an object.');
  const url = raw.input.image_url;
  if (url === undefined || url === null || url === '')
    return error(400, 'InvalidParameter', 'Field required: input.image_url');
  if (typeof url !== 'string')
    return error(400, 'InvalidParameter', 'Field input.image_url must be a URL string.');
  const form = simUrlForm(url);
  if (form === null) return error(400, 'InvalidURL', 'The URL in input.image_url is invalid.');
  // F§7.1 "public http(s)"; data: and oss:// are refused (a guess, docs/simulator.md)
  if (form !== 'http')
    return error(400, 'InvalidParameter', 'Field input.image_url must be a public http(s) URL.');
  return url;
}

async function download(url: string, timeoutMs: number): Promise<Buffer | string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `the image URL answered HTTP ${res.status}`;
    const bytes = Buffer.from(await res.arrayBuffer());
    return bytes.length > MAX_IMAGE_BYTES ? 'the image is larger than 20 MB' : bytes;
  } catch (err) {
    return `the image could not be downloaded (${err instanceof Error ? err.message : 'error'})`;
  }
}

/** The verdict on the downloaded bytes: format and size (F§7.1), then the configured rule. */
function judge(bytes: Buffer): SimTaskFailure | null {
  let size: { width?: number; height?: number; type?: string };
  try {
    size = imageSize(bytes);
  } catch {
    size = {};
  }
  const type = size.type === 'jpeg' ? 'jpg' : size.type;
  const formats: readonly string[] = SIM_FACE_DETECT.formats;
  if (type === undefined || !formats.includes(type))
    return {
      code: 'BadRequest.UnsupportedFileFormat',
      message: 'The image format is not supported: use JPG, JPEG, PNG, BMP or WEBP.',
    };
  const { width = 0, height = 0 } = size;
  const { minSide, maxSide } = SIM_FACE_DETECT;
  if ([width, height].some((s) => s < minSide || s > maxSide))
    return {
      code: 'InvalidParameter',
      message: `The image width and height must be ${minSide} to ${maxSide} pixels, got ${width}x${height}.`,
    };
  return null;
}

export async function faceDetect(
  req: SimRequest,
  account: SimAccount,
  now: number,
  deps: DetectDeps,
): Promise<SimReply> {
  // §1 the mirror-image error of sync-only APIs: "current user api does not support
  // asynchronous calls" (403 AccessDenied)
  if (header(req, 'x-dashscope-async')?.toLowerCase() === 'enable')
    return error(403, 'AccessDenied', 'current user api does not support asynchronous calls');
  const block = account.admitDetect(now);
  if (block !== null) {
    return {
      ...error(
        429,
        'Throttling.RateQuota',
        'Requests rate limit exceeded, please try again later.',
      ),
      headers: { 'retry-after': String(block) },
    };
  }
  const checked = checkRequest(req, deps.region);
  if (typeof checked !== 'string') return checked;
  if (deps.forced) return verdict(deps.forced);
  const bytes = await download(checked, deps.fetchTimeoutMs ?? 10_000);
  if (typeof bytes === 'string')
    return verdict({
      code: 'BadRequest.InputDownloadFailed',
      message: `Failed to download: ${bytes}.`,
    });
  return verdict(judge(bytes) ?? deps.verdict(checked));
}
