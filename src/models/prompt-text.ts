/** The first `max` characters, counting as DashScope does: one per character, not per UTF-16 unit. */
export function truncateChars(text: string, max: number): string {
  // UTF-16 length bounds the character count from above, so short texts need no scan
  if (text.length <= max) return text;
  let end = 0;
  let chars = 0;
  while (end < text.length && chars < max) {
    const code = text.codePointAt(end) ?? 0;
    end += code > 0xffff ? 2 : 1;
    chars++;
  }
  return text.slice(0, end);
}
