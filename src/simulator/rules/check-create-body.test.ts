import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCreateBody, type CreateCheck } from '../check-create-body.js';
import type { SimRegion } from '../sim-options.js';

/**
 * The simulator's create checks, each from a sentence of dashscope-video-api.md (cited as §n).
 * Bodies are written out literally: nothing here is derived from vidgate's model table.
 */

const I2V = { model: 'wan2.6-i2v', input: { img_url: 'https://e.com/f.png' } };
const R2V = {
  model: 'wan2.6-r2v',
  input: { prompt: 'character1 waves', reference_urls: ['https://e.com/a.png'] },
};
const T2V = { model: 'wan2.6-t2v', input: { prompt: 'a fox' } };

function check(body: unknown, region: SimRegion = 'beijing'): CreateCheck {
  return checkCreateBody(body, region);
}

function refused(body: unknown, code = 'InvalidParameter', mention?: string): void {
  const r = check(body);
  assert.ok(!r.ok, `expected ${code} for ${JSON.stringify(body)}`);
  assert.equal(r.code, code, r.message);
  assert.equal(r.status, 400);
  if (mention) assert.ok(r.message.includes(mention), `${r.message} names ${mention}`);
}

function accepted(body: unknown, region: SimRegion = 'beijing'): void {
  const r = check(body, region);
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`);
}

const withParams = (body: object, parameters: Record<string, unknown>) => ({ ...body, parameters });

describe('simulator create checks: envelope (§2, §9)', () => {
  it('§9 BadRequest.EmptyModel / EmptyInput for a missing model or input', () => {
    refused({ input: I2V.input }, 'BadRequest.EmptyModel');
    refused({ ...I2V, model: '' }, 'BadRequest.EmptyModel');
    refused({ model: 'wan2.6-i2v' }, 'BadRequest.EmptyInput');
    refused({ model: 'wan2.6-i2v', input: null }, 'BadRequest.EmptyInput');
  });

  it('§2 parameters is optional; a non-object body, input or parameters is refused', () => {
    accepted(I2V);
    accepted({ ...I2V, parameters: null });
    for (const raw of [null, [], 'x', 5]) refused(raw);
    refused({ ...I2V, input: [] }, 'InvalidParameter', 'input');
    refused({ ...I2V, parameters: 'x' }, 'InvalidParameter', 'parameters');
  });

  it('§1 availability by region: flash and wan2.5 are not served in Virginia, -us models only there', () => {
    accepted(I2V, 'virginia');
    accepted({ ...I2V, model: 'wan2.6-i2v-us', parameters: { duration: 10 } }, 'virginia');
    accepted({ ...T2V, model: 'wan2.6-t2v-us' }, 'virginia');
    for (const model of ['wan2.6-i2v-flash', 'wan2.5-i2v-preview']) {
      const r = check({ ...I2V, model }, 'virginia');
      assert.ok(!r.ok && r.code === 'InvalidParameter', model);
    }
    const us = check({ ...I2V, model: 'wan2.6-i2v-us' }, 'beijing');
    assert.ok(!us.ok, 'wan2.6-i2v-us is a Virginia model');
    refused({ ...I2V, model: 'wan9-nope' });
    refused({ ...I2V, model: 42 });
  });

  it('§12.4 unknown input and parameters fields are tolerated', () => {
    accepted({
      ...I2V,
      input: { ...I2V.input, extend_prompt: true },
      parameters: { with_audio: false, steps: 50, enable_overlays: true, ratio: '16:9' },
      stream: false,
    });
  });
});

describe('simulator create checks: input (§3, §4, §5.1)', () => {
  it('§3 img_url is required for first-frame models; prompt is optional there', () => {
    refused({ model: 'wan2.6-i2v', input: {} }, 'InvalidParameter', 'input.img_url');
    refused({ model: 'wan2.6-i2v', input: { img_url: '' } }, 'InvalidParameter', 'input.img_url');
    accepted({ model: 'wan2.5-i2v-preview', input: { img_url: 'https://e.com/f.png' } });
  });

  it('§4 and §5.1 prompt is required for r2v and t2v; over-long prompts pass (§2.1 truncated)', () => {
    refused({ model: 'wan2.6-t2v', input: {} }, 'InvalidParameter', 'input.prompt');
    refused({ ...R2V, input: { ...R2V.input, prompt: '' } }, 'InvalidParameter', 'input.prompt');
    accepted({ ...T2V, input: { prompt: 'x'.repeat(4000), negative_prompt: 'y'.repeat(900) } });
    refused({ ...T2V, input: { prompt: 7 } }, 'InvalidParameter', 'input.prompt');
  });

  it('§3 URL forms: http(s), oss:// and data: URIs; anything else is 400 InvalidURL (§9)', () => {
    for (const url of [
      'HTTPS://E.COM/F.PNG',
      'oss://dashscope-instant/a.png',
      'data:image/png;base64,iVBO',
    ]) {
      accepted({ ...I2V, input: { img_url: url } });
    }
    for (const url of [
      'ftp://e.com/a.png',
      'e.com/a.png',
      'https://',
      ' https://e.com/a.png',
      'oss://',
      'data:image/png',
    ]) {
      refused({ ...I2V, input: { img_url: url } }, 'InvalidURL', 'input.img_url');
    }
    refused(
      { ...I2V, input: { ...I2V.input, audio_url: 'file:///etc/passwd' } },
      'InvalidURL',
      'input.audio_url',
    );
  });

  it('§4 reference_urls: 1–5 URLs, at most 3 videos and 5 images', () => {
    const refs = (urls: unknown) => ({ ...R2V, input: { ...R2V.input, reference_urls: urls } });
    accepted(
      refs([
        'https://e.com/a.mp4',
        'https://e.com/b.mov',
        'https://e.com/c.mp4',
        'https://e.com/d.png',
        'https://e.com/e',
      ]),
    );
    refused(refs([]), 'InvalidParameter', 'input.reference_urls');
    refused(refs(Array(6).fill('https://e.com/a.png')), 'InvalidParameter', 'input.reference_urls');
    refused(refs(Array(4).fill('data:video/mp4;base64,AA')), 'InvalidParameter', '3');
    refused(refs('https://e.com/a.png'), 'InvalidParameter', 'array');
    refused(refs(['https://e.com/a.png', 7]), 'InvalidParameter', 'input.reference_urls[1]');
    refused(
      { model: 'wan2.6-r2v', input: { prompt: 'x' } },
      'InvalidParameter',
      'input.reference_urls',
    );
  });

  it('§4 the deprecated reference_video_urls holds up to 3 videos', () => {
    const legacy = (urls: string[]) => ({
      model: 'wan2.6-r2v',
      input: { prompt: 'x', reference_video_urls: urls },
    });
    accepted(legacy(['https://e.com/a.mp4', 'https://e.com/b.mov']));
    refused(legacy(['https://e.com/a.png']), 'InvalidParameter', 'video');
    refused(
      legacy(Array<string>(4).fill('https://e.com/a.mp4')),
      'InvalidParameter',
      'input.reference_video_urls',
    );
  });
});

describe('simulator create checks: parameters (§3, §4, §5.1)', () => {
  it('§3 duration: wan2.6-i2v any integer in [2, 15], wan2.5-i2v-preview 5 or 10', () => {
    for (const d of [2, 9, 15]) accepted(withParams(I2V, { duration: d }));
    for (const d of [1, 16, 5.5, '5', true])
      refused(withParams(I2V, { duration: d }), 'InvalidParameter', 'parameters.duration');
    const wan25 = { ...I2V, model: 'wan2.5-i2v-preview' };
    for (const d of [5, 10]) accepted(withParams(wan25, { duration: d }));
    for (const d of [6, 15])
      refused(withParams(wan25, { duration: d }), 'InvalidParameter', 'one of 5, 10');
  });

  it('§4 duration: r2v any integer in [2, 10]; §5.1 t2v [2, 15]', () => {
    accepted(withParams(R2V, { duration: 10 }));
    refused(withParams(R2V, { duration: 11 }), 'InvalidParameter', 'from 2 to 10');
    accepted(withParams(T2V, { duration: 15 }));
    refused(withParams(T2V, { duration: 16 }));
  });

  it('§3 resolution: wan2.6 720P/1080P, wan2.5 also 480P (case of the tier not significant)', () => {
    accepted(withParams(I2V, { resolution: '720p' }));
    refused(withParams(I2V, { resolution: '480P' }), 'InvalidParameter', '720P, 1080P');
    accepted(withParams({ ...I2V, model: 'wan2.5-i2v-preview' }, { resolution: '480P' }));
    refused(withParams(I2V, { resolution: 720 }), 'InvalidParameter', 'parameters.resolution');
  });

  it('§4 size: the ten 720P/1080P sizes, "not 720P or 1:1"; §5.1 wan2.5-t2v adds three 480P ones', () => {
    for (const size of ['1280*720', '832*1088', '1248*1632']) accepted(withParams(R2V, { size }));
    for (const size of ['832*480', '720P', '1:1', '1280x720', ''])
      refused(withParams(R2V, { size }), 'InvalidParameter', 'parameters.size');
    accepted(withParams({ ...T2V, model: 'wan2.5-t2v-preview' }, { size: '624*624' }));
    refused(withParams(T2V, { size: '624*624' }));
  });

  it('§3 seed is an integer in [0, 2147483647]; switches are booleans; shot_type single/multi', () => {
    for (const seed of [0, 2147483647]) accepted(withParams(I2V, { seed }));
    for (const seed of [-1, 2147483648, 1.5, '4'])
      refused(withParams(I2V, { seed }), 'InvalidParameter', 'parameters.seed');
    for (const key of ['watermark', 'prompt_extend', 'audio'])
      refused(withParams(I2V, { [key]: 'true' }), 'InvalidParameter', `parameters.${key}`);
    accepted(withParams(I2V, { shot_type: 'multi', prompt_extend: false }));
    for (const shot of ['Multi', 'triple', 1])
      refused(withParams(I2V, { shot_type: shot }), 'InvalidParameter', 'shot_type');
  });

  it('§12.4 fields outside the model schema are ignored, not refused (documented in the agreement test)', () => {
    accepted(withParams(I2V, { audio: false, size: '1280*720' }));
    accepted(withParams({ ...I2V, model: 'wan2.5-i2v-preview' }, { shot_type: 'multi' }));
    accepted({
      ...R2V,
      input: { ...R2V.input, template: 'flying', audio_url: 'https://e.com/a.mp3' },
      parameters: { resolution: '720P' },
    });
  });
});
