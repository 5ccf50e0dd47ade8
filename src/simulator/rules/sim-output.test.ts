import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimCreateBody } from '../sim-task.js';
import { simModelNamed, type SimModel } from './sim-catalogue.js';
import { simReferenceKind, simUrlForm } from './sim-media-url.js';
import { returnsActualPrompt, simOutputOf, simUsage } from './sim-output.js';

/** The simulator's task results, each from dashscope-video-api.md (cited as §n). */

function model(name: string): SimModel {
  const m = simModelNamed(name);
  assert.ok(m, name);
  return m;
}

const body = (
  name: string,
  parameters: Record<string, unknown> = {},
  input: Record<string, unknown> = {},
): SimCreateBody => ({ model: name, input, parameters });

describe('simulator usage (§7.3)', () => {
  it('wan2.6 i2v: the §7.2 SUCCEEDED example, 10 s at 720P', () => {
    const m = model('wan2.6-i2v');
    assert.deepEqual(simUsage(m, body(m.name, { duration: 10, resolution: '720P' }), 5), {
      duration: 10,
      input_video_duration: 0,
      output_video_duration: 10,
      video_count: 1,
      SR: 720,
    });
  });

  it('wan2.6-i2v-flash adds audio (bool, flash only): false only when asked for', () => {
    const m = model('wan2.6-i2v-flash');
    assert.equal(simUsage(m, body(m.name), 5).audio, true);
    assert.equal(simUsage(m, body(m.name, { audio: false }), 5).audio, false);
    assert.equal('audio' in simUsage(model('wan2.6-i2v'), body('wan2.6-i2v'), 5), false);
  });

  it('wan2.6 r2v: the §7.2 example, duration = input + output, with size', () => {
    const m = model('wan2.6-r2v');
    const b = body(
      m.name,
      { size: '1280*720', duration: 5 },
      { prompt: 'x', reference_urls: ['https://e.com/a.mp4', 'https://e.com/b.png'] },
    );
    assert.deepEqual(simUsage(m, b, 5), {
      duration: 10,
      size: '1280*720',
      input_video_duration: 5,
      output_video_duration: 5,
      video_count: 1,
      SR: 720,
    });
    const legacy = body(
      m.name,
      {},
      { prompt: 'x', reference_video_urls: ['https://e.com/a.mov', 'https://e.com/b.mp4'] },
    );
    assert.equal(simUsage(m, legacy, 3).input_video_duration, 6);
    assert.equal(simUsage(m, legacy, 3).SR, 1080, '§4 default size 1920*1080');
  });

  it('wan2.5: duration, SR and video_count only; 480P sizes count as SR 480 (§5.1)', () => {
    assert.deepEqual(simUsage(model('wan2.5-i2v-preview'), body('wan2.5-i2v-preview'), 5), {
      duration: 5,
      SR: 1080,
      video_count: 1,
    });
    const t2v = model('wan2.5-t2v-preview');
    assert.deepEqual(simUsage(t2v, body(t2v.name, { size: '480*832', duration: 10 }), 5), {
      duration: 10,
      SR: 480,
      video_count: 1,
    });
  });

  it('wan2.6-t2v (reference silent): r2v fields with no input video', () => {
    const m = model('wan2.6-t2v');
    assert.deepEqual(simUsage(m, body(m.name, { size: '960*960', duration: 3 }), 5), {
      duration: 3,
      size: '960*960',
      input_video_duration: 0,
      output_video_duration: 3,
      video_count: 1,
      SR: 720,
    });
  });
});

describe('simulator output values', () => {
  it('defaults: 5 s (§3 duration), 1080P for tier models, 1920*1080 for size models (§4)', () => {
    const i2v = simOutputOf(model('wan2.6-i2v'), body('wan2.6-i2v'));
    assert.deepEqual(
      [i2v.durationSec, i2v.tier, i2v.size, i2v.width, i2v.height],
      [5, '1080P', null, 1920, 1080],
    );
    const r2v = simOutputOf(model('wan2.6-r2v'), body('wan2.6-r2v', { size: '720*1280', seed: 9 }));
    assert.deepEqual(
      [r2v.tier, r2v.size, r2v.width, r2v.height, r2v.seed],
      ['720P', '720*1280', 720, 1280, 9],
    );
    assert.equal(
      simOutputOf(model('wan2.6-i2v'), body('wan2.6-i2v', { resolution: '720p' })).tier,
      '720P',
    );
  });

  it('§3 audio=false silences only the flash models', () => {
    assert.equal(
      simOutputOf(model('wan2.6-r2v-flash'), body('wan2.6-r2v-flash', { audio: false })).withAudio,
      false,
    );
    assert.equal(
      simOutputOf(model('wan2.6-r2v'), body('wan2.6-r2v', { audio: false })).withAudio,
      true,
    );
  });

  it('§7.1 actual_prompt: wan2.5 with prompt_extend not false, never wan2.6', () => {
    assert.equal(
      returnsActualPrompt(model('wan2.5-t2v-preview'), body('wan2.5-t2v-preview')),
      true,
    );
    assert.equal(
      returnsActualPrompt(
        model('wan2.5-i2v-preview'),
        body('wan2.5-i2v-preview', { prompt_extend: false }),
      ),
      false,
    );
    assert.equal(returnsActualPrompt(model('wan2.6-i2v'), body('wan2.6-i2v')), false);
  });
});

describe('simulator media URLs (§3, §4)', () => {
  it('tells URL forms apart', () => {
    assert.equal(simUrlForm('https://e.com/a.png'), 'http');
    assert.equal(simUrlForm('oss://dashscope-instant/x'), 'oss');
    assert.equal(simUrlForm('data:audio/mpeg;base64,AAAA'), 'data');
    for (const bad of ['https://', 'http:// a', 'oss://', 'data:x', 'ftp://e.com/a', ''])
      assert.equal(simUrlForm(bad), null, bad);
  });

  it('tells images from videos by MP4/MOV and JPEG/JPG/PNG/BMP/WEBP, or a data: MIME type', () => {
    assert.equal(simReferenceKind('https://e.com/a.MOV?sig=1'), 'video');
    assert.equal(simReferenceKind('https://e.com/a.webp#x'), 'image');
    assert.equal(simReferenceKind('data:video/mp4;base64,AA'), 'video');
    assert.equal(simReferenceKind('data:image/png;base64,AA'), 'image');
    assert.equal(simReferenceKind('https://e.com/blob?id=1.mp4'), null);
  });
});
