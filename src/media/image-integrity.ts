import type { ImageFormat } from './inline-media.js';

// A header is not a picture: size readers (image-size) stop after the first kilobyte, so a cut
// download passed every check and failed only upstream, or rendered as a grey half-frame.

const PNG_SIGNATURE_BYTES = 8;
/** length, type and CRC around each chunk's data */
const PNG_CHUNK_OVERHEAD = 12;

/** Every chunk whole, IHDR first, some image data, and IEND reached before the bytes run out. */
function pngComplete(b: Buffer): boolean {
  let offset = PNG_SIGNATURE_BYTES;
  let sawData = false;
  while (offset + PNG_CHUNK_OVERHEAD <= b.length) {
    const length = b.readUInt32BE(offset);
    const type = b.toString('latin1', offset + 4, offset + 8);
    const end = offset + PNG_CHUNK_OVERHEAD + length;
    // the PNG spec caps chunk lengths at 2^31-1; a larger one is damage, not data
    if (length > 0x7fffffff || end > b.length) return false;
    if (offset === PNG_SIGNATURE_BYTES && type !== 'IHDR') return false;
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData;
    offset = end;
  }
  return false;
}

const isRestart = (m: number) => m >= 0xd0 && m <= 0xd7;

/** Offset of the marker that ends the entropy-coded data starting at `from`, or -1. */
function endOfScan(b: Buffer, from: number): number {
  let at = from;
  for (;;) {
    at = b.indexOf(0xff, at);
    if (at < 0 || at + 1 >= b.length) return -1;
    const next = b[at + 1] ?? 0;
    // 0xFF00 is an escaped data byte, RSTn sit inside the scan, 0xFFFF is fill before a marker
    if (next === 0x00 || isRestart(next)) at += 2;
    else if (next === 0xff) at += 1;
    else return at;
  }
}

/**
 * Walks the marker segments from SOI to EOI, skipping each scan's data. Only reaching EOI proves
 * the end arrived: a 0xFFD9 found by searching may be the end of an embedded EXIF thumbnail.
 */
function jpegComplete(b: Buffer): boolean {
  let at = 2;
  while (at < b.length) {
    if (b[at] !== 0xff) return false;
    while (at < b.length && b[at] === 0xff) at++;
    const marker = b[at];
    if (marker === undefined) return false;
    at++;
    if (marker === 0xd9) return true;
    if (marker === 0x01 || isRestart(marker)) continue;
    if (at + 2 > b.length) return false;
    const length = b.readUInt16BE(at);
    if (length < 2 || at + length > b.length) return false;
    at += length;
    if (marker === 0xda) {
      at = endOfScan(b, at);
      if (at < 0) return false;
    }
  }
  return false;
}

/** The RIFF header states the file's size; a shorter file lost its end. */
function webpComplete(b: Buffer): boolean {
  return b.length >= 12 && b.readUInt32LE(4) + 8 <= b.length;
}

/**
 * Uncompressed BMPs (BI_RGB, BI_BITFIELDS) need rows × stride bytes from the pixel offset; for
 * the compressed kinds the file header's total size is all there is to go by.
 */
function bmpComplete(b: Buffer): boolean {
  if (b.length < 26) return false;
  const dataAt = b.readUInt32LE(10);
  const core = b.readUInt32LE(14) === 12;
  const width = core ? b.readUInt16LE(18) : Math.abs(b.readInt32LE(18));
  const height = core ? b.readUInt16LE(20) : Math.abs(b.readInt32LE(22));
  const bpp = b.length >= 30 ? b.readUInt16LE(core ? 24 : 28) : 0;
  const compression = core || b.length < 34 ? 0 : b.readUInt32LE(30);
  if (compression === 0 || compression === 3) {
    const stride = Math.floor((bpp * width + 31) / 32) * 4;
    return dataAt + stride * height <= b.length;
  }
  const declared = b.readUInt32LE(2);
  return dataAt < b.length && (declared === 0 || declared <= b.length);
}

/** False when the image's bytes end before the image does (a cut download or upload). */
export function imageIsComplete(format: ImageFormat, bytes: Buffer): boolean {
  switch (format) {
    case 'png':
      return pngComplete(bytes);
    case 'jpeg':
      return jpegComplete(bytes);
    case 'webp':
      return webpComplete(bytes);
    case 'bmp':
      return bmpComplete(bytes);
  }
}
