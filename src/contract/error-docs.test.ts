import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { API_ERRORS } from './error-codes.js';
import { TASK_FAILURE_CODES } from './task-failure-codes.js';

/**
 * docs/errors.md against the typed contract, both ways, and the contract against what the code
 * and the tests do with it. The docs are parsed as Markdown tables; the source is read with the
 * TypeScript compiler (its syntax trees and types), so a code moved into a constant, an alias
 * or a helper is still seen, and a comment or a string that merely mentions one is not.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- docs/errors.md as data

interface MarkdownTable {
  header: string[];
  rows: string[][];
}

/** The cells of one table line; `\|` is a pipe inside a cell. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  const body = line.trim();
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (ch === '|') {
      out.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  out.push(cell.trim());
  // the outer pipes leave an empty first and last cell
  return out.slice(1, -1);
}

/** The first table under each `## ` heading, by heading; later tables of a section are not read. */
function tablesBySection(markdown: string): Map<string, MarkdownTable> {
  const tables = new Map<string, MarkdownTable>();
  let section = '';
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length === 0 || tables.has(section)) return;
    const [header, separator, ...rows] = lines.map(cells);
    assert.ok(
      header && separator?.every((c) => /^:?-+:?$/.test(c)),
      `the table under "## ${section}" has a header and a separator line`,
    );
    tables.set(section, { header, rows });
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) {
      flush();
      section = line.slice(3).trim();
      lines = [];
    } else if (line.trim().startsWith('|')) {
      lines.push(line);
    } else {
      flush();
      lines = [];
    }
  }
  flush();
  return tables;
}

/** A cell that is exactly one backticked code. */
function codeOf(cell: string): string {
  const inner = cell.slice(1, -1);
  assert.ok(
    cell.startsWith('`') && cell.endsWith('`') && inner.length > 0 && !inner.includes('`'),
    `a code cell holds one backticked code: ${cell}`,
  );
  return inner;
}

interface RequestErrorDoc {
  code: string;
  status: number;
  meaning: string;
  fix: string;
}

interface TaskFailureDoc {
  code: string;
  when: string;
  todo: string;
}

function tableOf(heading: string, header: string[]): string[][] {
  const table = TABLES.get(heading);
  assert.ok(table, `docs/errors.md has a table under "## ${heading}"`);
  assert.deepEqual(table.header, header, `the columns of "## ${heading}"`);
  for (const row of table.rows) assert.equal(row.length, header.length, row.join(' | '));
  assert.ok(table.rows.length > 0, `rows under "## ${heading}"`);
  return table.rows;
}

const TABLES = tablesBySection(readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8'));

const REQUEST_ERRORS: RequestErrorDoc[] = tableOf('Request errors', [
  'Code',
  'HTTP status',
  'Meaning',
  'How to fix',
]).map(([code = '', status = '', meaning = '', fix = '']) => {
  assert.match(status, /^[1-5]\d\d$/, `HTTP status of ${code}`);
  return { code: codeOf(code), status: Number(status), meaning, fix };
});

const TASK_FAILURES: TaskFailureDoc[] = tableOf('Task failures', [
  'Code',
  'Set when',
  'What to do',
]).map(([code = '', when = '', todo = '']) => ({ code: codeOf(code), when, todo }));

// ---------------------------------------------------------------- the tests, as syntax trees

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(path);
    return e.name.endsWith('.test.ts') && path !== THIS_FILE ? [path] : [];
  });
}

/** The string literals of a file (not its comments), each with the files it appears in. */
function literalsByFile(files: string[]): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        const where = found.get(node.text) ?? new Set<string>();
        where.add(relative(ROOT, file));
        found.set(node.text, where);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

const ALL_TESTS = [...testFiles(join(ROOT, 'src')), ...testFiles(join(ROOT, 'test'))];
/** Tests that talk HTTP to vidgate's own server (the simulator's tests answer as DashScope). */
const HTTP_TESTS = ALL_TESTS.filter((f) => /^(test\/e2e|src\/http)\//.test(relative(ROOT, f)));
const VIDGATE_TESTS = ALL_TESTS.filter((f) => !relative(ROOT, f).startsWith('src/simulator/'));

// ---------------------------------------------------------------- the source, type-checked

interface FailureSite {
  where: string;
  /** the codes the argument's type allows; null when it is a plain string (an upstream's code) */
  codes: string[] | null;
}

interface FailureSites {
  fail: FailureSite[];
  providerReject: FailureSite[];
  mediaFetch: FailureSite[];
}

/** The string-literal values a value of this type can take, or null if it is any string. */
function literalValues(type: ts.Type): string[] | null {
  const parts = type.isUnion() ? type.types : [type];
  const values: string[] = [];
  for (const p of parts) {
    if (!p.isStringLiteral()) return null;
    values.push(p.value);
  }
  return values;
}

/**
 * Where the task engine fails a task, with the codes each place can set: every call of
 * TaskTransitions.fail and of the decisions' `fail` action, and the two errors whose code becomes a task's failure code, a
 * ProviderError that may be a `reject` and a MediaFetchError.
 */
/** The name of the method or function a node is written in. */
function enclosingMethod(node: ts.Node): string | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n)) && n.name)
      return n.name.getText();
  }
  return undefined;
}

function failureSites(): FailureSites {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const roots = parsed.fileNames.filter(
    (f) => relative(ROOT, f).startsWith('src/') && !f.endsWith('.test.ts'),
  );
  const program = ts.createProgram(roots, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const sites: FailureSites = { fail: [], providerReject: [], mediaFetch: [] };
  const site = (node: ts.Node, arg: ts.Expression | undefined): FailureSite => {
    const file = node.getSourceFile();
    const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    assert.ok(arg, `${file.fileName}:${line} passes a code`);
    return {
      where: `${relative(ROOT, file.fileName)}:${line}`,
      codes: literalValues(checker.getTypeAtLocation(arg)),
    };
  };
  const classOf = (expr: ts.Expression): string | undefined => {
    let symbol = checker.getSymbolAtLocation(expr);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol?.name;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      // the decisions' fail(code, message, now) action (src/upstream/decisions/task-action.ts)
      const decl = checker.getResolvedSignature(node)?.declaration;
      if (
        decl !== undefined &&
        ts.isFunctionDeclaration(decl) &&
        decl.name?.text === 'fail' &&
        relative(ROOT, decl.getSourceFile().fileName) === 'src/upstream/decisions/task-action.ts'
      ) {
        sites.fail.push(site(node, node.arguments[0]));
      }
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const decl = checker.getResolvedSignature(node)?.declaration;
      if (
        decl !== undefined &&
        ts.isMethodDeclaration(decl) &&
        decl.name.getText() === 'fail' &&
        ts.isClassDeclaration(decl.parent) &&
        decl.parent.name?.text === 'TaskTransitions'
      ) {
        sites.fail.push(site(node, node.arguments[1]));
      }
    } else if (ts.isNewExpression(node)) {
      const name = classOf(node.expression);
      const args = node.arguments ?? [];
      if (name === 'MediaFetchError') sites.mediaFetch.push(site(node, args[0]));
      // a refused cancel is the cancel's answer (UnsupportedOperation), never a task's failure
      if (name === 'ProviderError' && args[0] && enclosingMethod(node) !== 'cancel') {
        const kinds = literalValues(checker.getTypeAtLocation(args[0]));
        if (kinds === null || kinds.includes('reject')) {
          sites.providerReject.push(site(node, args[1]));
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of roots) {
    const source = program.getSourceFile(file);
    if (source) visit(source);
  }
  return sites;
}

// ---------------------------------------------------------------- the checks

void describe('docs/errors.md request errors', () => {
  const documented = new Map(REQUEST_ERRORS.map((e) => [e.code, e.status]));

  it('lists each code once, with a meaning and a fix', () => {
    assert.equal(documented.size, REQUEST_ERRORS.length, 'no duplicate rows');
    for (const e of REQUEST_ERRORS) {
      assert.ok(e.meaning.length > 10, `meaning of ${e.code}`);
      assert.ok(e.fix.length > 10, `fix for ${e.code}`);
    }
  });

  it('documents every code of API_ERRORS with its HTTP status', () => {
    for (const [code, status] of Object.entries(API_ERRORS)) {
      assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
      assert.equal(documented.get(code), status, `HTTP status of ${code}`);
    }
  });

  it('documents no code that API_ERRORS lacks', () => {
    for (const code of documented.keys()) {
      assert.ok(code in API_ERRORS, `${code} is in docs/errors.md but not in API_ERRORS`);
    }
  });

  it('has every code of API_ERRORS provoked by a test over HTTP', () => {
    const literals = literalsByFile(HTTP_TESTS);
    assert.ok(HTTP_TESTS.length >= 5, `HTTP tests found: ${HTTP_TESTS.length}`);
    for (const code of Object.keys(API_ERRORS)) {
      assert.ok(
        literals.has(code),
        `no test under test/e2e or src/http names ${code}: provoke it, or drop it from the contract`,
      );
    }
  });
});

void describe('docs/errors.md task failures', () => {
  const documented = new Set(TASK_FAILURES.map((f) => f.code));
  const sites = failureSites();
  const allSites = [...sites.fail, ...sites.providerReject, ...sites.mediaFetch];
  const setByCode = new Set(allSites.flatMap((s) => s.codes ?? []));

  it('lists each code once, with when it is set and what to do', () => {
    assert.equal(documented.size, TASK_FAILURES.length, 'no duplicate rows');
    for (const f of TASK_FAILURES) {
      assert.ok(f.when.length > 10, `when ${f.code} is set`);
      assert.ok(f.todo.length > 10, `what to do about ${f.code}`);
    }
  });

  it('documents exactly TASK_FAILURE_CODES', () => {
    assert.deepEqual([...documented].sort(), [...TASK_FAILURE_CODES].sort());
  });

  it('finds the places that fail tasks', () => {
    // today: 12 calls of fail() (worker + decisions), 4 provider errors that may be rejections, 8 media errors; a
    // scan that finds far fewer has stopped seeing them (a renamed class or method)
    assert.ok(sites.fail.length >= 8, `fail() calls: ${sites.fail.length}`);
    assert.ok(sites.providerReject.length >= 3, `reject errors: ${sites.providerReject.length}`);
    assert.ok(sites.mediaFetch.length >= 5, `media errors: ${sites.mediaFetch.length}`);
    assert.ok(setByCode.size >= 8, `codes seen: ${[...setByCode].join(', ')}`);
  });

  it('has every code the engine can set in TASK_FAILURE_CODES', () => {
    const known = new Set<string>(TASK_FAILURE_CODES);
    for (const s of allSites) {
      for (const code of s.codes ?? []) {
        assert.ok(known.has(code), `${s.where} sets ${code}, which TASK_FAILURE_CODES lacks`);
      }
    }
  });

  it('has every code of TASK_FAILURE_CODES asserted by a test, or set where the engine fails', () => {
    const literals = literalsByFile(VIDGATE_TESTS);
    for (const code of TASK_FAILURE_CODES) {
      assert.ok(
        literals.has(code) || setByCode.has(code),
        `${code} is neither named by a test nor set by the engine: drop it, or test it`,
      );
    }
  });
});
