import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { PROVIDERS } from '../providers/registry.js';
import { configSchema } from './schema.js';

const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

interface DocRow {
  name: string;
  defaultCell: string;
  meaning: string;
}

const splitRow = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/** Rows of every table on the page whose header is `Name | Default | Meaning`. */
function documentedRows(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.trim().startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = splitRow(line);
    if (cells[0] === 'Name') {
      assert.deepEqual(cells, ['Name', 'Default', 'Meaning'], 'table header');
      inTable = true;
      continue;
    }
    if (!inTable || cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const name = /^`([A-Z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
    assert.ok(name, `the first cell names one setting in backticks: ${line}`);
    rows.push({ name, defaultCell: cells[1] ?? '', meaning: cells[2] ?? '' });
  }
  return rows;
}

const rows = documentedRows(DOC);
const documented = new Map(rows.map((r) => [r.name, r]));
/** Every variable vidgate reads: the core settings, then each provider's own. */
const settings = new Map<string, z.ZodType>([
  ...Object.entries(configSchema.shape),
  ...PROVIDERS.flatMap((p) => Object.entries(p.variables.shape)),
]);
const schemaKeys = [...settings.keys()];

/** The value a key takes when its variable is unset. */
function schemaDefault(key: string): unknown {
  const result = settings.get(key)?.safeParse(undefined);
  assert.ok(result?.success, `${key} parses when unset`);
  return result.data;
}

void describe('docs/configuration.md', () => {
  it('lists each setting once', () => {
    assert.ok(rows.length > 0, 'the page has settings tables');
    assert.equal(documented.size, rows.length, 'no setting is listed twice');
  });

  it('reads variables the providers declare, each declared once', () => {
    const declared = PROVIDERS.flatMap((p) => Object.keys(p.variables.shape));
    assert.ok(declared.length > 0, 'some provider declares a variable');
    const core = Object.keys(configSchema.shape).length;
    assert.equal(settings.size, core + declared.length, 'no variable is declared twice');
  });

  it('documents every key of the config schema and the providers', () => {
    const missing = schemaKeys.filter((k) => !documented.has(k));
    assert.deepEqual(missing, [], `add a row to docs/configuration.md for: ${missing.join(', ')}`);
  });

  it('documents no key that the schema lacks', () => {
    const known = new Set<string>(schemaKeys);
    const extra = [...documented.keys()].filter((k) => !known.has(k));
    assert.deepEqual(
      extra,
      [],
      `not in src/config/schema.ts nor a provider's variables: ${extra.join(', ')}`,
    );
  });

  it('states each default as the schema has it', () => {
    for (const key of schemaKeys) {
      const row = documented.get(key);
      if (!row) continue;
      const value = schemaDefault(key);
      const scalar =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
      const shown = scalar ? String(value) : JSON.stringify(value);
      const expected = value === undefined ? 'unset' : `\`${shown}\``;
      assert.equal(row.defaultCell, expected, `default of ${key}`);
    }
  });

  it('says what every setting means', () => {
    for (const row of rows) assert.ok(row.meaning.length > 10, `meaning of ${row.name}`);
  });
});
