import { familyOf } from '../models/families/registry.js';
import type { MediaSlot } from '../models/media-slot.js';
import { findModel } from '../models/model-table.js';
import { effectiveRequest, type RequestBody } from '../models/task-request.js';
import {
  mediaFields,
  type MediaBody,
  type MediaField,
  type MediaTogetherCheck,
} from './media-checker.js';

function bodyOf(b: MediaBody): RequestBody {
  return { model: b.model, input: b.input, parameters: b.parameters ?? {} };
}

/** A body's media as its model's family reads them; wan2.6's flat fields for unknown models. */
export function modelMediaFields(body: MediaBody): readonly MediaField[] {
  const spec = findModel(body.model);
  if (!spec) return mediaFields(body);
  return effectiveRequest(spec, bodyOf(body)).media;
}

/** The family's rules over all of a body's read media (Wan 3.0's 15 s, a clip vs the length). */
export const modelMediaTogether: MediaTogetherCheck = (body, media) => {
  const spec = findModel(body.model);
  if (!spec) return null;
  const req = bodyOf(body);
  const slots = new Map<string, MediaSlot>(
    effectiveRequest(spec, req).media.map((m) => [m.field, m]),
  );
  const read = media.flatMap(({ field, info }) => {
    const slot = slots.get(field.field);
    return slot ? [{ slot, info }] : [];
  });
  const problem = familyOf(spec).checkMedia(spec, req, read);
  if (!problem) return null;
  return {
    code: problem.code === 'InvalidURL' ? 'InvalidURL' : 'InvalidParameter',
    message: problem.message,
  };
};
