// Fails on public API without TSDoc, the project's rule being "Public API: small, typed, documented
// with TSDoc". For each published package (no `"private": true`), it starts from every entry of the
// `exports` map, at the source file tsup builds that entry from (the package's tsup.config.ts, or the
// default entry of tsup.shared.ts), follows re-exports, and lists:
// - every exported function, class, interface, type alias, const or enum without a doc comment;
// - every public member of those without one: the properties and methods of exported interfaces, object
//   type aliases (option types) and their nested object types, the public members of exported classes
//   (static ones too), enum members. A class member that implements or overrides a documented one
//   inherits its comment, as editors show it;
// - every `@param x` naming no parameter of what it documents.
// Exempt, as their comment would only repeat something: `override` members, union tags whose type is
// their meaning (`ok: true`, `kind: 'jwks'`, `anyOf?: never`, `info?: undefined`), the overloads of a function after the
// first (whose comment is the function's) and the implementation behind them. A comment counts only
// where TypeScript attaches it (on the line before the declaration), as that is what editors show.
// Only declarations inside the package's own `src/` count: what an adapter re-exports from `@rs/core` is
// checked in core. Packages named on the command line (`node scripts/check-tsdoc.mjs testkit`) are
// checked whether private or not. Prints `file:line name` per finding, sorted, and exits 1 on any.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ts = createRequire(import.meta.url)('typescript');

const requested = process.argv.slice(2);
const packageNames = requested.length > 0 ? requested : readdirSync(join(root, 'packages')).sort();
const defaultEntries = tsupEntries(join(root, 'tsup.shared.ts')) ?? { index: 'src/index.ts' };
/** @type {{ dir: string, name: string, src: string, entries: string[] }[]} */
const packages = [];
const problems = [];

for (const folder of packageNames) {
  const dir = join(root, 'packages', folder);
  if (!existsSync(join(dir, 'package.json'))) {
    problems.push(`packages/${folder}: no package.json`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private && requested.length === 0) continue;
  const tsupConfig = join(dir, 'tsup.config.ts');
  const entries = (existsSync(tsupConfig) && tsupEntries(tsupConfig)) || defaultEntries;
  const sources = new Set();
  for (const target of exportTargets(manifest.exports ?? manifest.main ?? [])) {
    if (target.endsWith('package.json')) continue;
    const source = entrySource(dir, target, entries);
    if (source === undefined) problems.push(`${manifest.name}: export ${target} comes from no tsup entry`);
    else sources.add(source);
  }
  packages.push({ dir, name: manifest.name, src: join(dir, 'src') + sep, entries: [...sources].sort() });
}

const configFile = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
// Only the standard library, the packages' own files and the `@rs/*` packages they import (whose members
// an adapter's may take their comment from): what comes from elsewhere (a framework, `@types/node`) is
// documented there, and reading those declarations would take most of the time.
const options = {
  ...parsed.options,
  types: [],
  lib: ['lib.es2023.d.ts'],
  allowImportingTsExtensions: true,
  noEmit: true,
};
const host = ts.createCompilerHost(options, true);
host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, compilerOptions) =>
  literals.map(({ text }) =>
    text.startsWith('.') || text.startsWith('@rs/')
      ? ts.resolveModuleName(text, containingFile, compilerOptions, host, undefined, redirectedReference)
      : { resolvedModule: undefined },
  );
const program = ts.createProgram({ rootNames: packages.flatMap(({ entries }) => entries), options, host });
const checker = program.getTypeChecker();

/** @type {Map<string, string>} each `file:line name …` line, under a key that sorts by file and line */
const findings = new Map();
let checkedDeclarations = 0;

for (const pkg of packages) {
  /** @type {Set<import('typescript').Node>} */
  const visited = new Set();
  const inPackage = (node) => resolve(node.getSourceFile().fileName).startsWith(pkg.src);
  const report = (node, name, what = 'has no TSDoc') => {
    const sourceFile = node.getSourceFile();
    const at = ts.getNameOfDeclaration(node) ?? node;
    const { line } = sourceFile.getLineAndCharacterOfPosition(at.getStart(sourceFile));
    const file = relative(root, sourceFile.fileName);
    findings.set(
      `${file}:${String(line + 1).padStart(6, '0')}:${name}:${what}`,
      `${file}:${line + 1} ${name} ${what}`,
    );
  };

  const checkDeclaration = (node, name, symbol) => {
    if (!inPackage(node)) return false;
    checkedDeclarations++;
    if (!hasDoc(node) && !hasInheritedDoc(symbol)) report(node, name);
    checkParamTags(node, name, report);
    return true;
  };

  /** The members of an object type, each under `owner.member`; nested object types too. */
  const checkMembers = (type, owner, depth = 0) => {
    if (depth > 4) return;
    for (const property of checker.getPropertiesOfType(type)) {
      for (const declaration of property.declarations ?? []) {
        if (visited.has(declaration) || !isPublicMember(declaration)) continue;
        visited.add(declaration);
        const name = memberName(declaration, owner);
        if (isOverride(declaration) || isLiteralTag(declaration)) continue;
        if (!checkDeclaration(declaration, name, property)) continue;
        const literal = nestedTypeLiteral(declaration);
        if (literal) checkMembers(checker.getTypeAtLocation(literal), name, depth + 1);
      }
    }
  };

  for (const entry of pkg.entries) {
    const sourceFile = program.getSourceFile(entry);
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (!moduleSymbol) {
      problems.push(`${pkg.name}: ${relative(root, entry)} is no module`);
      continue;
    }
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const name = exported.getName();
      for (const declaration of symbol.declarations ?? []) {
        if (visited.has(declaration)) continue;
        visited.add(declaration);
        if (isOverloadImplementation(declaration) || isLaterOverload(declaration)) {
          if (inPackage(declaration)) checkParamTags(declaration, name, report);
          continue;
        }
        if (!checkDeclaration(declaration, name, symbol)) continue;
        if (ts.isClassDeclaration(declaration)) {
          checkMembers(checker.getDeclaredTypeOfSymbol(symbol), name);
          checkMembers(checker.getTypeOfSymbolAtLocation(symbol, declaration), name);
          for (const member of declaration.members) {
            if (ts.isConstructorDeclaration(member)) checkParamTags(member, `${name}.constructor`, report);
          }
        } else if (ts.isInterfaceDeclaration(declaration)) {
          checkMembers(checker.getDeclaredTypeOfSymbol(symbol), name);
        } else if (ts.isEnumDeclaration(declaration)) {
          for (const member of declaration.members)
            checkDeclaration(member, `${name}.${member.name.getText()}`);
        } else if (ts.isTypeAliasDeclaration(declaration)) {
          for (const literal of typeLiteralsOf(declaration.type)) {
            checkMembers(checker.getTypeAtLocation(literal), name);
          }
        }
      }
    }
  }
}

for (const problem of problems) console.error(problem);
const sorted = [...findings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
for (const line of sorted) console.error(line);
const names = packages.map(({ name }) => name).join(', ');
console.log(
  `${names}: ${checkedDeclarations} public declarations checked, ${sorted.length} without proper TSDoc`,
);
process.exit(sorted.length > 0 || problems.length > 0 ? 1 : 0);

/** The `entry` object of a tsup config (string keys and values only), or undefined when it has none. */
function tsupEntries(file) {
  const sourceFile = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  let found;
  const visit = (node) => {
    if (found) return;
    if (
      ts.isPropertyAssignment(node) &&
      node.name.getText(sourceFile) === 'entry' &&
      ts.isObjectLiteralExpression(node.initializer)
    ) {
      found = {};
      for (const property of node.initializer.properties) {
        if (!ts.isPropertyAssignment(property) || !ts.isStringLiteralLike(property.initializer)) continue;
        const key = ts.isStringLiteralLike(property.name)
          ? property.name.text
          : property.name.getText(sourceFile);
        found[key] = property.initializer.text;
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Every file an `exports` map (or `main`) points at, whatever the conditions. */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (Array.isArray(exports)) return exports.flatMap(exportTargets);
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

/** The source file a built export comes from: `./dist/node/index.d.ts` is tsup's entry `node/index`. */
function entrySource(dir, target, entries) {
  if (/^\.\/src\/.*\.[cm]?ts$/.test(target)) return join(dir, target);
  const match = /^\.\/dist\/(.+?)\.(?:d\.[cm]?ts|[cm]?js)$/.exec(target);
  const source = match && entries[match[1]];
  return source ? join(dir, source) : undefined;
}

/** A doc comment with something in it, on the declaration itself (or its variable statement). */
function hasDoc(node) {
  return ts.getJSDocCommentsAndTags(node).some((doc) => {
    if (!ts.isJSDoc(doc)) return false;
    const text =
      typeof doc.comment === 'string' ? doc.comment : (doc.comment ?? []).map((part) => part.text).join('');
    return text.trim() !== '' || (doc.tags?.length ?? 0) > 0;
  });
}

/** A comment the member takes over from the interface it implements or the class it overrides. */
function hasInheritedDoc(symbol) {
  if (
    !symbol ||
    !(symbol.flags & (ts.SymbolFlags.Property | ts.SymbolFlags.Method | ts.SymbolFlags.Accessor))
  ) {
    return false;
  }
  return (
    ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '' ||
    symbol.getJsDocTags(checker).length > 0
  );
}

/** Not `private`, `protected` or `#private`; for a constructor parameter, a parameter property. */
function isPublicMember(node) {
  if (node.name && ts.isPrivateIdentifier(node.name)) return false;
  const flags = ts.getCombinedModifierFlags(node);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  // A constructor parameter is a member only as a parameter property (`public readonly x`).
  if (ts.isParameter(node)) return (flags & ts.ModifierFlags.ParameterPropertyModifier) !== 0;
  return true;
}

/** `Owner.member` after the interface, class or type alias that declares the member, else after `owner`. */
function memberName(declaration, owner) {
  const own = (ts.getNameOfDeclaration(declaration) ?? declaration).getText();
  let parent = declaration.parent;
  if (ts.isInterfaceDeclaration(parent) || ts.isClassLike(parent) || ts.isEnumDeclaration(parent)) {
    return parent.name ? `${parent.name.text}.${own}` : `${owner}.${own}`;
  }
  if (ts.isConstructorDeclaration(parent) && parent.parent.name) return `${parent.parent.name.text}.${own}`;
  // An object type: up through `|`, `&`, `[]`, `readonly` and parentheses to what names it.
  while (parent && (ts.isTypeNode(parent) || ts.isTypeOperatorNode(parent))) parent = parent.parent;
  if (parent && ts.isTypeAliasDeclaration(parent)) return `${parent.name.text}.${own}`;
  if (parent && (ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent))) {
    return `${memberName(parent, owner)}.${own}`;
  }
  return `${owner}.${own}`;
}

/**
 * An `override`: it says what the member it replaces says (an editor shows that one's comment), or, for
 * `name` on an Error subclass, what the class's own comment already says.
 */
function isOverride(node) {
  return (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Override) !== 0;
}

/**
 * A tag of a union variant, such as `ok: true` or `kind: 'jwks'`, or a key it forbids (`anyOf?: never`,
 * `failure?: undefined`):
 * its type is its whole meaning, and the variant's type carries the comment.
 */
function isLiteralTag(node) {
  if (!(ts.isPropertySignature(node) || ts.isPropertyDeclaration(node)) || !node.type) return false;
  const { kind } = node.type;
  return (
    ts.isLiteralTypeNode(node.type) ||
    kind === ts.SyntaxKind.NeverKeyword ||
    kind === ts.SyntaxKind.UndefinedKeyword
  );
}

/** The body of an overloaded function: callers see only the overloads. */
function isOverloadImplementation(node) {
  return (
    ts.isFunctionDeclaration(node) &&
    node.body !== undefined &&
    (checker.getSymbolAtLocation(node.name)?.declarations ?? []).some(
      (other) => other !== node && ts.isFunctionDeclaration(other),
    )
  );
}

/** An overload after the first: the first one's comment is the function's. */
function isLaterOverload(node) {
  if (!ts.isFunctionDeclaration(node) || node.body !== undefined || !node.name) return false;
  const overloads = (checker.getSymbolAtLocation(node.name)?.declarations ?? []).filter(
    (other) => ts.isFunctionDeclaration(other) && other.body === undefined,
  );
  return overloads[0] !== node;
}

/** The object types a type alias is made of: `{ … }`, `A & { … }`, `{ … } | { … }`. */
function typeLiteralsOf(type) {
  if (ts.isTypeLiteralNode(type)) return [type];
  if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type)) return type.types.flatMap(typeLiteralsOf);
  if (ts.isParenthesizedTypeNode(type)) return typeLiteralsOf(type.type);
  return [];
}

/** An inline object type a property is declared with (`cache?: { maxEntries?: number }`), if any. */
function nestedTypeLiteral(declaration) {
  if (!(ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration)) || !declaration.type) {
    return undefined;
  }
  let type = declaration.type;
  // `{ … } | undefined`, `readonly { … }[]`
  while (true) {
    if (ts.isUnionTypeNode(type)) {
      const literals = type.types.filter((member) => ts.isTypeLiteralNode(member));
      if (literals.length !== 1) return undefined;
      type = literals[0];
    } else if (ts.isArrayTypeNode(type)) type = type.elementType;
    else if (ts.isTypeOperatorNode(type) || ts.isParenthesizedTypeNode(type)) type = type.type;
    else break;
  }
  return ts.isTypeLiteralNode(type) ? type : undefined;
}

/** Reports each `@param x` of the declaration's doc comments where it takes no parameter `x`. */
function checkParamTags(node, name, report) {
  const tags = ts
    .getJSDocCommentsAndTags(node)
    .filter((doc) => ts.isJSDoc(doc))
    .flatMap((doc) => doc.tags ?? [])
    .filter((tag) => ts.isJSDocParameterTag(tag));
  if (tags.length === 0) return;
  const parameters = parameterNames(node);
  for (const tag of tags) {
    let tagName = tag.name;
    while (ts.isQualifiedName(tagName)) tagName = tagName.left;
    const named = tagName.text;
    if (parameters === 'any' || parameters.has(named)) continue;
    report(node, name, `has @param ${named}, which names no parameter`);
  }
}

/**
 * The parameter names of what a declaration documents: its own parameters when it is a function, or
 * those of every call and construct signature of its type (a property holding a function). `'any'` when
 * a parameter is destructured, whose name the doc chooses freely.
 */
function parameterNames(node) {
  const names = new Set();
  const add = (parameters) => {
    for (const parameter of parameters) {
      if (!ts.isIdentifier(parameter.name)) return false;
      names.add(parameter.name.text);
    }
    return true;
  };
  let declarations = [];
  if (ts.isFunctionLike(node)) declarations = [node];
  else if (
    (ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) &&
    node.initializer &&
    ts.isFunctionLike(node.initializer)
  ) {
    declarations = [node.initializer];
  } else if (
    (ts.isPropertySignature(node) || ts.isPropertyDeclaration(node) || ts.isTypeAliasDeclaration(node)) &&
    node.type &&
    ts.isFunctionTypeNode(node.type)
  ) {
    declarations = [node.type];
  }
  if (declarations.length > 0) {
    for (const declaration of declarations) if (!add(declaration.parameters)) return 'any';
    return names;
  }
  const type = checker.getTypeAtLocation(ts.getNameOfDeclaration(node) ?? node);
  for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
    for (const parameter of signature.getParameters()) names.add(parameter.getName());
  }
  return names;
}
