// What a consumer's TypeScript believes each entry point exports as a value must be what Node loads from
// it. The bundled declarations once re-exported `CacheNamespace` (a class exported from the sources with
// `export type`) as a value, so `instanceof CacheNamespace` compiled and then failed to load:
// "does not provide an export named 'CacheNamespace'" from ESM, `undefined` from CommonJS. These tests
// read `dist/` (built before the tests run), as dual-package.test.ts does, for every condition of every
// entry in package.json `exports`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

interface EntryCondition {
  /** `@rs/core/node` (require) */
  readonly title: string;
  readonly loadedAs: 'import' | 'require';
  /** Relative to the package: what Node loads. */
  readonly code: string;
  /** Relative to the package: what TypeScript reads. */
  readonly declarations: string;
}

/** Every `{ types, default }` leaf of the `exports` map, with the condition (import or require) above it. */
function entryConditions(): EntryCondition[] {
  const manifest = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8')) as {
    name: string;
    exports: Record<string, unknown>;
  };
  const found: EntryCondition[] = [];
  const visit = (subpath: string, conditions: string[], node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const leaf = node as { types?: unknown; default?: unknown };
    if (typeof leaf.types === 'string' && typeof leaf.default === 'string') {
      const loadedAs = conditions.includes('require') ? 'require' : 'import';
      const name = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
      found.push({
        title: `${name} (${conditions.join(', ')})`,
        loadedAs,
        code: leaf.default,
        declarations: leaf.types,
      });
      return;
    }
    for (const [condition, child] of Object.entries(node)) visit(subpath, [...conditions, condition], child);
  };
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath !== './package.json') visit(subpath, [], target);
  }
  return found;
}

/** The names the declarations give as values: what `import * as entry` lets a consumer use at runtime. */
function declaredValueExports(program: ts.Program, declarations: string): string[] {
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(`${packageDir}${declarations.slice(2)}`);
  if (file === undefined) throw new Error(`${declarations} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (moduleSymbol === undefined) throw new Error(`${declarations} is not a module`);
  // The type of a module symbol is its namespace object: value exports only, type-only ones left out.
  const namespace = checker.getTypeOfSymbolAtLocation(moduleSymbol, file);
  return checker
    .getPropertiesOfType(namespace)
    .map((property) => property.name)
    .sort();
}

async function runtimeExports({ loadedAs, code }: EntryCondition): Promise<string[]> {
  const path = `${packageDir}${code.slice(2)}`;
  const loaded = loadedAs === 'require' ? require(path) : await import(path);
  return Object.keys(loaded as object)
    .filter((name) => name !== '__esModule' && name !== 'module.exports')
    .sort();
}

const conditions = entryConditions();
const program = ts.createProgram(
  conditions.map(({ declarations }) => `${packageDir}${declarations.slice(2)}`),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    noEmit: true,
    types: ['node'],
  },
);

describe('the published declarations promise the values Node loads', () => {
  it('covers every entry point and condition of package.json', () => {
    // . (node import, node require, import, require), ./node, ./adapter, ./lite, ./otel (import, require)
    expect(conditions.length).toBeGreaterThanOrEqual(12);
  });

  it.each(conditions)('$title', async (condition) => {
    const declared = declaredValueExports(program, condition.declarations);
    const loaded = await runtimeExports(condition);
    expect(declared.length).toBeGreaterThan(0);
    expect({ declaredButNotLoaded: declared.filter((name) => !loaded.includes(name)) }).toEqual({
      declaredButNotLoaded: [],
    });
    expect({ loadedButNotDeclared: loaded.filter((name) => !declared.includes(name)) }).toEqual({
      loadedButNotDeclared: [],
    });
  });
});
