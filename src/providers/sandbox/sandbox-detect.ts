import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaTools } from '../../media/ffmpeg.js';
import { checkMediaSource } from '../../media/inline-media.js';
import { MediaFetchError, type MediaFetcher } from '../../media/media-fetcher.js';
import { DASHSCOPE_MEDIA_RULES, slotRules } from '../../media/media-rules.js';
import { readHead } from '../../media/sniff.js';
import { S2V } from '../../models/input-rules.js';
import { mediaUrlKind } from '../../models/media-url.js';
import { ProviderError } from '../provider-error.js';
import type { FaceCheck } from '../provider.js';

/** A portrait is at least as tall as it is wide, but not a strip (a vidgate rule). */
const MAX_WIDTH_PER_HEIGHT = 1;
const MIN_WIDTH_PER_HEIGHT = 0.4;

/**
 * The sandbox's face check (families §7.1; DashScope's model is unpublished): the image must be
 * an http(s) URL the sandbox can fetch, a JPEG/PNG/BMP/WEBP of 400–7000 px a side (the check's
 * documented limits), and a plausible portrait: width/height between 0.4 and 1 (a half- or
 * full-body picture stands upright). A landscape picture does not pass. docs/models.md says so.
 */
export async function sandboxDetectFace(
  d: { fetcher: MediaFetcher; tools: MediaTools; workDir: string },
  imageUrl: string,
  signal?: AbortSignal,
): Promise<FaceCheck> {
  if (mediaUrlKind(imageUrl) !== 'http') {
    throw new ProviderError(
      'reject',
      'InvalidParameter',
      "Field 'input.image_url' must be an http(s) URL.",
    );
  }
  const rules = slotRules({ kind: 'image', limits: S2V.image }, DASHSCOPE_MEDIA_RULES);
  const dir = await mkdtemp(join(d.workDir, 'detect-'));
  const path = join(dir, 'image');
  try {
    try {
      await d.fetcher.fetchToFile(imageUrl, path, {
        maxBytes: rules.image.maxBytes,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (!(err instanceof MediaFetchError)) throw err;
      throw new ProviderError('reject', err.code, `input.image_url: ${err.message}`);
    }
    const source = {
      size: (await stat(path)).size,
      head: await readHead(path),
      readAll: () => readFile(path),
      path,
    };
    const verdict = await checkMediaSource('input.image_url', source, 'image', rules, d.tools);
    if (!verdict.ok)
      return { checkPass: false, humanoid: false, code: verdict.code, message: verdict.message };
    if (verdict.info.kind !== 'image') throw new Error('an image check answered another kind');
    const ratio = verdict.info.width / verdict.info.height;
    if (ratio > MAX_WIDTH_PER_HEIGHT || ratio < MIN_WIDTH_PER_HEIGHT) {
      return {
        checkPass: false,
        humanoid: false,
        code: 'InvalidParameter.FaceNotDetected',
        message: `No person was found: the sandbox takes an upright portrait (width/height from ${MIN_WIDTH_PER_HEIGHT} to ${MAX_WIDTH_PER_HEIGHT}), got ${verdict.info.width}x${verdict.info.height}.`,
      };
    }
    return { checkPass: true, humanoid: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
