import { existsSync } from 'node:fs';
import type { Canvas } from './render-chains.js';

/** Fonts tried in order for the watermark; the first that exists is used. */
export const MARK_FONTS: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

export const MAX_MARK_LENGTH = 64;

/** The first font of `candidates` present on this machine, or null. */
export function findMarkFont(candidates: readonly string[] = MARK_FONTS): string | null {
  return candidates.find((path) => existsSync(path)) ?? null;
}

/**
 * A value as one filter option inside -filter_complex: escaped once for the option parser
 * (\ ' :) and once more for the graph parser (\ ' [ ] , ;).
 */
export function filterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** Checks a watermark text: 1..64 characters, no control characters. */
export function validateMark(text: string): void {
  // eslint-disable-next-line no-control-regex
  if (text.length === 0 || text.length > MAX_MARK_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) {
    throw new RangeError(
      `watermark must be 1..${MAX_MARK_LENGTH} characters without control characters`,
    );
  }
}

/**
 * Filters that burn a visible mark into the lower right: the text in the given font on a dark
 * plate, or without a font a plate with a light bar sized by the text length. Both depend on
 * nothing but the arguments, so renders stay deterministic.
 */
export function markFilters(canvas: Canvas, text: string, font: string | null): string {
  const size = Math.max(10, Math.round(Math.min(canvas.width, canvas.height) / 18));
  const margin = Math.max(4, Math.round(size * 0.6));
  if (font !== null) {
    return (
      `drawtext=fontfile=${filterValue(font)}:expansion=none:text=${filterValue(text)}` +
      `:fontsize=${size}:fontcolor=white@0.9:box=1:boxcolor=black@0.45` +
      `:boxborderw=${Math.max(2, Math.round(size / 4))}:x=w-tw-${margin}:y=h-th-${margin}`
    );
  }
  const plateH = Math.round(size * 1.5);
  const plateW = Math.min(
    canvas.width - 2 * margin,
    Math.round(size * (1 + 0.6 * Math.min(text.length, 24))),
  );
  const x = canvas.width - plateW - margin;
  const y = canvas.height - plateH - margin;
  const inset = Math.max(2, Math.round(size / 4));
  return (
    `drawbox=x=${x}:y=${y}:w=${plateW}:h=${plateH}:color=black@0.45:t=fill,` +
    `drawbox=x=${x + inset}:y=${y + inset}:w=${plateW - 2 * inset}:h=${plateH - 2 * inset}` +
    `:color=white@0.85:t=fill`
  );
}
