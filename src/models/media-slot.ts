import type { MediaKind } from '../media/inline-media.js';
import type { ImageInputRule, TimedInputRule } from './model-table.js';

/**
 * What a media input is for, in DashScope's own words: the `media[].type` of the media protocol
 * (families §2–§4) or the flat field's meaning (wan2.6, kf2v, VACE, s2v, animate).
 */
export const MEDIA_ROLES = [
  'first_frame',
  'last_frame',
  'first_clip',
  'last_clip',
  'driving_audio',
  'audio',
  'reference',
  'reference_image',
  'reference_video',
  'reference_audio',
  'reference_voice',
  'video',
  'mask_image',
  'mask_video',
  'portrait',
] as const;
export type MediaRole = (typeof MEDIA_ROLES)[number];

/**
 * One media input of a request: where it sits (for messages), its URL, what it must be and the
 * limits its own field carries (a driving audio and a reference audio differ, families §2.2/§3.3).
 */
export interface MediaSlot {
  /** the request path, e.g. `input.media[1].url`, used in messages */
  readonly field: string;
  readonly url: string;
  readonly kind: MediaKind;
  readonly role: MediaRole;
  /** the field's own limits (an image's, or an audio's or video's); the model's when absent */
  readonly limits?: ImageInputRule | TimedInputRule;
}
