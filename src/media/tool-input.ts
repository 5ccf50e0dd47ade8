import { resolve } from 'node:path';
import type { MediaFormat } from './inline-media.js';

/**
 * ffmpeg's demuxer for each accepted format. The `_pipe` image demuxers read exactly one
 * picture; image2 would expand patterns and sequences in the name.
 */
const DEMUXERS: Record<MediaFormat, string> = {
  jpeg: 'jpeg_pipe',
  png: 'png_pipe',
  bmp: 'bmp_pipe',
  webp: 'webp_pipe',
  wav: 'wav',
  mp3: 'mp3',
  mp4: 'mov',
  mov: 'mov',
};

/** The demuxer ffmpeg and ffprobe are told to use for a file of this (sniffed) format. */
export function demuxerOf(format: MediaFormat): string {
  return DEMUXERS[format];
}

/**
 * Input options for one local file, ending with its `-i`. Left to probing, ffmpeg picks a
 * demuxer from the bytes, and an HLS playlist or concat script then opens whatever files or
 * URLs it names (the sandbox rendered a server's local file that way). So: only the file
 * protocol, the sniffed format's demuxer forced and alone on the whitelist (nested opens
 * inherit both lists), and MP4/MOV external data references off.
 */
export function toolInputArgs(format: MediaFormat, path: string): string[] {
  const demuxer = DEMUXERS[format];
  const drefs = demuxer === 'mov' ? ['-enable_drefs', '0'] : [];
  return [
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    demuxer,
    ...drefs,
    '-f',
    demuxer,
    // the file: prefix stops names like "concat:a|b" or "http://x" being read as protocols
    '-i',
    `file:${resolve(path)}`,
  ];
}
