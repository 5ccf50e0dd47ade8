import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { DECISIONS, SEED_DEVIATIONS } from './model-decisions.js';
import { MODELS } from './model-table.js';
import { MODELS_DOC_PATH, renderModelsDoc } from './models-doc.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

void describe('docs/models.md', () => {
  const rendered = renderModelsDoc();

  it('is what the generator renders from the model table', () => {
    const onDisk = readFileSync(`${root}${MODELS_DOC_PATH}`, 'utf8');
    assert.ok(
      onDisk === rendered,
      `${MODELS_DOC_PATH} is out of date: run npx tsx scripts/gen-models-doc.ts`,
    );
  });

  it('survives prettier unchanged, so formatting the repository cannot make it stale', async () => {
    const config = (await prettier.resolveConfig(`${root}${MODELS_DOC_PATH}`)) ?? {};
    const formatted = await prettier.format(rendered, { ...config, parser: 'markdown' });
    assert.ok(formatted === rendered, 'prettier would reformat the rendered document');
  });

  it('has a section per model and every decision', () => {
    for (const m of MODELS) assert.ok(rendered.includes(`### ${m.name}\n`), m.name);
    assert.ok(
      rendered.includes('## Where vidgate follows DashScope rather than the seed pages'),
      'the seed-deviation section',
    );
    for (const d of [...SEED_DEVIATIONS, ...DECISIONS]) {
      assert.ok(rendered.includes(`**${d.topic}.** ${d.text}`), d.topic);
    }
  });
});
