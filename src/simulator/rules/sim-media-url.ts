/**
 * The URL forms DashScope takes for media fields. §3 `img_url`: "public http(s) URL;
 * oss://dashscope-instant/... temp URL; Base64 data URI data:{MIME_type};base64,{base64_data}".
 * §3 `audio_url` and §4 `reference_urls` list only http(s) and oss://; the reference is silent on
 * whether a data: URI is refused there (§14 open question), so the permissive reading accepts it.
 */
export type SimUrlForm = 'http' | 'oss' | 'data';

/** The form of a media field's text, or null when it is no URL at all (400 InvalidURL, §9). */
export function simUrlForm(text: string): SimUrlForm | null {
  // a URL is the string as sent: surrounding or inner blanks make it none (RFC 3986 §2)
  if (/\s/.test(text)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase() ?? '';
  if (scheme === 'http' || scheme === 'https') {
    if (!URL.canParse(text)) return null;
    return new URL(text).hostname === '' ? null : 'http';
  }
  // oss://bucket/key: a bucket at least
  if (scheme === 'oss') return /^oss:\/\/[^/]+/i.test(text) ? 'oss' : null;
  // RFC 2397: data:[<mediatype>][;base64],<data> — the comma is what makes it one
  if (scheme === 'data') return text.includes(',') ? 'data' : null;
  return null;
}

const VIDEO_EXTENSIONS = ['mp4', 'mov'];
const IMAGE_EXTENSIONS = ['jpeg', 'jpg', 'png', 'bmp', 'webp'];

/**
 * Whether a reference is an image or a video, told from its text alone (the simulator never
 * downloads inputs): §4 lists videos as "MP4/MOV" and images as "JPEG/JPG/PNG/BMP/WEBP", so the
 * extension of the URL path, or the MIME type of a data: URI. null = cannot tell.
 */
export function simReferenceKind(text: string): 'image' | 'video' | null {
  const mime = /^data:([a-z]+)\//i.exec(text)?.[1]?.toLowerCase();
  if (mime !== undefined) return mime === 'video' ? 'video' : mime === 'image' ? 'image' : null;
  const path = text.split(/[?#]/, 1)[0] ?? '';
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  if (VIDEO_EXTENSIONS.includes(ext)) return 'video';
  if (IMAGE_EXTENSIONS.includes(ext)) return 'image';
  return null;
}
