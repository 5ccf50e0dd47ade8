import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatModels, MODELS, type ModelSpec } from './model-table.js';
import { AUDIO, IMG, validBody } from './request-case-bodies.js';
import { effectiveRequest, truncateChars } from './task-request.js';
import { buildUsage } from './usage.js';
import { validateRequest } from './validate-request.js';

void describe('effective request', () => {
  const find = (name: string): ModelSpec => {
    const m = MODELS.find((x) => x.name === name);
    assert.ok(m, `model ${name} is in the table`);
    return m;
  };

  it('applies the table defaults', () => {
    for (const m of flatModels()) {
      const res = validateRequest(m.mode, validBody(m));
      assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
      const eff = effectiveRequest(m, res.body);
      assert.equal(eff.durationSec, m.durations.default);
      if (m.output.kind === 'tier') {
        assert.equal(eff.tier, m.output.default);
        assert.equal(eff.size, null);
      } else {
        assert.equal(eff.size, m.output.default);
      }
      assert.equal(eff.withAudio, true);
      assert.equal(eff.promptExtend, m.promptExtend);
      assert.equal(eff.watermark, false);
      assert.equal(eff.shotType, 'single');
    }
  });

  it('counts characters, not UTF-16 units', () => {
    assert.equal(truncateChars('abc', 5), 'abc');
    assert.equal(truncateChars('abcdef', 3), 'abc');
    assert.equal(truncateChars('a🎬b🎬c', 3), 'a🎬b');
    assert.equal(truncateChars('字字字字', 2), '字字');
    assert.equal(truncateChars('🎬', 0), '');
  });

  it('truncates prompts by characters, never splitting one', () => {
    const m = find('wan2.6-t2v');
    const prompt = '🎬'.repeat(m.promptMaxChars + 3);
    const res = validateRequest('text', { model: m.name, input: { prompt } });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    const eff = effectiveRequest(m, res.body);
    assert.equal(Array.from(eff.prompt ?? '').length, m.promptMaxChars);
    assert.equal(eff.prompt, '🎬'.repeat(m.promptMaxChars));
  });

  it('lets audio=false win over audio_url on flash models', () => {
    const m = find('wan2.6-i2v-flash');
    const res = validateRequest('first-frame', {
      model: m.name,
      input: { img_url: IMG, audio_url: AUDIO },
      parameters: { audio: false },
    });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.equal(effectiveRequest(m, res.body).withAudio, false);
  });

  it('reports t2v usage with the size, r2v usage with input video seconds', () => {
    const t2v = find('wan2.6-t2v');
    const body = {
      model: t2v.name,
      input: { prompt: 'p' },
      parameters: { size: '1280*720', duration: 7 },
    };
    const res = validateRequest('text', body);
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.deepEqual(buildUsage(t2v, effectiveRequest(t2v, res.body), 0), {
      duration: 7,
      size: '1280*720',
      input_video_duration: 0,
      output_video_duration: 7,
      video_count: 1,
      SR: 720,
    });
    const wan25 = find('wan2.5-t2v-preview');
    const res25 = validateRequest('text', {
      model: wan25.name,
      input: { prompt: 'p' },
      parameters: { size: '624*624' },
    });
    assert.ok(res25.ok, `the body is accepted: ${JSON.stringify(res25)}`);
    assert.deepEqual(buildUsage(wan25, effectiveRequest(wan25, res25.body), 0), {
      duration: 5,
      SR: 480,
      video_count: 1,
    });
  });
});
