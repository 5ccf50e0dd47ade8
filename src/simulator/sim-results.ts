import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LinkSigner } from '../shared/link-signer.js';
import type { SimState } from './sim-state.js';
import { resultPath } from './sim-task-view.js';
import type { SimVideoSource } from './sim-video.js';

const RESULT_PATH = /^\/results\/([0-9a-f-]{36})\.mp4$/;

/** OSS answers object errors in XML; clients that log the body see the familiar shape. */
function ossError(res: ServerResponse, status: number, code: string, message: string): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n` +
    `  <Message>${message}</Message>\n  <HostId>simulator</HostId>\n</Error>\n`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function parseRange(header: string | undefined, size: number): [number, number] | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header) : null;
  if (!m) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  const start = a === '' ? Math.max(0, size - Number(b)) : Number(a);
  const end = a === '' || b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return start <= end && start < size ? [start, end] : null;
}

/**
 * Serves `/results/<task>.mp4?Expires&OSSAccessKeyId&Signature` like an OSS signed URL:
 * no API key, the signature and expiry alone decide. Returns false for other paths.
 */
export async function serveResult(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: { state: SimState; signer: LinkSigner; videos: SimVideoSource },
): Promise<boolean> {
  const m = RESULT_PATH.exec(url.pathname);
  if (!m?.[1]) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    ossError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed.');
    return true;
  }
  const exp = Number(url.searchParams.get('Expires'));
  const sig = url.searchParams.get('Signature');
  if (!sig || !Number.isInteger(exp)) {
    ossError(res, 403, 'AccessDenied', 'You have no right to access this object.');
    return true;
  }
  const verdict = deps.signer.verify(resultPath(m[1]), exp, sig, deps.state.now());
  if (verdict === 'invalid') {
    ossError(
      res,
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match.',
    );
    return true;
  }
  if (verdict === 'expired') {
    ossError(res, 403, 'AccessDenied', 'Request has expired.');
    return true;
  }
  const task = deps.state.anyTask(m[1]);
  if (!task) {
    ossError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    return true;
  }
  const bytes = await deps.videos.video(task);
  const range = parseRange(req.headers.range, bytes.length);
  const body = range ? bytes.subarray(range[0], range[1] + 1) : bytes;
  const headers: Record<string, string> = {
    'content-type': 'video/mp4',
    'content-length': String(body.length),
    'accept-ranges': 'bytes',
  };
  if (range) headers['content-range'] = `bytes ${range[0]}-${range[1]}/${bytes.length}`;
  res.writeHead(range ? 206 : 200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
