import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaTools } from './media/ffmpeg.js';
import { runTool } from './media/ffmpeg.js';

/**
 * Media files for the examples of docs/models.md, next to the example bodies: families whose
 * videos and audio must be URLs take them through the upload flow (`examples/upload.mjs`).
 */
export const EXAMPLE_MEDIA: ReadonlyArray<{ name: string; args: readonly string[] }> = [
  // a second, different picture: the last frame of first+last frame requests
  {
    name: 'last-frame.jpg',
    args: ['-f', 'lavfi', '-i', 'smptebars=s=960x540', '-frames:v', '1', '-q:v', '4'],
  },
  // upright, for speech-to-video, animate and the face check
  {
    name: 'portrait.jpg',
    args: ['-f', 'lavfi', '-i', 'testsrc2=s=480x640', '-frames:v', '1', '-q:v', '4'],
  },
  // 3 s with sound: for editing, references, continuation and animate
  {
    name: 'clip.mp4',
    args: [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=640x360:r=24:d=3',
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:d=3',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
    ],
  },
  // 4 s of tone: the speech of speech-to-video, the audio of references
  { name: 'speech.wav', args: ['-f', 'lavfi', '-i', 'sine=f=220:d=4'] },
];

export async function writeExampleMedia(dir: string, tools: MediaTools): Promise<void> {
  for (const { name, args } of EXAMPLE_MEDIA) {
    const path = join(dir, name);
    if (existsSync(path)) continue;
    await runTool(tools.ffmpeg, ['-y', '-v', 'error', ...args, path]);
  }
}
