import type { MediaKind } from '../../media/inline-media.js';
import type { MediaRole, MediaSlot } from '../media-slot.js';
import type { ImageInputRule, ModelSpec, TimedInputRule } from '../model-table.js';
import {
  describeType,
  invalidParameter,
  showValue,
  type RequestProblem,
} from '../request-problem.js';
import { absent, isObject, mediaUrl, type Fields } from './field-checks.js';

/** One `media[].type` a model takes (families §2–§4): how many, and the file's limits. */
export interface MediaTypeRule {
  readonly type: MediaRole;
  readonly kind: MediaKind;
  readonly max: number;
  readonly limits: ImageInputRule | TimedInputRule;
  /** images may be data: URIs; videos and audio must be URLs (families §1.2) */
  readonly inline: boolean;
  /** the media types a data: URI may declare, where the family names them (HappyHorse, §4) */
  readonly dataTypes?: readonly string[];
}

export interface MediaItem {
  readonly index: number;
  readonly type: MediaRole;
  readonly url: string;
}

/** The `type`s of a media array as sent, for telling a request's mode before it is checked. */
export function mediaTypesOf(input: Fields): string[] {
  const media = input.media;
  if (!Array.isArray(media)) return [];
  return media.flatMap((m) => (isObject(m) && typeof m.type === 'string' ? [m.type] : []));
}

export type MediaArrayResult =
  { ok: true; items: MediaItem[] } | { ok: false; problem: RequestProblem };

const failed = (problem: RequestProblem): MediaArrayResult => ({ ok: false, problem });

/**
 * Reads `input.media`: an array of `{type, url}` objects whose types are the model's, each type
 * at most its count. Combinations are the family's to judge.
 */
export function readMediaArray(
  spec: ModelSpec,
  input: Fields,
  types: readonly MediaTypeRule[],
  required: boolean,
): MediaArrayResult {
  const media = input.media;
  const names = types.map((t) => t.type).join(', ');
  if (absent(media)) {
    if (!required) return { ok: true, items: [] };
    return failed(
      invalidParameter(
        `Field 'input.media' is required for model ${spec.name}: an array of {type, url} objects (types ${names}).`,
      ),
    );
  }
  if (!Array.isArray(media)) {
    return failed(
      invalidParameter(
        `Field 'input.media' must be an array of {type, url} objects, got ${describeType(media)}.`,
      ),
    );
  }
  if (required && media.length === 0) {
    return failed(
      invalidParameter(
        `Field 'input.media' of model ${spec.name} must not be empty (types ${names}).`,
      ),
    );
  }
  const items: MediaItem[] = [];
  const counts = new Map<string, number>();
  for (const [i, m] of media.entries()) {
    const at = `input.media[${i}]`;
    if (!isObject(m)) {
      return failed(
        invalidParameter(`Field '${at}' must be an object {type, url}, got ${describeType(m)}.`),
      );
    }
    const rule = types.find((t) => t.type === m.type);
    if (!rule) {
      return failed(
        invalidParameter(
          `Field '${at}.type' for model ${spec.name} must be one of ${names}, got ${showValue(m.type)}.`,
        ),
      );
    }
    const urlProblem =
      mediaUrl(`${at}.url`, m.url, rule.inline) ?? dataTypeProblem(`${at}.url`, m.url, rule);
    if (urlProblem) return failed(urlProblem);
    const n = (counts.get(rule.type) ?? 0) + 1;
    counts.set(rule.type, n);
    if (n > rule.max) {
      return failed(
        invalidParameter(
          `Field 'input.media' of model ${spec.name} may hold at most ${rule.max} '${rule.type}' item${rule.max === 1 ? '' : 's'}, got ${n}.`,
        ),
      );
    }
    items.push({ index: i, type: rule.type, url: m.url as string });
  }
  return { ok: true, items };
}

/** A data: URI whose declared type the family does not take (the upstream reads the label). */
function dataTypeProblem(path: string, url: unknown, rule: MediaTypeRule): RequestProblem | null {
  if (!rule.dataTypes || typeof url !== 'string') return null;
  const declared = /^data:([^;,]*)/i.exec(url)?.[1]?.toLowerCase();
  if (declared === undefined || rule.dataTypes.includes(declared)) return null;
  return invalidParameter(
    `Field '${path}' is a data: URI of type ${showValue(declared)}; this model takes ${rule.dataTypes.join(', ')}.`,
  );
}

/** The slots of a media array's valid items, each with its type's limits. */
export function mediaArraySlots(input: Fields, types: readonly MediaTypeRule[]): MediaSlot[] {
  const media = input.media;
  if (!Array.isArray(media)) return [];
  return media.flatMap((m, i): MediaSlot[] => {
    if (!isObject(m) || typeof m.url !== 'string') return [];
    const rule = types.find((t) => t.type === m.type);
    if (!rule) return [];
    return [
      {
        field: `input.media[${i}].url`,
        url: m.url,
        kind: rule.kind,
        role: rule.type,
        limits: rule.limits,
      },
    ];
  });
}

/** "first_frame + last_frame", for messages about combinations. */
export function describeCombination(items: readonly MediaItem[]): string {
  return items.length === 0 ? 'no media' : items.map((i) => i.type).join(' + ');
}
