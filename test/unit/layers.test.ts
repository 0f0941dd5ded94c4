import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

import ts from 'typescript';

/**
 * The layers of src, lowest first: domain (pure rules and the shapes every layer shares), then activities and
 * workflows side by side (they meet only through domain's shapes; workflows may name activity types with
 * `import type`, which the bundler erases), then codec (payload encryption, outside the workflow sandbox), then
 * worker and client on top. An import may only point down.
 */
const SRC = path.resolve(__dirname, '../../src');
const UPPER_LAYERS = ['activities', 'workflows', 'codec', 'worker', 'client'] as const;
const NODE_BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));

interface ImportRef {
  file: string;
  specifier: string;
  typeOnly: boolean;
  line: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every import of a file: static imports and re-exports (with whether they are type-only), `import()`, `require`. */
function importsOf(file: string): ImportRef[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    refs.push({ file: path.relative(path.dirname(SRC), file), specifier: specifier.text, typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      // `import type {…}`, or `import { type A, type B }` where every name is a type.
      const allNamesTypes =
        !!clause &&
        !clause.name &&
        !!named &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      const typeClause = clause?.phaseModifier === ts.SyntaxKind.TypeKeyword;
      add(node, node.moduleSpecifier, typeClause || allNamesTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** The top-level folder of src an import resolves to (`domain`, `activities`, ...), or undefined outside src. */
function layerOf(ref: ImportRef): string | undefined {
  if (!ref.specifier.startsWith('.')) return undefined;
  const resolved = path.resolve(path.dirname(path.resolve(path.dirname(SRC), ref.file)), ref.specifier);
  const relative = path.relative(SRC, resolved);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep)[0];
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0]);
}

/** What is wrong with one import of a file in `layer`, or undefined when it is allowed. */
function violation(layer: string, ref: ImportRef): string | undefined {
  const target = layerOf(ref);
  switch (layer) {
    case 'domain':
      if (target && (UPPER_LAYERS as readonly string[]).includes(target)) {
        return `domain must not import from src/${target} (move the shape it needs into src/domain)`;
      }
      return undefined;
    case 'activities':
      if (target === 'workflows' || target === 'codec' || target === 'worker' || target === 'client') {
        return `activities must not import from src/${target} (share the name or shape through src/domain)`;
      }
      return undefined;
    case 'workflows':
      if (target === 'activities' && !ref.typeOnly) {
        return 'workflows may import from src/activities only with `import type`';
      }
      if (target === 'codec' || target === 'worker' || target === 'client') {
        return `workflows must not import from src/${target}`;
      }
      if (isNodeBuiltin(ref.specifier)) return 'workflows must not import Node built-ins (deterministic sandbox)';
      if (ref.specifier.startsWith('@aws-sdk/')) return 'workflows must not import the AWS SDK (activities call AWS)';
      return undefined;
    case 'codec':
      if (target && target !== 'codec' && target !== 'domain') return `codec must not import from src/${target}`;
      return undefined;
    default:
      return undefined;
  }
}

/** Every import across src that points from a lower layer to a higher one, as `file:line imports 'x': why`. */
function layerViolations(): string[] {
  return sourceFiles(SRC).flatMap((file) => {
    const layer = path.relative(SRC, file).split(path.sep)[0];
    return importsOf(file).flatMap((ref) => {
      const why = violation(layer, ref);
      return why ? [`${ref.file}:${ref.line} imports '${ref.specifier}': ${why}`] : [];
    });
  });
}

describe('layers: imports point only downwards', () => {
  it('finds the imports of a file, type-only ones marked', () => {
    const refs = importsOf(path.join(SRC, 'workflows/activity-options.ts'));
    const activities = refs.find((r) => r.specifier === '../activities');
    assert.ok(activities, 'the import of ../activities was not found');
    assert.equal(activities.typeOnly, true);
    const workflow = refs.find((r) => r.specifier === '@temporalio/workflow');
    assert.equal(workflow?.typeOnly, false);
  });

  it('names a wrong import with its file and specifier', () => {
    const ref: ImportRef = { file: 'src/domain/x.ts', specifier: '../activities/types', typeOnly: true, line: 3 };
    assert.match(violation('domain', ref) ?? '', /domain must not import from src\/activities/);
    const value: ImportRef = {
      file: 'src/workflows/x.ts',
      specifier: '../activities/polling',
      typeOnly: false,
      line: 1,
    };
    assert.match(violation('workflows', value) ?? '', /only with `import type`/);
    assert.equal(violation('workflows', { ...value, typeOnly: true }), undefined);
    const signal: ImportRef = {
      file: 'src/activities/x.ts',
      specifier: '../workflows/messages',
      typeOnly: false,
      line: 1,
    };
    assert.match(violation('activities', signal) ?? '', /activities must not import from src\/workflows/);
    const fs: ImportRef = { file: 'src/workflows/x.ts', specifier: 'node:fs', typeOnly: false, line: 1 };
    assert.match(violation('workflows', fs) ?? '', /Node built-ins/);
    const sdk: ImportRef = { file: 'src/workflows/x.ts', specifier: '@aws-sdk/client-rds', typeOnly: true, line: 1 };
    assert.match(violation('workflows', sdk) ?? '', /AWS SDK/);
  });

  it('src has no import from a lower layer to a higher one', () => {
    const found = layerViolations();
    assert.deepEqual(found, [], `Imports against the layering:\n  ${found.join('\n  ')}`);
  });
});
