import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { build, defineConfig, type Options } from 'tsup';

/**
 * A dependency published as ES modules only, which the CommonJS build carries a copy of: `require()` loads
 * an ES module only from Node 20.19 (22.12 on 22), and every package here promises Node 20.11.
 */
export interface CommonJsBundledDependency {
  /** The package name as imported; its subpaths (`jose/errors`) are bundled with it. */
  name: string;
  /**
   * The declaration file, relative to the dependency's folder, that declares every type our declarations
   * import from it. The `.d.cts` files get a copy of it instead of an import of the package, which a
   * CommonJS project under `moduleResolution: node16` refuses (TS1479: an ES module cannot be required).
   */
  declarations: string;
}

/** What a package passes to {@link packageBuildConfig}: tsup options, and what its CommonJS build bundles. */
export interface PackageBuildOptions extends Options {
  /** ESM-only dependencies that the CommonJS build bundles (the ESM build keeps importing them). */
  commonJsBundledDependencies?: readonly CommonJsBundledDependency[];
}

/** Where the copies of bundled dependencies' declarations go, inside the output folder. */
const VENDOR_DIRECTORY = 'vendor';

/**
 * The build every published package shares: ESM and CommonJS with type declarations for both, one file
 * per entry point. Packages pass only what differs (entries, target, platform, ESM-only dependencies).
 *
 * The declarations, the ESM build and the CommonJS build run as three tsup builds, sequenced here rather
 * than left to tsup's config array: its builds all run at once, each cleaning the output folder, and
 * nothing in tsup runs after the declarations are written, which the CommonJS declarations need.
 */
export function packageBuildConfig(options: PackageBuildOptions = {}): ReturnType<typeof defineConfig> {
  const { commonJsBundledDependencies = [], ...tsupOptions } = options;
  const shared: Options = {
    entry: { index: 'src/index.ts' },
    dts: true,
    // No source maps: the output is readable, unminified JavaScript, and maps carrying the sources would
    // more than double what every install downloads (scripts/measure-install-size.mjs).
    sourcemap: false,
    target: 'node20',
    splitting: false,
    ...tsupOptions,
    // Cleaned once below, before the three builds: each would otherwise delete the others' output.
    clean: false,
  };
  // `tsup --outDir <folder>` still works (to build elsewhere first); other command-line options do not.
  return defineConfig(async (commandLine) => {
    const outDir = commandLine.outDir ?? shared.outDir ?? 'dist';
    rmSync(outDir, { recursive: true, force: true });
    const bundledNames = commonJsBundledDependencies.map(({ name }) => name);
    await Promise.all([
      // One TypeScript program for both declaration flavours (`.d.ts` and `.d.cts`).
      shared.dts &&
        build({ ...shared, outDir, config: false, format: ['esm', 'cjs'], dts: dtsOnly(shared.dts) }),
      build({ ...shared, outDir, config: false, format: ['esm'], dts: false }),
      build({
        ...shared,
        outDir,
        config: false,
        format: ['cjs'],
        dts: false,
        // With shared chunks, tsup turns esbuild's ES module chunks into CommonJS with sucrase unless
        // Rollup does it (`treeshake`). Sucrase also rewrites class fields, optional chains and `??` into
        // helper calls: slower code, jose's `super(message, options), this.name = …` broken, and every
        // class renamed (`_class2 [RsConfigError]` in a printed error). Rollup keeps the code as written.
        treeshake: true,
        noExternal: [...toArray(shared.noExternal), ...bundledNames.map(packageAndSubpaths)],
        esbuildPlugins: [
          ...(shared.esbuildPlugins ?? []),
          ...(bundledNames.length > 0 ? [prependDependencyLicences(bundledNames)] : []),
        ],
      }),
    ]);
    for (const dependency of commonJsBundledDependencies) vendorDeclarations(outDir, dependency);
    // Everything is built: nothing left for the tsup run that loaded this config.
    return [];
  });
}

function dtsOnly(dts: NonNullable<Options['dts']>): Options['dts'] {
  if (typeof dts === 'object') return { ...dts, only: true };
  return typeof dts === 'string' ? { entry: dts, only: true } : { only: true };
}

function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `jose` and `jose/errors`, not `jose-extra`. */
function packageAndSubpaths(name: string): RegExp {
  return new RegExp(`^${escapeRegExp(name)}(?:/|$)`);
}

/** The dependency's folder (the one holding its package.json), as the package being built resolves it. */
function dependencyDirectory(name: string): string {
  return dirname(createRequire(join(process.cwd(), 'package.json')).resolve(`${name}/package.json`));
}

/** The dependency's licence file, whose text goes wherever its code or declarations are copied. */
function licenceText(name: string): string {
  const directory = dependencyDirectory(name);
  const file = readdirSync(directory).find((entry) => /^licen[cs]e(\.|$)/i.test(entry));
  if (file === undefined) throw new Error(`${name} ships no licence file to keep beside its bundled copy`);
  return readFileSync(join(directory, file), 'utf8').trim();
}

/** A comment esbuild keeps (`/*!`), and a comment that cannot be closed early by what it quotes. */
function licenceComment(name: string): string {
  const { version } = JSON.parse(readFileSync(join(dependencyDirectory(name), 'package.json'), 'utf8'));
  const text = licenceText(name).replaceAll('*/', '* /');
  return `/*! ${name} ${version}, bundled into this CommonJS build:\n\n${text}\n*/\n`;
}

/**
 * An esbuild plugin for the CommonJS build, applied to the bundled dependencies' own modules: each starts
 * with the dependency's licence as a legal comment, which esbuild keeps, once, at the end of every output
 * file holding its code (MIT and the like require the notice in every copy).
 */
function prependDependencyLicences(names: readonly string[]): NonNullable<Options['esbuildPlugins']>[number] {
  const directories = names.map((name) => `${dependencyDirectory(name)}${sep}`);
  const comments = new Map(names.map((name) => [name, licenceComment(name)]));
  return {
    name: 'prepend-dependency-licences',
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.(?:m?js)$/ }, (args) => {
        const index = directories.findIndex((directory) => args.path.startsWith(directory));
        if (index === -1) return undefined;
        const source = readFileSync(args.path, 'utf8');
        return { contents: `${comments.get(names[index]!)}${source}`, loader: 'js' };
      });
    },
  };
}

/** Every `.d.cts` file under a folder. */
function commonJsDeclarations(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return commonJsDeclarations(path);
    return entry.isFile() && entry.name.endsWith('.d.cts') ? [path] : [];
  });
}

/**
 * Gives the `.d.cts` files a copy of a bundled dependency's declarations (`vendor/<name>.d.cts`, with its
 * licence) and points their imports of the dependency at it: a CommonJS project then never resolves the
 * ES-module-only package for types, as it never loads it at run time. Fails the build on an import it
 * cannot rewrite, or a name the copied file does not declare, rather than ship declarations that do not
 * resolve.
 */
function vendorDeclarations(outDir: string, { name, declarations }: CommonJsBundledDependency): void {
  if (!existsSync(outDir)) return;
  const source = readFileSync(join(dependencyDirectory(name), declarations), 'utf8');
  if (/^\s*(?:import|export\s.*\sfrom)\s/m.test(source)) {
    throw new Error(`${name}/${declarations} imports other files: it cannot be copied alone`);
  }
  const declared = new Set(
    [
      ...source.matchAll(/^export\s+(?:declare\s+)?(?:interface|type|class|function|const|enum)\s+(\w+)/gm),
    ].map((match) => match[1]),
  );
  const vendored = join(outDir, VENDOR_DIRECTORY, `${name}.d.cts`);
  const quoted = `['"]${escapeRegExp(name)}['"]`;
  const namedImport = new RegExp(`^import\\s+(type\\s+)?\\{([^}]*)\\}\\s+from\\s+${quoted};?$`, 'gm');
  const bareImport = new RegExp(`^import\\s+${quoted};?\\n`, 'gm');
  const anyReference = new RegExp(`['"]${escapeRegExp(name)}(?:/[^'"]*)?['"]`);
  let used = false;
  for (const file of commonJsDeclarations(outDir)) {
    const original = readFileSync(file, 'utf8');
    let specifier = relative(dirname(file), vendored)
      .split(sep)
      .join('/')
      .replace(/\.d\.cts$/, '.cjs');
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    const rewritten = original.replace(bareImport, '').replace(namedImport, (_line, _type, names: string) => {
      for (const imported of names.split(',')) {
        const importedName = imported.trim().split(/\s+as\s+/)[0];
        if (importedName && !declared.has(importedName)) {
          throw new Error(
            `${relative(outDir, file)} imports ${importedName} from ${name}, not in ${declarations}`,
          );
        }
      }
      used = true;
      return `import type {${names}} from '${specifier}';`;
    });
    if (anyReference.test(rewritten)) {
      throw new Error(`${relative(outDir, file)} refers to ${name} in a form the build does not rewrite`);
    }
    if (rewritten !== original) writeFileSync(file, rewritten);
  }
  if (!used) return;
  const header = licenceComment(name).replace(
    'bundled into this CommonJS build',
    `the declarations of ${declarations}, which the CommonJS declarations import`,
  );
  mkdirSync(dirname(vendored), { recursive: true });
  writeFileSync(vendored, `${header}${source}`, { flag: 'wx' });
}
