import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { RequestBody } from '../models/task-request.js';
import type { MediaStorage } from '../storage/media-storage.js';

/** How an inline input kept in storage is named in a stored request body. */
const REF = 'vidgate-input:';
/** `data:[mime][;params],…`: what the stored reference records of it */
const DATA_URI_TYPE = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?[;,]/i;
/** texts, never media, though a prompt may well begin with "data:" */
const NOT_MEDIA = new Set(['prompt', 'negative_prompt']);
/** media sit at most this deep: `input.media[i].url` */
const MAX_DEPTH = 3;

type Input = Record<string, unknown>;

/**
 * Applies `fn` to every string of `input` but the prompts (each family puts its media in its
 * own places: flat fields, URL lists, `media[].url`), returning a new input; `fn` leaves what is
 * not its business as it is. `slot` names the place, for a storage key.
 */
async function mapMedia(
  input: Input,
  fn: (url: string, slot: string) => Promise<string>,
): Promise<Input> {
  const walk = async (v: unknown, slot: string, depth: number): Promise<unknown> => {
    if (typeof v === 'string') return fn(v, slot);
    if (depth >= MAX_DEPTH || typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const [i, x] of v.entries()) out.push(await walk(x, `${slot}-${i}`, depth + 1));
      return out;
    }
    const out: Input = {};
    for (const [k, x] of Object.entries(v)) out[k] = await walk(x, `${slot}-${k}`, depth + 1);
    return out;
  };
  const out: Input = {};
  for (const [k, v] of Object.entries(input)) {
    out[k] = NOT_MEDIA.has(k) ? v : await walk(v, k, 0);
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
        const key = `inputs/${taskId}/${slot.replace(/[^A-Za-z0-9_-]/g, '_')}`;
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
