import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  concatScript,
  hlsPlaylist,
  loopbackServer,
  plantFifo,
  type LoopbackServer,
  type PlantedFile,
} from '../../../test/support/media-traps.js';
import { locateMediaTools, type MediaTools } from '../../media/ffmpeg.js';
import { renderVideo, type RenderSpec, type RenderVisual } from './render.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
let planted: PlantedFile;
let segments: LoopbackServer;

const FTYP = Buffer.from('0000001866747970697336d00000000069736f6d69736f32', 'hex');
const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
// A valid 1x1 grey PNG, so every other input of a visual is fine and only the trap can fail.
const GOOD_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c636800000082008177cd72b60000000049454e44ae426082',
  'hex',
);
const ID3_HEADER = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);

function spec(overrides: Partial<RenderSpec>): RenderSpec {
  return {
    visual: { kind: 'text' },
    width: 320,
    height: 240,
    durationSec: 1,
    seed: 1,
    audio: { kind: 'none' },
    outPath: join(dir, 'out.mp4'),
    ...overrides,
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vidgate-render-inputs-'));
  planted = plantFifo(dir);
  segments = await loopbackServer();
});

after(async () => {
  planted.stop();
  await segments.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('renderVideo reads each input with the demuxer its bytes show', () => {
  void it('never opens what a playlist or concat script names, however it is disguised', async () => {
    const playlist = Buffer.from(hlsPlaylist(planted.path));
    const traps = [
      playlist,
      Buffer.from(hlsPlaylist(`${segments.url}/segment.ts`)),
      Buffer.from(concatScript(planted.path)),
      Buffer.concat([PNG_SIGNATURE, playlist]),
      Buffer.concat([FTYP, playlist]),
    ].map((bytes, i) => {
      const path = join(dir, `trap-${i}`);
      writeFileSync(path, bytes);
      return path;
    });
    const png = join(dir, 'good.png');
    writeFileSync(png, GOOD_PNG);
    for (const trap of traps) {
      const visuals: RenderVisual[] = [
        { kind: 'still', image: trap },
        { kind: 'sequence', items: [png, trap] },
        { kind: 'transition', first: png, last: trap },
        { kind: 'continuation', clip: trap, last: null },
        { kind: 'edit', video: trap, look: 'restyle' },
        { kind: 'animate', image: png, video: trap },
      ];
      for (const visual of visuals) {
        await assert.rejects(renderVideo(tools, spec({ visual })), Error, visual.kind);
      }
      await assert.rejects(
        renderVideo(tools, spec({ audio: { kind: 'file', path: trap } })),
        Error,
      );
    }
    const audio = join(dir, 'trap-audio');
    writeFileSync(audio, Buffer.concat([ID3_HEADER, playlist]));
    await assert.rejects(renderVideo(tools, spec({ audio: { kind: 'file', path: audio } })), Error);
    assert.equal(planted.opened(), false, 'the planted file was never opened');
    assert.equal(segments.total(), 0, 'no URL named in a playlist was requested');
  });
});
