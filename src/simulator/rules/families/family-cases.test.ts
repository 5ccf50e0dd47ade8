import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { caseProblem, caseSimulators } from './family-cases-kit.js';
import { HAPPYHORSE_TABLES } from './happyhorse-cases.js';
import { IMAGE2VIDEO_TABLES } from './image2video-cases.js';
import { VACE_TABLES } from './vace-cases.js';
import { WAN_EDIT_WAN30_TABLES } from './wan-edit-wan30-cases.js';
import { WAN27_TABLES } from './wan27-cases.js';

/**
 * Every family case table, each case a create sent over real HTTP to a simulator of its region
 * (limits out of the way) and held to DashScope's expected answer.
 */

const sims = caseSimulators();
after(() => sims.close());

const TABLES = [
  ...WAN27_TABLES,
  ...WAN_EDIT_WAN30_TABLES,
  ...HAPPYHORSE_TABLES,
  ...IMAGE2VIDEO_TABLES,
  ...VACE_TABLES,
];

for (const { title, cases } of TABLES) {
  describe(title, () => {
    for (const c of cases)
      it(c.name, async () => assert.equal(await caseProblem(await sims.url(c.region), c), null));
  });
}

describe('the case tables', () => {
  it('cover every family with accepted and refused bodies', () => {
    const all = TABLES.flatMap((t) => t.cases);
    assert.ok(all.filter((c) => c.expect === 'ok').length > 60);
    assert.ok(all.filter((c) => c.expect !== 'ok').length > 100);
    assert.equal(new Set(TABLES.map((t) => t.title)).size, TABLES.length);
  });
});
