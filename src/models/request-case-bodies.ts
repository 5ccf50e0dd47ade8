import type { ModelSpec } from './model-table.js';

/** Sample bodies for the validation tests: a valid body per model, and a way to vary it. */

export type Json = Record<string, unknown>;
export interface Body {
  model?: unknown;
  input?: unknown;
  parameters?: unknown;
  [k: string]: unknown;
}

export const IMG = 'https://example.com/frame.png';
export const AUDIO = 'https://example.com/voice.mp3';
export const REF_IMG = 'https://example.com/character.png';
export const REF_VIDEO = 'https://example.com/character.mp4';
export const PNG_URI = 'data:image/png;base64,iVBORw0KGgo=';

export function validBody(m: ModelSpec): Body {
  const input: Json = { prompt: 'A red fox runs through fresh snow.' };
  if (m.media.firstFrame) input.img_url = IMG;
  if (m.media.references) input.reference_urls = [REF_IMG, REF_VIDEO];
  return { model: m.name, input, parameters: {} };
}

/** A copy of `body` with `path` (dot-separated) set to `value`; undefined deletes the key. */
export function withField(body: Body, path: string, value: unknown): Body {
  const copy = structuredClone(body) as Json;
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let node: Json = copy;
  for (const k of keys) {
    const next = node[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
    node = node[k] as Json;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
