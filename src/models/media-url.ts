/**
 * The forms a media field may take: DashScope's http(s) and oss:// URLs, data: URIs, and
 * `upload`: an oss:// URL naming a file uploaded to vidgate itself through the SDKs' upload flow
 * (ADR 0017), which vidgate reads and hands to the upstream in the form it takes.
 */
export type MediaUrlKind = 'http' | 'oss' | 'upload' | 'data';

/** The first path segment of the oss:// URLs of files uploaded to vidgate (ADR 0017). */
export const UPLOAD_BUCKET = 'vidgate-uploads';
const UPLOAD = new RegExp(`^oss://${UPLOAD_BUCKET}/[A-Za-z0-9_-]+/[^/]+$`);

export const MEDIA_URL_FORMS = 'an http(s) URL, an oss:// URL or a data: URI';

const HTTP = /^https?:\/\//i;
const OSS = /^oss:\/\/\S+$/i;
const DATA = /^data:[^,]*,/i;

/** Which form a media field's text has; null when it is none of the accepted ones. */
export function mediaUrlKind(text: string): MediaUrlKind | null {
  if (HTTP.test(text)) {
    if (/\s/.test(text) || !URL.canParse(text)) return null;
    return new URL(text).hostname === '' ? null : 'http';
  }
  if (UPLOAD.test(text)) return 'upload';
  if (OSS.test(text)) return 'oss';
  if (DATA.test(text)) return 'data';
  return null;
}

/** The object key of a vidgate upload URL (what follows `oss://`); null for any other text. */
export function uploadKeyOf(text: string): string | null {
  return UPLOAD.test(text) ? text.slice('oss://'.length) : null;
}

const VIDEO_EXT = /\.(mp4|mov|m4v)$/i;
const IMAGE_EXT = /\.(jpe?g|png|bmp|webp)$/i;

/**
 * Whether a reference is an image or a video, as far as its text tells: the MIME type of a
 * data: URI, or the extension of a URL path. null = cannot tell before fetching it.
 */
export function guessReferenceKind(text: string): 'image' | 'video' | null {
  const data = /^data:([a-z]+)\//i.exec(text);
  if (data) {
    const top = data[1]?.toLowerCase();
    return top === 'video' ? 'video' : top === 'image' ? 'image' : null;
  }
  const path = text.replace(/[?#].*$/s, '');
  if (VIDEO_EXT.test(path)) return 'video';
  if (IMAGE_EXT.test(path)) return 'image';
  return null;
}
