import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressPolicy } from './address-policy.js';
import type { CheckedEntry, CheckedMediaStore } from './checked-media.js';
import { parseDataUri } from './data-uri.js';
import type { MediaTools } from './ffmpeg.js';
import {
  checkInlineMedia,
  checkMediaSource,
  mediaCategory,
  sniffMediaFormat,
  type MediaInfo,
  type MediaKind,
  type MediaRules,
} from './inline-media.js';
import { mediaUrlKind, MEDIA_URL_FORMS } from '../models/media-url.js';
import { DASHSCOPE_MEDIA_RULES, slotRules } from './media-rules.js';
import type { ImageInputRule, TimedInputRule } from '../models/model-table.js';
import { MediaFetchError, type MediaFetcher } from './media-fetcher.js';
import { readHead } from './sniff.js';

export type {
  AudioFormat,
  ImageFormat,
  MediaInfo,
  MediaKind,
  MediaRules,
  VideoFormat,
} from './inline-media.js';
export { DASHSCOPE_MEDIA_RULES, mediaRulesFromTable } from './media-rules.js';

/** The part of a create body that carries media (RequestBody from models/ fits). */
export interface MediaBody {
  model: string;
  input: Record<string, unknown>;
  /** some rules read a parameter too (a first clip against `duration`) */
  parameters?: Record<string, unknown>;
}

export interface MediaField {
  /** the request path, e.g. `input.reference_urls[1]`, used in messages */
  field: string;
  url: string;
  kind: MediaKind;
  /** the field's own limits (models/media-slot.ts); the model's rules when absent */
  limits?: ImageInputRule | TimedInputRule;
}

/** A rule over all of a body's checked media together (total seconds, a clip vs the length). */
export type MediaTogetherCheck = (
  body: MediaBody,
  media: ReadonlyArray<{ field: MediaField; info: MediaInfo }>,
) => { code: 'InvalidParameter' | 'InvalidURL'; message: string } | null;

export interface CheckedMedia {
  field: string;
  info: MediaInfo;
}

export type InlineVerdict =
  | { ok: true; media: CheckedMedia[] }
  | { ok: false; code: 'InvalidParameter' | 'InvalidURL'; message: string };

export type MediaVerdict =
  | { ok: true; media: CheckedMedia[] }
  | {
      ok: false;
      code: 'InvalidParameter' | 'InvalidURL' | 'BadRequest.InputDownloadFailed';
      message: string;
    };

export interface MediaCheckerOptions {
  /** fetches remote media; a SafeMediaFetcher in production */
  fetcher: MediaFetcher;
  tools: MediaTools;
  /** when given, create-time checks refuse http(s) URLs whose host is plainly not public */
  policy?: AddressPolicy;
  /** where remote media is downloaded while it is checked; os.tmpdir() unless set */
  tempDir?: string;
  /** the rules for a model name; DASHSCOPE_MEDIA_RULES for every model unless set */
  rulesFor?: (model: string) => MediaRules;
  /** where checkRemote keeps the checked copies of a task that asks for it (ADR 0009) */
  checked?: CheckedMediaStore;
  /** the media fields of a body (the model family's slots); wan2.6's flat fields unless set */
  fieldsOf?: (body: MediaBody) => readonly MediaField[];
  /** the model's rules over all its media once read */
  together?: MediaTogetherCheck;
}

// the one reading of a media field's form (models/media-url.ts), shared with validation
const isDataUri = (url: string) => mediaUrlKind(url) === 'data';
const isOssUrl = (url: string) => mediaUrlKind(url) === 'oss';
const isUpload = (url: string) => mediaUrlKind(url) === 'upload';

/** Every media URL in a body, in request order. */
export function mediaFields(body: MediaBody): MediaField[] {
  const { input } = body;
  const out: MediaField[] = [];
  if (typeof input.img_url === 'string') {
    out.push({ field: 'input.img_url', url: input.img_url, kind: 'image' });
  }
  if (typeof input.audio_url === 'string') {
    out.push({ field: 'input.audio_url', url: input.audio_url, kind: 'audio' });
  }
  // reference_video_urls is the deprecated spelling some SDK samples still send
  for (const key of ['reference_urls', 'reference_video_urls'] as const) {
    const list: unknown = input[key];
    if (!Array.isArray(list)) continue;
    list.forEach((url: unknown, i) => {
      if (typeof url === 'string') {
        out.push({ field: `input.${key}[${i}]`, url, kind: 'image-or-video' });
      }
    });
  }
  return out;
}

/** True when the body has http(s) media or uploads that checkRemote must read before dispatch. */
export function hasRemoteMedia(body: MediaBody): boolean {
  return mediaFields(body).some((f) => !isDataUri(f.url) && !isOssUrl(f.url));
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function tooManyVideos(count: number, rules: MediaRules) {
  return {
    ok: false as const,
    code: 'InvalidParameter' as const,
    message: `input.reference_urls: at most ${rules.video.maxCount} of the references may be videos, got ${count}.`,
  };
}

/**
 * Checks a task's input media against upstream limits (format by content, image size, file
 * size, audio/video duration) so bad inputs fail with DashScope's codes before any upstream
 * call. Inline (data:) media is checked at create time; remote media by a worker before dispatch.
 */
export class MediaChecker {
  private readonly rulesFor: (model: string) => MediaRules;
  private readonly tempDir: string;
  /** the media fields of a body, as the model's family reads them */
  readonly fieldsOf: (body: MediaBody) => readonly MediaField[];

  constructor(private readonly options: MediaCheckerOptions) {
    this.rulesFor = options.rulesFor ?? (() => DASHSCOPE_MEDIA_RULES);
    this.tempDir = options.tempDir ?? tmpdir();
    this.fieldsOf = options.fieldsOf ?? mediaFields;
  }

  /** True when the body has http(s) media or uploads that checkRemote must read before dispatch. */
  hasRemote(body: MediaBody): boolean {
    return this.fieldsOf(body).some((f) => !isDataUri(f.url) && !isOssUrl(f.url));
  }

  /**
   * Create-time checks that need no network: every data: URI is decoded and checked, every
   * other URL must parse with a supported scheme (and, with a policy, a plausibly public host).
   */
  async checkInline(body: MediaBody, rules = this.rulesFor(body.model)): Promise<InlineVerdict> {
    const media: CheckedMedia[] = [];
    for (const f of this.fieldsOf(body)) {
      if (isDataUri(f.url)) {
        const own = slotRules(f, rules);
        const r = await checkInlineMedia(f.field, f.url, f.kind, own, this.options.tools);
        if (!r.ok) return r;
        media.push({ field: f.field, info: r.info });
        continue;
      }
      // an upload's owner is checked by the task service, its bytes by checkRemote
      if (isOssUrl(f.url) || isUpload(f.url)) continue;
      if (mediaUrlKind(f.url) !== 'http') {
        const scheme = URL.canParse(f.url) ? new URL(f.url).protocol : null;
        const what = scheme ? `URL scheme '${scheme}' is not supported` : 'not a valid URL';
        return {
          ok: false,
          code: 'InvalidURL',
          message: `${f.field}: ${what}; send ${MEDIA_URL_FORMS}.`,
        };
      }
      const url = new URL(f.url);
      if (this.options.policy?.checkHostname(url)) {
        return {
          ok: false,
          code: 'InvalidURL',
          message: `${f.field}: the host '${url.hostname}' is not allowed; only public internet addresses are fetched.`,
        };
      }
    }
    const videos = media.filter((m) => m.info.kind === 'video').length;
    if (videos > rules.video.maxCount) return tooManyVideos(videos, rules);
    return { ok: true, media };
  }

  /**
   * Downloads every http(s) media URL and reads every upload once (a foreign oss:// is left to
   * DashScope, data: was checked at create time) and checks it. With `keepFor` (a task id) and a store, the checked copies are
   * kept there for whatever renders the task, so nothing fetches the URLs again; otherwise they
   * are removed before returning. A verdict is data for the task; only an aborted `signal` or an
   * infrastructure fault (ffprobe missing) throws.
   */
  async checkRemote(
    body: MediaBody,
    signal?: AbortSignal,
    rules = this.rulesFor(body.model),
    keepFor?: string,
  ): Promise<MediaVerdict> {
    const store = keepFor === undefined ? undefined : this.options.checked;
    const media: CheckedMedia[] = [];
    const kept: CheckedEntry[] = [];
    let videos = 0;
    let dir: string | null = null;
    try {
      const fields = this.fieldsOf(body);
      const read: Array<{ field: MediaField; info: MediaInfo }> = [];
      for (const [i, f] of fields.entries()) {
        signal?.throwIfAborted();
        if (isOssUrl(f.url)) continue;
        if (isDataUri(f.url)) {
          // Counted again here so inline and remote videos together respect the limit.
          const format = sniffMediaFormat(parseDataUri(f.url)?.bytes ?? Buffer.alloc(0));
          if (f.kind === 'image-or-video' && format && mediaCategory(format) === 'video') videos++;
          continue;
        }
        dir ??= store ? await store.stage() : await mkdtemp(join(this.tempDir, 'vidgate-media-'));
        const name = `media-${i}`;
        const verdict = await this.checkOne(
          f,
          join(dir, name),
          slotRules(f, rules),
          !store,
          signal,
        );
        if (!verdict.ok) return verdict;
        read.push({ field: f, info: verdict.info });
        if (verdict.info.kind === 'video') videos++;
        media.push({ field: f.field, info: verdict.info });
        kept.push({
          field: f.field,
          url: f.url,
          format: verdict.info.format,
          bytes: verdict.info.bytes,
          name,
        });
      }
      if (videos > rules.video.maxCount) return tooManyVideos(videos, rules);
      // rules over media together judge only what was read here (data: URIs were judged alone)
      const together = this.options.together?.(body, read);
      if (together) return { ok: false, ...together };
      if (store && keepFor !== undefined && dir !== null) {
        await store.commit(keepFor, dir, kept);
        dir = null;
      }
    } finally {
      if (dir !== null) await rm(dir, { recursive: true, force: true });
    }
    return { ok: true, media };
  }

  /** Drops the copies kept for a task (its result is in, or it failed). */
  async release(taskId: string): Promise<void> {
    await this.options.checked?.release(taskId);
  }

  private async checkOne(
    f: MediaField,
    path: string,
    rules: MediaRules,
    removeAfter: boolean,
    signal?: AbortSignal,
  ) {
    const maxBytes =
      f.kind === 'image'
        ? rules.image.maxBytes
        : f.kind === 'audio'
          ? rules.audio.maxBytes
          : f.kind === 'video'
            ? rules.video.maxBytes
            : Math.max(rules.image.maxBytes, rules.video.maxBytes);
    let size: number;
    try {
      ({ bytes: size } = await this.options.fetcher.fetchToFile(f.url, path, { maxBytes, signal }));
    } catch (err) {
      if (signal?.aborted || !(err instanceof MediaFetchError)) throw err;
      return {
        ok: false as const,
        code: err.code,
        message: `${f.field}: ${lowerFirst(err.message)}`,
      };
    }
    try {
      const source = { size, head: await readHead(path), readAll: () => readFile(path), path };
      return await checkMediaSource(f.field, source, f.kind, rules, this.options.tools);
    } finally {
      if (removeAfter) await rm(path, { force: true });
    }
  }
}
