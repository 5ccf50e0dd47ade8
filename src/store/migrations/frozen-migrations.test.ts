import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import ts from 'typescript';
import { withTestPostgres, type TestPostgres } from '../../../test/support/postgres.js';
import { TASK_STATES } from '../../tasks/status.js';
import { openDatabase, type StoreLocation } from '../database.js';
import { registerPostgresDialect } from '../postgres-dialect.js';
import type { Database } from '../schema.js';

registerPostgresDialect();

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Packages a migration may use: the schema builder only. Anything else (a model table, the live
 * TASK_STATES, a config default) changes under a shipped migration and gives new databases
 * another schema than old ones.
 */
const ALLOWED_PACKAGES = new Set(['kysely']);

/** Every module a TypeScript source names: static, re-export, `import =`, dynamic, type imports. */
function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference))
        literal(node.moduleReference.expression);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (callee.kind === ts.SyntaxKind.ImportKeyword || isRequire) literal(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      literal(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Why `specifier`, imported by `file`, reaches outside the migrations folder; null if it does not. */
function outsideReason(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) {
    return ALLOWED_PACKAGES.has(specifier) ? null : `imports the package ${specifier}`;
  }
  const target = resolve(dirname(file), specifier);
  const rel = relative(HERE, target);
  return rel.startsWith('..') || rel.includes('/') ? `imports ${specifier}` : null;
}

void describe('migrations are frozen text', () => {
  const files = readdirSync(HERE)
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))
    .map((n) => join(HERE, n));

  it('the import scan sees every form of import', () => {
    const text = `
      import { TASK_STATES } from '../../tasks/status.js';
      import type { ModelSpec } from '../../models/model-table.js';
      export { x } from './0002-rate-limits.js';
      import fs = require('node:fs');
      type T = import('../schema.js').Database;
      const later = () => import('../../config/load.js');
      // import { commented } from '../nowhere.js';
      const s = "import { notCode } from '../nowhere.js'";`;
    assert.deepEqual(moduleSpecifiers('fixture.ts', text), [
      '../../tasks/status.js',
      '../../models/model-table.js',
      './0002-rate-limits.js',
      'node:fs',
      '../schema.js',
      '../../config/load.js',
    ]);
    const file = join(HERE, 'fixture.ts');
    assert.equal(outsideReason(file, './0002-rate-limits.js'), null);
    assert.equal(outsideReason(file, 'kysely'), null);
    for (const bad of ['../../tasks/status.js', '../schema.js', 'node:fs', './sub/x.js']) {
      assert.notEqual(outsideReason(file, bad), null, bad);
    }
  });

  it('no migration imports from outside src/store/migrations', () => {
    assert.ok(files.length >= 6, `migration files found: ${files.length}`);
    let imports = 0;
    for (const file of files) {
      for (const specifier of moduleSpecifiers(file, readFileSync(file, 'utf8'))) {
        imports++;
        const reason = outsideReason(file, specifier);
        assert.equal(reason, null, `${relative(HERE, file)} ${reason ?? ''}`);
      }
    }
    // index.ts alone names every migration, so an empty scan means a broken scan
    assert.ok(imports > files.length, `imports seen: ${imports}`);
  });
});

/** The single-quoted SQL literals in `text`, with '' read as one quote. */
function quotedLiterals(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while ((i = text.indexOf("'", i)) >= 0) {
    let value = '';
    let j = i + 1;
    for (; j < text.length; j++) {
      if (text[j] !== "'") value += text[j];
      else if (text[j + 1] === "'") value += text[++j];
      else break;
    }
    out.push(value);
    i = j + 1;
  }
  return out;
}

/** The CHECK constraints of the `tasks` table, as the database itself reports them. */
async function taskChecks(kysely: Kysely<Database>, dialect: string): Promise<string[]> {
  if (dialect === 'postgres') {
    const r = await sql<{ def: string }>`
      select pg_get_constraintdef(c.oid) as def from pg_constraint c
      join pg_class t on t.oid = c.conrelid
      where t.relname = 'tasks' and c.contype = 'c'`.execute(kysely);
    return r.rows.map((row) => row.def);
  }
  const r = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'tasks'`.execute(kysely);
  const create = r.rows[0]?.sql ?? '';
  // the body of each `check (…)`, parentheses balanced
  const checks: string[] = [];
  const lower = create.toLowerCase();
  for (let at = lower.indexOf('check'); at >= 0; at = lower.indexOf('check', at + 1)) {
    const open = create.indexOf('(', at);
    let depth = 0;
    for (let k = open; k < create.length; k++) {
      if (create[k] === '(') depth++;
      else if (create[k] === ')' && --depth === 0) {
        checks.push(create.slice(open, k + 1));
        break;
      }
    }
  }
  return checks;
}

let postgres: Promise<TestPostgres> | undefined;

async function freshLocation(dialect: 'sqlite' | 'postgres', dir: string): Promise<StoreLocation> {
  if (dialect === 'sqlite') return { kind: 'sqlite', path: join(dir, 'fresh.db') };
  postgres ??= withTestPostgres();
  return { kind: 'postgres', url: await (await postgres).createDatabase() };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  void describe(`a database migrated from scratch: ${dialect}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'vidgate-frozen-'));
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (dialect === 'postgres') await (await postgres)?.stop();
    });

    it('allows exactly the task states of TASK_STATES', async () => {
      const db = await openDatabase(await freshLocation(dialect, dir));
      try {
        const k = db.kysely;
        const stateChecks = (await taskChecks(k, dialect)).filter((c) => c.includes('state'));
        assert.equal(stateChecks.length, 1, `one CHECK on state: ${stateChecks.join(' / ')}`);
        assert.deepEqual(
          new Set(quotedLiterals(stateChecks[0] ?? '')),
          new Set(TASK_STATES),
          stateChecks[0],
        );

        // and the database acts on it: every state stores, a state outside the list does not
        await sql`insert into accounts (id, name, created_at) values ('acc_1', 'a', 1)`.execute(k);
        const insert = (id: string, state: string) =>
          sql`insert into tasks (id, account_id, token_id, model, mode, request, state,
                                 next_run_at, created_at, updated_at, dispatch_deadline)
              values (${id}, 'acc_1', 'tok_1', 'm', 'text', '{}', ${state}, 1, 1, 1, 1)`.execute(k);
        for (const state of TASK_STATES) await insert(`task_${state}`, state);
        await assert.rejects(insert('task_bogus', 'ARCHIVED'), 'a state outside the list');
        await assert.rejects(insert('task_lower', 'queued'), 'states are case-sensitive');
      } finally {
        await db.close();
      }
    });
  });
}
