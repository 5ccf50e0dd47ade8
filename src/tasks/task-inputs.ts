import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { RequestBody } from '../models/task-request.js';
import type { MediaStorage } from '../storage/media-storage.js';

/** How an inline input kept in storage is named in a stored request body. */
const REF = 'vidgate-input:';
/** `data:[mime][;params],…`: what the stored reference records of it */
const DATA_URI_TYPE = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?[;,]/i;
const MEDIA_KEYS = ['img_url', 'audio_url'] as const;
const MEDIA_LISTS = ['reference_urls', 'reference_video_urls'] as const;

type Input = Record<string, unknown>;

/** Applies `fn` to every media URL of `input`, returning a new input. */
async function mapMedia(
  input: Input,
  fn: (url: string, slot: string) => Promise<string>,
): Promise<Input> {
  const out: Input = { ...input };
  for (const key of MEDIA_KEYS) {
    const v = out[key];
    if (typeof v === 'string') out[key] = await fn(v, key);
  }
  for (const key of MEDIA_LISTS) {
    const list = out[key];
    if (!Array.isArray(list)) continue;
    const mapped: unknown[] = [];
    for (const [i, v] of list.entries())
      mapped.push(typeof v === 'string' ? await fn(v, `${key}-${i}`) : v);
    out[key] = mapped;
  }
  return out;
}

/**
 * Inline (data:) media moved out of the task row (issue 11): a 20 MB image as base64 would be
 * copied by every claim and reschedule of the row. At create each one is put in storage under
 * `inputs/<task>/<slot>` and the body names it `vidgate-input:<mime>;<key>`; what is sent
 * upstream or rendered gets the data URI back.
 */
export class TaskInputs {
  constructor(private readonly storage: MediaStorage) {}

  /** Stores the body's inline media; the returned body is the one to keep in the row. */
  async offload(taskId: string, body: RequestBody): Promise<{ body: RequestBody; keys: string[] }> {
    const keys: string[] = [];
    try {
      const input = await mapMedia(body.input, async (url, slot) => {
        // the media type only: the payload was decoded and checked before, once is enough
        const m = DATA_URI_TYPE.exec(url.slice(0, 256));
        if (!m) return url;
        const mime = m[1] ?? 'text/plain';
        const key = `inputs/${taskId}/${slot}`;
        // the text itself is stored: the data URI is rebuilt byte for byte for the upstream
        await this.storage.put(key, Readable.from([Buffer.from(url, 'utf8')]));
        keys.push(key);
        return `${REF}${mime.toLowerCase()};${key}`;
      });
      return { body: { ...body, input }, keys };
    } catch (err) {
      await this.removeKeys(keys);
      throw err;
    }
  }

  /** The body with every stored input back as the data URI the client sent. */
  async resolve(body: RequestBody): Promise<RequestBody> {
    if (!hasStoredInputs(body)) return body;
    const input = await mapMedia(body.input, async (url) => {
      const key = keyOf(url);
      return key === null ? url : text(await this.storage.open(key));
    });
    return { ...body, input };
  }

  /** Deletes a finished task's stored inputs; nothing needs them any more. */
  async remove(body: RequestBody): Promise<void> {
    const keys: string[] = [];
    await mapMedia(body.input, (url) => {
      const key = keyOf(url);
      if (key !== null) keys.push(key);
      return Promise.resolve(url);
    });
    await this.removeKeys(keys);
  }

  private async removeKeys(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.storage.delete(key);
  }
}

function keyOf(url: string): string | null {
  if (!url.startsWith(REF)) return null;
  const at = url.indexOf(';', REF.length);
  return at < 0 ? null : url.slice(at + 1);
}

function hasStoredInputs(body: RequestBody): boolean {
  return JSON.stringify(body.input).includes(`"${REF}`);
}
