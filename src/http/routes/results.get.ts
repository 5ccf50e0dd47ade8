import type { FastifyInstance } from 'fastify';
import { VIDEO_CSP } from '../edge-headers.js';
import { ApiError } from '../errors.js';
import type { HttpServices } from '../services.js';

const resultPath = (taskId: string): string => `/results/${taskId}.mp4`;

/** A fresh signed link; each task query hands out one valid for the configured TTL. */
export function resultLink(
  s: Pick<HttpServices, 'links' | 'clock' | 'publicUrl' | 'resultLinkTtlMs'>,
  taskId: string,
): string {
  const path = resultPath(taskId);
  const { exp, sig } = s.links.sign(path, s.clock.now() + s.resultLinkTtlMs);
  return `${s.publicUrl}${path}?exp=${exp}&sig=${sig}`;
}

function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

/** Serves stored results to anyone holding a valid link (no token: players and browsers fetch it). */
export function registerResultsGet(app: FastifyInstance, s: HttpServices): void {
  app.get<{ Params: { file: string }; Querystring: { exp?: string; sig?: string } }>(
    '/results/:file',
    async (req, reply) => {
      const m = /^(task_[a-z0-9]+)\.mp4$/.exec(req.params.file);
      const exp = Number(req.query.exp);
      const sig = req.query.sig ?? '';
      const verdict =
        m?.[1] && Number.isInteger(exp)
          ? s.links.verify(resultPath(m[1]), exp, sig, s.clock.now())
          : 'invalid';
      if (verdict === 'expired')
        throw new ApiError(
          'AccessDenied',
          'This link has expired; query the task again for a fresh video_url.',
        );
      if (verdict !== 'ok' || !m?.[1])
        throw new ApiError('AccessDenied', 'This link is not valid.');
      const key = `results/${m[1]}.mp4`;
      const stat = await s.storage.stat(key);
      if (!stat) throw new ApiError('NotFound', 'The result no longer exists.');
      const range = parseRange(req.headers.range, stat.size);
      reply.header('content-type', 'video/mp4').header('accept-ranges', 'bytes');
      reply.header('cache-control', 'private, max-age=3600');
      // played in place, and saved under the task's name; the id is [a-z0-9_] only
      reply.header('content-disposition', `inline; filename="${m[1]}.mp4"`);
      reply.header('content-security-policy', VIDEO_CSP);
      if (range === 'invalid') {
        return reply.code(416).header('content-range', `bytes */${stat.size}`).send();
      }
      if (range) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${stat.size}`);
        reply.header('content-length', range.end - range.start + 1);
        return reply.send(await s.storage.open(key, range));
      }
      reply.header('content-length', stat.size);
      return reply.send(await s.storage.open(key));
    },
  );
}
