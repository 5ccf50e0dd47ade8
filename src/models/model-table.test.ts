import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CREATE_ROUTES } from '../contract/routes.js';
import {
  allowedDurations,
  describeDurations,
  findModel,
  isAllowedDuration,
  MODEL_MODES,
  flatModels,
  MODELS,
  modelsForMode,
  RESOLUTION_TIERS,
  SIZE_TIERS,
  tierOfSize,
  type ModelSpec,
} from './model-table.js';

const MB = 1024 * 1024;

function model(name: string): ModelSpec {
  const m = findModel(name);
  assert.ok(m, `model ${name} is in the table`);
  return m;
}

void describe('model table: invariants every entry keeps', () => {
  it('has unique names', () => {
    const names = MODELS.map((m) => m.name);
    assert.equal(new Set(names).size, names.length, names.join(', '));
  });

  it('serves every mode on exactly one create route, with at least one model each', () => {
    for (const mode of MODEL_MODES) {
      assert.ok(modelsForMode(mode).length > 0, `a model for ${mode}`);
      assert.equal(CREATE_ROUTES.filter((r) => r.mode === mode).length, 1, `one route for ${mode}`);
    }
  });

  it('has unique ids in every region, and every model is offered somewhere', () => {
    for (const m of MODELS) {
      assert.ok(Object.keys(m.regions).length > 0, `${m.name} names its regions`);
      for (const id of Object.values(m.regions)) assert.equal(findModel(id), m, id);
    }
  });

  it('serves each of its modes, its main mode first', () => {
    for (const m of MODELS) assert.ok(m.modes.includes(m.mode), m.name);
  });

  it('prices in whole millionths, with a region and a tier each', () => {
    for (const m of MODELS) {
      for (const p of m.prices) {
        assert.ok(Number.isSafeInteger(p.perSecondMicros) && p.perSecondMicros > 0, m.name);
        if (p.tier !== 'any' && m.output.kind === 'tier') {
          assert.ok(m.output.tiers.includes(p.tier), `${m.name} prices a tier it serves`);
        }
      }
    }
  });

  for (const m of MODELS) {
    it(`${m.name}: defaults lie inside the allowed values`, () => {
      if (m.durations.kind !== 'follows') {
        assert.ok(isAllowedDuration(m.durations, m.durations.default), 'default duration');
      }
      if (m.durations.kind === 'range') assert.ok(m.durations.min <= m.durations.max, 'range');
      if (m.durations.kind !== 'follows') {
        assert.ok(allowedDurations(m.durations).length > 0, 'some duration');
      }
      if (m.ratios.length > 0) assert.equal(new Set(m.ratios).size, m.ratios.length, 'ratios');
      if (m.output.kind === 'tier') {
        assert.ok(m.output.tiers.includes(m.output.default), 'default tier');
        for (const t of m.output.tiers) assert.ok(RESOLUTION_TIERS.includes(t), t);
      } else {
        assert.ok(m.output.sizes.includes(m.output.default), 'default size');
        for (const s of m.output.sizes) assert.ok(tierOfSize(s), `size ${s} has a tier`);
        assert.equal(new Set(m.output.sizes).size, m.output.sizes.length, 'sizes are unique');
      }
      assert.ok(m.seed.min <= m.seed.max, 'seed range');
    });
  }

  for (const m of flatModels()) {
    it(`${m.name}: its media match its mode`, () => {
      assert.equal(
        m.media.firstFrame !== null,
        m.mode === 'first-frame',
        'img_url iff first-frame',
      );
      assert.equal(m.media.references !== null, m.mode === 'references', 'references iff r2v');
      if (m.mode !== 'first-frame') assert.equal(m.template, false, 'templates are first-frame');
      if (m.mode !== 'first-frame') assert.equal(m.promptRequired, true, 'prompt required');
      if (m.shotTypeNeedsPromptExtend) {
        assert.ok(m.shotType && m.promptExtend, 'needs prompt_extend implies both exist');
      }
      const refs = m.media.references;
      if (refs) {
        assert.ok(refs.maxVideos <= refs.maxTotal, 'videos within total');
        assert.ok(refs.maxImages <= refs.maxTotal, 'images within total');
      }
    });

    it(`${m.name}: every model shares the DashScope input limits`, () => {
      assert.deepEqual(m.seed, { min: 0, max: 2147483647 });
      assert.equal(m.watermark, true);
      assert.equal(m.promptMaxChars, 1500);
      assert.equal(m.negativePromptMaxChars, 500);
      const image = m.media.firstFrame ?? m.media.references?.image;
      if (image) {
        assert.deepEqual(image, {
          formats: ['JPEG', 'JPG', 'PNG', 'BMP', 'WEBP'],
          minSidePx: 240,
          maxSidePx: 8000,
          maxBytes: 20 * MB,
          allowAlpha: false,
        });
      }
      if (m.media.audio) {
        assert.deepEqual(m.media.audio, {
          formats: ['WAV', 'MP3'],
          minSeconds: 3,
          maxSeconds: 30,
          maxBytes: 15 * MB,
        });
      }
    });
  }
});

void describe('model table: the entries', () => {
  it('wan2.6-t2v: text, 720P and 1080P sizes, 2-15 s, audio_url, shot_type with prompt_extend', () => {
    const m = model('wan2.6-t2v');
    assert.equal(m.mode, 'text');
    assert.deepEqual(m.durations, { kind: 'range', min: 2, max: 15, default: 5 });
    assert.equal(m.output.kind, 'size');
    assert.equal(m.output.default, '1920*1080');
    assert.deepEqual(
      new Set(m.output.kind === 'size' ? m.output.sizes.map((s) => SIZE_TIERS[s]) : []),
      new Set(['720P', '1080P']),
    );
    assert.equal(m.output.kind === 'size' && m.output.sizes.length, 10);
    assert.ok(m.media.audio, 'audio_url');
    assert.equal(m.audioSwitch, false);
    assert.equal(m.shotType && m.shotTypeNeedsPromptExtend && m.promptExtend, true);
    assert.equal(m.returnsActualPrompt, false);
    assert.equal(m.usage, 'wan2.6-text');
  });

  it('wan2.5-t2v-preview: text, 480P to 1080P sizes, 5 or 10 s, no shot_type', () => {
    const m = model('wan2.5-t2v-preview');
    assert.equal(m.mode, 'text');
    assert.deepEqual(m.durations, { kind: 'set', values: [5, 10], default: 5 });
    assert.equal(m.output.kind, 'size');
    assert.equal(m.output.default, '1920*1080');
    const sizes = m.output.kind === 'size' ? m.output.sizes : [];
    for (const s of ['832*480', '480*832', '624*624', '1280*720', '1440*1440']) {
      assert.ok(sizes.includes(s), s);
    }
    assert.equal(sizes.length, 13);
    assert.ok(m.media.audio, 'audio_url');
    assert.equal(m.shotType, false);
    assert.equal(m.returnsActualPrompt, true);
  });

  it('r2v: references of at most 5 items, 3 of them videos (mp4/mov, 1-30 s, 100 MB)', () => {
    for (const name of ['wan2.6-r2v', 'wan2.6-r2v-flash']) {
      const refs = model(name).media.references;
      assert.ok(refs, `${name} takes references`);
      assert.equal(refs.maxTotal, 5);
      assert.equal(refs.maxImages, 5);
      assert.equal(refs.maxVideos, 3);
      assert.deepEqual(refs.video, {
        formats: ['MP4', 'MOV'],
        minSeconds: 1,
        maxSeconds: 30,
        maxBytes: 100 * MB,
      });
      assert.equal(model(name).media.audio, null, `${name} has no audio_url`);
    }
  });

  it('has the audio switch on the flash models only', () => {
    assert.deepEqual(
      MODELS.filter((m) => m.audioSwitch).map((m) => m.name),
      ['wan2.6-i2v-flash', 'wan2.6-r2v-flash'],
    );
  });
});

void describe('model table: helpers', () => {
  it('expands ranges and sorts sets', () => {
    assert.deepEqual(allowedDurations({ kind: 'range', min: 2, max: 5, default: 3 }), [2, 3, 4, 5]);
    assert.deepEqual(allowedDurations({ kind: 'set', values: [10, 5], default: 5 }), [5, 10]);
    assert.equal(isAllowedDuration({ kind: 'range', min: 2, max: 5, default: 3 }, 2.5), false);
    assert.equal(describeDurations({ kind: 'set', values: [5, 10], default: 5 }), 'one of 5, 10');
  });

  it('maps sizes to tiers without trusting prototype keys', () => {
    assert.equal(tierOfSize('1280*720'), '720P');
    assert.equal(tierOfSize('624*624'), '480P');
    assert.equal(tierOfSize('constructor'), undefined);
    assert.equal(tierOfSize('__proto__'), undefined);
  });
});
