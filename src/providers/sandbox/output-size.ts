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
