import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { MODELS } from '../models/model-table.js';
import { PROVIDERS } from './registry.js';

/**
 * Provider knowledge stays in the provider: outside src/providers/<id>/ (and the registry, which
 * lists them) no code names a provider id or a provider's environment variable. Core asks the
 * registry and the capability flags instead, so a third provider is one folder and one line.
 * String literals are read with the TypeScript parser, so comments and identifiers (a constant
 * named DASHSCOPE_MEDIA_RULES) do not count; the text of a literal does, as a whole word.
 */

const SRC = fileURLToPath(new URL('..', import.meta.url));

/**
 * Not core code: tests; the simulator, which is DashScope's double; and the prose of
 * docs/models.md, which says in words what the sandbox does.
 */
const EXEMPT_FILES = new Set(['providers/registry.ts', 'models/model-decisions.ts']);
const exempt = (file: string): boolean =>
  file.endsWith('.test.ts') || file.startsWith('simulator/') || EXEMPT_FILES.has(file);

/** What each provider owns: its id and its variables' names. */
const owned = new Map(
  PROVIDERS.map((p) => [p.id, [p.id, ...Object.keys(p.variables.shape)]] as const),
);

/** Variables of DashScope's SDKs that no provider declares are DashScope's all the same. */
const UNDECLARED = /\bDASHSCOPE_[A-Z0-9_]+\b/;

/** As a whole word, kebab-case included: `dashscope-instant` (an OSS bucket) is another word. */
const word = (name: string): RegExp =>
  new RegExp(`(^|[^A-Za-z0-9_-])${name.replace(/[-.]/g, '\\$&')}($|[^A-Za-z0-9_-])`);

interface Finding {
  file: string;
  line: number;
  text: string;
  names: string;
}

/** The string literals (template parts included) of one file that name something forbidden. */
export function findNames(
  file: string,
  source: string,
  forbidden: readonly string[],
  undeclaredAllowed = false,
): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const patterns = forbidden.map((name) => ({ name, re: word(name) }));
  const out: Finding[] = [];
  const visit = (node: ts.Node): void => {
    // a module's path is where code lives, not what it knows
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const text = node.text;
      const hits = patterns.filter((p) => p.re.test(text)).map((p) => p.name);
      const undeclared = UNDECLARED.exec(text)?.[0];
      if (undeclared && !undeclaredAllowed && !hits.includes(undeclared)) hits.push(undeclared);
      if (hits.length > 0) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        out.push({ file, line, text, names: hits.join(', ') });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The provider folder a file is in, if any. */
const folderOf = (file: string): string | undefined =>
  /^providers[/\\]([^/\\]+)[/\\]/.exec(file)?.[1];

/** What a file may not name: every provider's knowledge but that of the folder it is in. */
function forbiddenIn(file: string): string[] {
  const folder = folderOf(file);
  return [...owned].filter(([id]) => id !== folder).flatMap(([, names]) => names);
}

/** DashScope's folder names DashScope's variables, declared or not. */
const ownsUndeclared = (file: string): boolean =>
  (owned.get(folderOf(file) ?? '') ?? []).some((n) => UNDECLARED.test(n));

void describe('provider knowledge', () => {
  it('is found in string literals, not in comments or identifiers', () => {
    const sample = [
      "// the 'dashscope' channel, DASHSCOPE_API_KEY",
      'const DASHSCOPE_RULES = 1;',
      "const a = 'dashscope';",
      'const b = `set ${x} DASHSCOPE_REGION first`;',
      "const c = 'sandboxes';",
    ].join('\n');
    const found = findNames('sample.ts', sample, ['dashscope', 'sandbox', 'DASHSCOPE_API_KEY']);
    assert.deepEqual(
      found.map((f) => [f.line, f.names]),
      [
        [3, 'dashscope'],
        [4, 'DASHSCOPE_REGION'],
      ],
    );
  });

  it('knows every provider the registry lists, under the folder of its id', () => {
    assert.ok(owned.size >= 2, 'the registry lists the providers');
    for (const id of owned.keys()) {
      const folder = join(SRC, 'providers', id);
      assert.ok(sourceFiles(folder).length > 0, `src/providers/${id}/ holds the provider`);
    }
  });

  it('stays in src/providers/<id>/ and the registry', () => {
    const findings = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((file) => !exempt(file.split(sep).join('/')))
      .flatMap((file) =>
        findNames(
          file,
          readFileSync(join(SRC, file), 'utf8'),
          forbiddenIn(file),
          ownsUndeclared(file),
        ),
      );
    assert.deepEqual(
      findings.map((f) => `src/${f.file}:${f.line} names ${f.names} in ${JSON.stringify(f.text)}`),
      [],
      'declare it on the ProviderDefinition (src/providers/provider.ts) and ask the registry',
    );
  });

  it('names models only in the model table and in a provider folder', () => {
    // a model of a known family is one row of the table: nothing in core may name one
    const names = MODELS.map((m) => m.name);
    const findings = sourceFiles(SRC)
      .map((path) => relative(SRC, path).split(sep).join('/'))
      .filter((file) => !exempt(file) && !file.startsWith('models/') && !folderOf(file))
      .flatMap((file) => findNames(file, readFileSync(join(SRC, file), 'utf8'), names, true));
    assert.deepEqual(
      findings.map((f) => `src/${f.file}:${f.line} names ${f.names}`),
      [],
      'read the model from the table (src/models/model-table.ts) or the provider',
    );
  });
});
