// Checks what each publishable package would ship: publint (package.json and files), arethetypeswrong
// (types that resolve under node10, node16 from CJS and from ESM, and bundler) and that its CommonJS build
// requires no ES module. Run after the build.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules/.bin', name);
let failures = 0;

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  for (const [tool, args] of [
    ['publint', ['--pack', 'npm', '--strict', dir]],
    // Every resolution mode, node10 included: subpath exports (`@rs/core/node`) reach it through
    // `typesVersions`, and without them an adapter's options silently become `any` there.
    ['attw', ['--pack', dir, '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: 'pipe', env: { ...process.env, npm_config_loglevel: 'error' } });
      console.log(`${manifest.name}: ${tool} ok`);
    } catch (error) {
      failures++;
      console.error(`${manifest.name}: ${tool} found problems\n${error.stdout}${error.stderr}`);
    }
  }
  const esModules = requiredEsModules(dir);
  if (esModules.length === 0) {
    console.log(`${manifest.name}: CommonJS build requires no ES module`);
  } else {
    failures++;
    console.error(
      `${manifest.name}: its CommonJS build requires ES modules, which require() loads only from Node 20.19 / 22.12 (engines: ${manifest.engines?.node}); bundle them into the CommonJS build (tsup.shared.ts, commonJsBundledDependencies)\n${esModules.join('\n')}`,
    );
  }
}
process.exit(failures > 0 ? 1 : 0);

/**
 * Every `require("<package>")` in the package's `dist/**\/*.cjs` that lands, as Node resolves it for
 * `require` (the `require` and `node` conditions), on an ES module: what fails with ERR_REQUIRE_ESM on a
 * Node without require(esm), whatever Node runs this check.
 */
function requiredEsModules(dir) {
  const found = [];
  const resolveFrom = createRequire(join(dir, 'package.json'));
  for (const file of filesUnder(join(dir, 'dist')).filter((path) => path.endsWith('.cjs'))) {
    const source = readFileSync(file, 'utf8');
    for (const [, , specifier] of source.matchAll(/\brequire\(\s*(['"])([^'"]+)\1\s*\)/g)) {
      if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
      let target;
      try {
        target = resolveFrom.resolve(specifier);
      } catch (error) {
        found.push(`  ${relative(dir, file)}: require('${specifier}') does not resolve (${error.code})`);
        continue;
      }
      if (isEsModule(target)) found.push(`  ${relative(dir, file)}: require('${specifier}') -> ${target}`);
    }
  }
  return found;
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** `.mjs`, or `.js` under a package.json saying `"type": "module"` (the nearest one, as Node reads it). */
function isEsModule(file) {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module';
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return false;
}
