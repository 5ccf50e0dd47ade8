import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configSchema, type ConfigKey } from './schema.js';

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
const schemaKeys = Object.keys(configSchema.shape) as ConfigKey[];

/** The value a key takes when its variable is unset. */
function schemaDefault(key: ConfigKey): unknown {
  const result = configSchema.shape[key].safeParse(undefined);
  assert.ok(result.success, `${key} parses when unset`);
  return result.data;
}

void describe('docs/configuration.md', () => {
  it('lists each setting once', () => {
    assert.ok(rows.length > 0, 'the page has settings tables');
    assert.equal(documented.size, rows.length, 'no setting is listed twice');
  });

  it('documents every key of the config schema', () => {
    const missing = schemaKeys.filter((k) => !documented.has(k));
    assert.deepEqual(missing, [], `add a row to docs/configuration.md for: ${missing.join(', ')}`);
  });

  it('documents no key that the schema lacks', () => {
    const known = new Set<string>(schemaKeys);
    const extra = [...documented.keys()].filter((k) => !known.has(k));
    assert.deepEqual(extra, [], `not in src/config/schema.ts: ${extra.join(', ')}`);
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
