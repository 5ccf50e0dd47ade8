import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckedMediaReader } from '../../media/checked-media.js';
import { parseDataUri } from '../../media/data-uri.js';
import type { MediaTools } from '../../media/ffmpeg.js';
import {
  checkMediaSource,
  type MediaInfo,
  type MediaKind,
  type MediaRules,
} from '../../media/inline-media.js';
import { MediaFetchError, type MediaFetcher } from '../../media/media-fetcher.js';
import { readHead } from '../../media/sniff.js';
import { mediaUrlKind } from '../../models/media-url.js';
import type { MediaSlot } from '../../models/media-slot.js';
import type { EffectiveRequest } from '../../models/task-request.js';
import { slotRules } from '../../media/media-rules.js';

/** One media input of a job, named as the request names it (its MediaSlot). */
export interface SandboxInput extends MediaSlot {
  /** file name for the local copy */
  name: string;
}

/** The inputs of a job: every media slot the model reads, in request order. */
export type JobInputs = SandboxInput[];

/**
 * An input the sandbox cannot use, told in the client's terms (field, format, limits): its
 * message goes into the task's failure as it is.
 */
export class InputProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputProblem';
  }
}

/** The inputs a render of this request reads, in the order MediaChecker checked them. */
export function jobInputs(eff: EffectiveRequest): JobInputs {
  return eff.media.map((slot, i) => ({ ...slot, name: `media-${i}` }));
}

// what the CHECKING step read and kept a copy of: http(s) media and files uploaded to vidgate
const isRemote = (url: string) => {
  const kind = mediaUrlKind(url);
  return kind === 'http' || kind === 'upload';
};

/**
 * At submit, moves the copies the CHECKING step kept for the task into the job's own folder, so
 * the render reads those very bytes. Returns field → file name for the inputs it found.
 */
export async function takeCheckedCopies(
  reader: CheckedMediaReader | undefined,
  taskId: string,
  inputs: JobInputs,
  mediaDir: string,
): Promise<Record<string, string>> {
  const taken: Record<string, string> = {};
  if (!reader) return taken;
  const all = inputs.filter((i) => isRemote(i.url));
  if (all.length === 0) return taken;
  await mkdir(mediaDir, { recursive: true });
  for (const input of all) {
    const got = await reader.take(taskId, input.field, input.url, join(mediaDir, input.name));
    if (got) taken[input.field] = input.name;
  }
  return taken;
}

export interface PrepareContext {
  tools: MediaTools;
  fetcher: MediaFetcher;
  rules: MediaRules;
  /** this render attempt's scratch folder */
  attemptDir: string;
  /** the job's folder of checked copies taken at submit */
  mediaDir: string;
  taken: Readonly<Record<string, string>>;
  signal: AbortSignal;
}

function maxBytesOf(kind: MediaKind, rules: MediaRules): number {
  if (kind === 'image') return rules.image.maxBytes;
  if (kind === 'audio') return rules.audio.maxBytes;
  if (kind === 'video') return rules.video.maxBytes;
  return Math.max(rules.image.maxBytes, rules.video.maxBytes);
}

async function localCopy(input: SandboxInput, ctx: PrepareContext): Promise<string> {
  const taken = ctx.taken[input.field];
  if (taken !== undefined) return join(ctx.mediaDir, taken);
  const path = join(ctx.attemptDir, input.name);
  if (/^data:/i.test(input.url)) {
    const parsed = parseDataUri(input.url);
    if (!parsed)
      throw new InputProblem('InvalidURL', `${input.field}: the data: URI is malformed.`);
    await writeFile(path, parsed.bytes);
    return path;
  }
  // No kept copy (kept copies not configured, or swept): fetch once here and check that copy.
  try {
    await ctx.fetcher.fetchToFile(input.url, path, {
      maxBytes: maxBytesOf(input.kind, slotRules(input, ctx.rules)),
      signal: ctx.signal,
    });
  } catch (err) {
    if (ctx.signal.aborted || !(err instanceof MediaFetchError)) throw err;
    const reason = err.message.charAt(0).toLowerCase() + err.message.slice(1);
    throw new InputProblem(err.code, `${input.field}: ${reason}`);
  }
  return path;
}

/**
 * Gets one input into a file the sandbox owns and checks that file (format by its bytes, size,
 * completeness, duration) before anything renders it. Returns the file and what it holds.
 */
export async function prepareInput(
  input: SandboxInput,
  ctx: PrepareContext,
): Promise<{ path: string; info: MediaInfo }> {
  const path = await localCopy(input, ctx);
  const source = {
    size: (await stat(path)).size,
    head: await readHead(path),
    readAll: () => readFile(path),
    path,
  };
  const rules = slotRules(input, ctx.rules);
  const verdict = await checkMediaSource(input.field, source, input.kind, rules, ctx.tools);
  if (!verdict.ok) throw new InputProblem(verdict.code, verdict.message);
  return { path, info: verdict.info };
}
