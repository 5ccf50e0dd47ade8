/** The forms a media field may take: DashScope's http(s) and oss:// URLs, and data: URIs. */
export type MediaUrlKind = 'http' | 'oss' | 'data';

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
  if (OSS.test(text)) return 'oss';
  if (DATA.test(text)) return 'data';
  return null;
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
