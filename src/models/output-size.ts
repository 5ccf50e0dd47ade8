export type ResolutionTier = '480P' | '720P' | '1080P';

export const TIER_PIXELS: Readonly<Record<ResolutionTier, number>> = {
  '480P': 832 * 480,
  '720P': 1280 * 720,
  '1080P': 1920 * 1080,
};

const ALIGN = 16;

function alignDown(value: number): number {
  // Never collapse to zero for extreme aspect ratios; 16 is the smallest encodable side here.
  return Math.max(ALIGN, Math.floor(value / ALIGN) * ALIGN);
}

/**
 * Output size for first-frame (image-to-video) jobs, mirroring DashScope: keep the image's
 * aspect ratio, target the tier's pixel count, floor each side to a multiple of 16.
 */
export function firstFrameOutputSize(
  imageWidth: number,
  imageHeight: number,
  tier: ResolutionTier,
): { width: number; height: number } {
  if (
    !Number.isFinite(imageWidth) ||
    !Number.isFinite(imageHeight) ||
    imageWidth <= 0 ||
    imageHeight <= 0
  ) {
    throw new RangeError(`Invalid image size ${imageWidth}x${imageHeight}`);
  }
  const pixels = TIER_PIXELS[tier];
  // Multiply before dividing: for integer sizes the radicand is then exact whenever the true
  // result is a whole number (e.g. 1280x720 at 720P), so flooring never loses a step of 16.
  return {
    width: alignDown(Math.sqrt((pixels * imageWidth) / imageHeight)),
    height: alignDown(Math.sqrt((pixels * imageHeight) / imageWidth)),
  };
}

/** Parses DashScope's "W*H" size strings; null when malformed or not positive. */
export function parseSize(size: string): { width: number; height: number } | null {
  const match = /^\s*(\d{1,5})\s*\*\s*(\d{1,5})\s*$/.exec(size);
  if (!match) return null;
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width <= 0 || height <= 0) return null;
  return { width, height };
}

/**
 * Sizes DashScope documents for a tier and a ratio (families §1.3: Wan 2.7 t2v/r2v, whose 4:3
 * and 3:4 differ from wan2.6's); other cells are computed by the §1.3 rule (keep the ratio, aim at
 * the tier's area), so tests assert their aspect and area, never their pixels.
 */
const RATIO_SIZES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '720P': {
    '16:9': '1280*720',
    '9:16': '720*1280',
    '1:1': '960*960',
    '4:3': '1104*832',
    '3:4': '832*1104',
  },
  '1080P': {
    '16:9': '1920*1080',
    '9:16': '1080*1920',
    '1:1': '1440*1440',
    '4:3': '1648*1248',
    '3:4': '1248*1648',
  },
  '480P': { '16:9': '832*480', '9:16': '480*832', '1:1': '624*624' },
};

/** The output size for a tier and a `W:H` ratio (e.g. '16:9'); null for a malformed ratio. */
export function ratioOutputSize(
  tier: ResolutionTier,
  ratio: string,
): { width: number; height: number } | null {
  const known = RATIO_SIZES[tier]?.[ratio];
  if (known) return parseSize(known);
  const m = /^(\d{1,3}):(\d{1,3})$/.exec(ratio);
  if (!m) return null;
  const w = Number(m[1]);
  const h = Number(m[2]);
  return w > 0 && h > 0 ? firstFrameOutputSize(w, h, tier) : null;
}

/** A size capped to a tier's area, keeping its aspect (VACE, animate: "at most 720P"). */
export function capToTier(
  width: number,
  height: number,
  tier: ResolutionTier,
): { width: number; height: number } {
  if (width * height <= TIER_PIXELS[tier]) {
    return {
      width: Math.max(16, width - (width % 2)),
      height: Math.max(16, height - (height % 2)),
    };
  }
  return firstFrameOutputSize(width, height, tier);
}
