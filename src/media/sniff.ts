import { open } from 'node:fs/promises';
import type { MediaFormat } from './inline-media.js';

/** Enough of a file's start for every signature below. */
export const SNIFF_BYTES = 4096;

/** DIB header sizes of real BMPs; "BM" alone also starts plenty of text files. */
const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
/** ISO-BMFF brands of still-image formats (HEIC, AVIF) that share MP4's container. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

const ascii = (b: Uint8Array, from: number, to: number) =>
  Buffer.from(b.subarray(from, to)).toString('latin1');

/** Identifies a file by its magic bytes; the declared MIME type or file name is not trusted. */
export function sniffMediaFormat(head: Uint8Array): MediaFormat | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) {
    return 'png';
  }
  if (b.length >= 18 && ascii(b, 0, 2) === 'BM' && BMP_DIB_SIZES.has(b.readUInt32LE(14))) {
    return 'bmp';
  }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF') {
    const type = ascii(b, 8, 12);
    if (type === 'WEBP') return 'webp';
    if (type === 'WAVE') return 'wav';
    return null;
  }
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (brand === 'qt  ') return 'mov';
    if (IMAGE_BRANDS.has(brand) || brand.startsWith('avi')) return null;
    return 'mp4';
  }
  if (b.length >= 8 && QUICKTIME_ATOMS.has(ascii(b, 4, 8))) return 'mov';
  if (b.length >= 3 && ascii(b, 0, 3) === 'ID3') return 'mp3';
  const [b0 = 0, b1 = 0, b2 = 0] = b;
  // MPEG audio frame sync, Layer III, a valid version and bitrate (ADTS/AAC has layer bits 00).
  if (
    b.length >= 3 &&
    b0 === 0xff &&
    (b1 & 0xe0) === 0xe0 &&
    (b1 & 0x06) === 0x02 &&
    ((b1 >> 3) & 3) !== 1 &&
    b2 >> 4 !== 15
  ) {
    return 'mp3';
  }
  return null;
}

/** The first SNIFF_BYTES of a file (fewer if it is shorter). */
export async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Sniffs a file on disk; null when its bytes are none of the accepted formats. */
export async function sniffFile(path: string): Promise<MediaFormat | null> {
  return sniffMediaFormat(await readHead(path));
}
