import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findModel } from '../models/model-table.js';
import { modelMediaFields, modelMediaTogether } from './model-media.js';
import type { MediaTools } from './ffmpeg.js';
import type { MediaFetcher } from './media-fetcher.js';
import { CheckedMediaStore } from './checked-media.js';
import { DASHSCOPE_MEDIA_RULES, MediaChecker, mediaRulesFromTable } from './media-checker.js';
import { SafeMediaFetcher } from './safe-media-fetcher.js';
import { UploadAwareFetcher, type UploadReader } from './upload-aware-fetcher.js';

export interface MediaSetup {
  dataDir: string;
  mediaAllowHosts: readonly string[];
}

/**
 * The fetcher and checker every process (and every intake thread) uses, built one way: each
 * model's media rules come from the model table, downloads go through the SSRF-safe fetcher.
 */
export function buildMediaChecker(
  s: MediaSetup,
  tools: MediaTools,
  /** files uploaded to vidgate (ADR 0017); an intake thread, which never reads them, has none */
  uploads?: UploadReader,
): { fetcher: MediaFetcher; media: MediaChecker; checkedMedia: CheckedMediaStore } {
  const safe = new SafeMediaFetcher({ timeoutMs: 60_000, allowHosts: s.mediaAllowHosts });
  const fetcher = uploads ? new UploadAwareFetcher(safe, uploads) : safe;
  const tempDir = join(s.dataDir, 'tmp');
  mkdirSync(tempDir, { recursive: true });
  // the copies CHECKING downloaded, kept for the sandbox so an input is fetched once (ADR 0009)
  const checkedMedia = new CheckedMediaStore(join(s.dataDir, 'checked-media'));
  const media = new MediaChecker({
    checked: checkedMedia,
    fetcher,
    tools,
    policy: safe.policy,
    tempDir,
    rulesFor: (m) => {
      const spec = findModel(m);
      if (!spec) return DASHSCOPE_MEDIA_RULES;
      if (spec.family === 'wan2.6') return mediaRulesFromTable(spec.media);
      // every other family gives each slot its own limits and counts its media itself
      const d = DASHSCOPE_MEDIA_RULES;
      return { ...d, video: { ...d.video, maxCount: Number.POSITIVE_INFINITY } };
    },
    fieldsOf: modelMediaFields,
    together: modelMediaTogether,
  });
  return { fetcher, media, checkedMedia };
}
