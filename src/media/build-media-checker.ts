import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findModel } from '../models/model-table.js';
import type { MediaTools } from './ffmpeg.js';
import { CheckedMediaStore } from './checked-media.js';
import { DASHSCOPE_MEDIA_RULES, MediaChecker, mediaRulesFromTable } from './media-checker.js';
import { SafeMediaFetcher } from './safe-media-fetcher.js';

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
): { fetcher: SafeMediaFetcher; media: MediaChecker; checkedMedia: CheckedMediaStore } {
  const fetcher = new SafeMediaFetcher({ timeoutMs: 60_000, allowHosts: s.mediaAllowHosts });
  const tempDir = join(s.dataDir, 'tmp');
  mkdirSync(tempDir, { recursive: true });
  // the copies CHECKING downloaded, kept for the sandbox so an input is fetched once (ADR 0009)
  const checkedMedia = new CheckedMediaStore(join(s.dataDir, 'checked-media'));
  const media = new MediaChecker({
    checked: checkedMedia,
    fetcher,
    tools,
    policy: fetcher.policy,
    tempDir,
    rulesFor: (m) => {
      const spec = findModel(m);
      return spec ? mediaRulesFromTable(spec.media) : DASHSCOPE_MEDIA_RULES;
    },
  });
  return { fetcher, media, checkedMedia };
}
