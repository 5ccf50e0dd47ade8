import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API_ERRORS, ApiError, errorBody, type ApiErrorCode } from './errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');

/** The cells of the first Markdown table under the `## {heading}` section. */
function tableUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  assert.ok(start >= 0, `docs/errors.md has a "## ${heading}" section`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2} /.test(line)) break;
    if (!line.trim().startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((c) => c.trim()),
    );
  }
  // header and separator rows
  assert.ok(rows.length > 2, `a table under "## ${heading}"`);
  return rows.slice(2);
}

function codeCell(cell: string | undefined): string {
  const m = /^`([^`]+)`$/.exec(cell ?? '');
  assert.ok(m?.[1], `the first cell is one backticked code: ${cell}`);
  return m[1];
}

/** Every non-test TypeScript file under src/. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const SOURCES = sourceFiles(join(ROOT, 'src')).map((p) => readFileSync(p, 'utf8'));

void describe('docs/errors.md request errors', () => {
  const rows = tableUnder(DOC, 'Request errors');
  const documented = new Map(rows.map((r) => [codeCell(r[0]), Number(r[1])]));

  it('lists each code once', () => {
    assert.equal(documented.size, rows.length, 'no duplicate rows');
  });

  it('documents every code of API_ERRORS with its HTTP status', () => {
    for (const [code, status] of Object.entries(API_ERRORS)) {
      assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
      assert.equal(documented.get(code), status, `HTTP status of ${code}`);
    }
  });

  it('documents no code that API_ERRORS lacks', () => {
    const known = new Set(Object.keys(API_ERRORS));
    for (const code of documented.keys()) {
      assert.ok(known.has(code), `${code} is in docs/errors.md but not in API_ERRORS`);
    }
  });

  it('gives every code a meaning and a fix', () => {
    for (const r of rows) {
      assert.equal(r.length, 4, `four columns: ${r.join(' | ')}`);
      assert.ok((r[2] ?? '').length > 10, `meaning of ${r[0]}`);
      assert.ok((r[3] ?? '').length > 10, `fix for ${r[0]}`);
    }
  });
});

void describe('docs/errors.md task failures', () => {
  const documented = new Set(tableUnder(DOC, 'Task failures').map((r) => codeCell(r[0])));

  it('documents the codes vidgate itself sets on failed tasks', () => {
    // literal codes handed to the worker's fail(), and those media fetching can raise
    const patterns = [/\bfail\(\s*row,\s*'([^']+)'/g, /new MediaFetchError\(\s*'([^']+)'/g];
    const found = new Set<string>();
    for (const text of SOURCES) {
      for (const re of patterns) for (const m of text.matchAll(re)) if (m[1]) found.add(m[1]);
    }
    assert.ok(found.size >= 4, `found ${[...found].join(', ')}`);
    // set outside those calls: a failed render and the fallback for a code-less failure
    for (const code of [...found, 'InternalError.Algo', 'InternalError']) {
      assert.ok(documented.has(code), `${code} is missing from "## Task failures"`);
    }
  });

  it('documents only codes that the source still uses', () => {
    for (const code of documented) {
      assert.ok(
        SOURCES.some((text) => text.includes(`'${code}'`)),
        `${code} is documented but appears nowhere in src`,
      );
    }
  });
});

void describe('ApiError', () => {
  it('takes its HTTP status from the table', () => {
    for (const code of Object.keys(API_ERRORS) as ApiErrorCode[]) {
      const err = new ApiError(code, 'm');
      assert.equal(err.status, API_ERRORS[code]);
      assert.equal(err.code, code);
    }
  });

  it('uses only 4xx and 5xx statuses', () => {
    for (const status of Object.values(API_ERRORS)) assert.ok(status >= 400 && status < 600);
  });

  it('renders exactly DashScope’s three fields', () => {
    assert.deepEqual(errorBody('rid', 'InvalidParameter', 'bad'), {
      request_id: 'rid',
      code: 'InvalidParameter',
      message: 'bad',
    });
  });
});
