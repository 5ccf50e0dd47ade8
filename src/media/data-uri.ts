/** A decoded `data:` URI. */
export interface DataUri {
  mimeType: string;
  bytes: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URI = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*)(;base64)?,/i;

/** Parses `data:[mime][;params][;base64],payload`; null when the text is not a data URI. */
export function parseDataUri(text: string): DataUri | null {
  const m = DATA_URI.exec(text);
  if (!m) return null;
  const payload = text.slice(m[0].length);
  const mimeType = (m[1] ?? 'text/plain').toLowerCase();
  if (m[3]) {
    // payloads run to megabytes and rarely hold line breaks: test before copying without them
    let clean = payload;
    if (!BASE64.test(clean)) {
      clean = payload.replace(/\s+/g, '');
      if (!BASE64.test(clean)) return null;
    }
    return { mimeType, bytes: Buffer.from(clean, 'base64') };
  }
  try {
    return { mimeType, bytes: Buffer.from(decodeURIComponent(payload), 'utf8') };
  } catch {
    return null;
  }
}

/** Decoded size of a base64 data URI without decoding it, for cheap size limits. */
export function estimateDataUriBytes(text: string): number {
  const comma = text.indexOf(',');
  if (comma < 0) return 0;
  const len = text.length - comma - 1;
  return Math.floor((len * 3) / 4);
}
