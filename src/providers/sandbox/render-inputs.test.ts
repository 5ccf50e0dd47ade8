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
import { renderVideo, type RenderSpec } from './render.js';

const tools: MediaTools = locateMediaTools({ pathEnv: process.env['PATH'] ?? '' });
let dir = '';
let planted: PlantedFile;
let segments: LoopbackServer;

const FTYP = Buffer.from('0000001866747970697336d00000000069736f6d69736f32', 'hex');
const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
const ID3_HEADER = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);

function spec(overrides: Partial<RenderSpec>): RenderSpec {
  return {
    mode: 'first-frame',
    width: 320,
    height: 240,
    durationSec: 1,
    seed: 1,
    audio: { kind: 'none' },
    inputs: [],
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
    for (const trap of traps) {
      await assert.rejects(renderVideo(tools, spec({ inputs: [trap] })), Error);
      await assert.rejects(renderVideo(tools, spec({ mode: 'references', inputs: [trap] })), Error);
    }
    const audio = join(dir, 'trap-audio');
    writeFileSync(audio, Buffer.concat([ID3_HEADER, playlist]));
    await assert.rejects(
      renderVideo(tools, spec({ mode: 'text', audio: { kind: 'file', path: audio } })),
      Error,
    );
    assert.equal(planted.opened(), false, 'the planted file was never opened');
    assert.equal(segments.total(), 0, 'no URL named in a playlist was requested');
  });
});
