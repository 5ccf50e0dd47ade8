import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODELS, type ModelSpec } from '../../src/models/model-table.js';
import {
  checkAgreement,
  KNOWN_DISAGREEMENTS,
  type Disagreement,
} from '../support/simulator-agreement.js';

/**
 * vidgate's validator and usage against the simulator's own rules, over every request case of
 * vidgate's tables. The simulator is written from the DashScope reference alone (docs/simulator.md),
 * so a vidgate rule that drifts from the reference shows up here as a disagreement.
 */

const undocumented = (found: Disagreement[]) => found.filter((d) => d.documented === undefined);
const brief = (found: Disagreement[]) =>
  found.map((d) => `${d.model} | ${d.case} | ${d.kind} | ${d.detail}`).join('\n');

/** MODELS with one entry changed. */
function withSpec(name: string, change: (m: ModelSpec) => ModelSpec): ModelSpec[] {
  assert.ok(
    MODELS.some((m) => m.name === name),
    name,
  );
  return MODELS.map((m) => (m.name === name ? change(m) : m));
}

describe('vidgate and the DashScope simulator', () => {
  const found = checkAgreement();

  it('agree on every request case and every usage object, except the documented ones', () => {
    assert.deepEqual(undocumented(found), [], brief(undocumented(found)));
  });

  it('differ where documented, and only by vidgate refusing what the simulator accepts', () => {
    for (const known of KNOWN_DISAGREEMENTS) {
      const hits = found.filter((d) => d.documented === known.reason);
      assert.ok(hits.length > 0, `documented but never seen: ${known.cases.join(', ')}`);
      for (const d of hits) {
        assert.equal(d.kind, 'verdict');
        assert.match(d.detail, /^vidgate refuses .*the simulator accepts$/);
      }
    }
  });
});

describe('the agreement check catches a wrong vidgate rule', () => {
  it('a duration range cut short (wan2.6-i2v 2–10 instead of 2–15)', () => {
    const wrong = withSpec('wan2.6-i2v', (m) => ({
      ...m,
      durations: { kind: 'range', min: 2, max: 10, default: 5 },
    }));
    const found = undocumented(checkAgreement(wrong));
    assert.deepEqual(
      found.map((d) => [d.model, d.case, d.kind]),
      [
        ['wan2.6-i2v', 'duration 11 (above)', 'verdict'],
        ...[11, 12, 13, 14, 15].map((d) => ['wan2.6-i2v', `sim: duration ${d}`, 'verdict']),
      ],
      brief(found),
    );
    for (const d of found) assert.match(d.detail, /vidgate refuses .*simulator accepts/);
  });

  it('a resolution the model does not have (480P on wan2.6-i2v)', () => {
    const wrong = withSpec('wan2.6-i2v', (m) => ({
      ...m,
      output: { kind: 'tier', tiers: ['480P', '720P', '1080P'], default: '1080P' },
    }));
    const found = undocumented(checkAgreement(wrong));
    assert.deepEqual(
      found.map((d) => [d.model, d.case, d.kind]),
      [
        ['wan2.6-i2v', 'resolution 480P', 'verdict'],
        ['wan2.6-i2v', 'resolution 480p (normalised to upper case)', 'verdict'],
        ['wan2.6-i2v', 'sim: resolution 480P', 'verdict'],
      ],
      brief(found),
    );
    for (const d of found) assert.match(d.detail, /vidgate accepts, the simulator refuses/);
  });

  it('a size left out of the table (960*960 on wan2.6-t2v)', () => {
    const wrong = withSpec('wan2.6-t2v', (m) => ({
      ...m,
      output: { kind: 'size', sizes: ['1280*720', '1920*1080'], default: '1920*1080' },
    }));
    const found = undocumented(checkAgreement(wrong));
    const cases = found.map((d) => d.case);
    assert.ok(cases.includes('size 960*960') && cases.includes('sim: size 960*960'), brief(found));
    for (const d of found) {
      assert.equal(d.model, 'wan2.6-t2v');
      assert.match(d.detail, /vidgate refuses .*simulator accepts/);
    }
  });

  it('a wrong default duration (10 s for wan2.6-t2v) shows in usage', () => {
    const wrong = withSpec('wan2.6-t2v', (m) => ({
      ...m,
      durations: { kind: 'range', min: 2, max: 15, default: 10 },
    }));
    const found = undocumented(checkAgreement(wrong));
    assert.ok(found.length > 0, 'the wrong default is caught');
    for (const d of found) {
      assert.equal(d.model, 'wan2.6-t2v');
      assert.equal(d.kind, 'usage');
      assert.match(d.detail, /duration: vidgate 10, simulator 5/);
    }
    assert.ok(found.some((d) => d.case === 'minimal body without parameters'));
  });

  it('a wrong usage shape (r2v reported like i2v) shows in usage', () => {
    const wrong = withSpec('wan2.6-r2v', (m) => ({ ...m, usage: 'wan2.6-video' }));
    const found = undocumented(checkAgreement(wrong));
    assert.ok(found.length > 0, 'the wrong shape is caught');
    for (const d of found) {
      assert.equal(d.model, 'wan2.6-r2v');
      assert.equal(d.kind, 'usage');
      assert.match(d.detail, /size: vidgate undefined, simulator "\d+\*\d+"/);
    }
  });
});
