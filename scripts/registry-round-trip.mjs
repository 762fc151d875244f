#!/usr/bin/env node
// The release, proven from a registry: publishes every public package to a throwaway verdaccio on loopback
// with the real release command (scripts/release/publish-release.mjs), then, in fresh projects outside
// the workspace, installs them with npm and with pnpm and runs each project against a real JWK set
// endpoint: 200 with a valid token, 401 without. TypeScript projects compile with tsc, strict, with
// `skipLibCheck: false` and no DOM lib, so the published declarations are checked as users get them: ESM
// under node16 and bundler resolution, CommonJS under node16 and node10.
// Run after the build: `node scripts/registry-round-trip.mjs` (npm test runs it).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmInstall, run } from './release/install.mjs';
import { startLocalRegistry } from './release/local-registry.mjs';
import { publishRelease, ROOT } from './release/publish-release.mjs';
import { startTestAuthorizationServer } from './release/test-authorization-server.mjs';

const PNPM_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const PROJECTS_DIR = join(ROOT, 'scripts', 'release', 'projects');
const AUDIENCE = 'https://api.example.com';
const TYPES_NODE = '20.19.43';

// The `module` each `moduleResolution` goes with. node16 emits what the project's package.json `type`
// says (a CommonJS project gets the .d.cts declarations); node10 is the CommonJS default of older
// projects, which ignores `exports` and finds subpaths (`@rs/core/adapter`) through `typesVersions`.
const MODULE_FOR = { node16: 'node16', bundler: 'preserve', node10: 'commonjs' };

// What a user's tsconfig looks like, minus what would hide a broken declaration: no skipLibCheck, no DOM.
const compilerOptions = (moduleResolution, outDir) => ({
  target: 'ES2022',
  lib: ['ES2022'],
  types: ['node'],
  module: MODULE_FOR[moduleResolution],
  moduleResolution,
  strict: true,
  skipLibCheck: false,
  outDir,
});
const tsconfig = (moduleResolution, outDir) => ({
  compilerOptions: compilerOptions(moduleResolution, outDir),
  include: ['*.ts', 'fixtures/*.ts'],
});

/** The projects: what they depend on (besides @rs packages) and how they run. */
const PROJECTS = [
  {
    name: 'express4-cjs',
    rs: ['@rs/core', '@rs/express'],
    dependencies: { express: '4.22.3' },
    type: 'commonjs',
    run: [['node', 'index.cjs']],
  },
  {
    name: 'express5-ts',
    rs: ['@rs/core', '@rs/express'],
    dependencies: { express: '5.3.0', '@types/express': '5.0.6', '@types/node': TYPES_NODE },
    tsconfigs: { node16: 'dist-node16', bundler: 'dist-bundler' },
    run: [
      ['node', 'dist-node16/index.js', 'moduleResolution node16'],
      ['node', 'dist-bundler/index.js', 'moduleResolution bundler'],
    ],
  },
  {
    name: 'fastify5-ts',
    rs: ['@rs/core', '@rs/fastify'],
    dependencies: { fastify: '5.12.8', '@types/node': TYPES_NODE },
    tsconfigs: { node16: 'dist-node16', bundler: 'dist-bundler' },
    run: [['node', 'dist-node16/index.js']],
  },
  {
    name: 'lambda-ts',
    rs: ['@rs/core', '@rs/lambda'],
    dependencies: { '@types/aws-lambda': '8.10.164', '@types/node': TYPES_NODE },
    // The events AWS documents, as the adapter's own tests use them.
    copy: { 'packages/lambda/test/fixtures': 'fixtures' },
    tsconfigs: { node16: 'dist-node16', bundler: 'dist-bundler' },
    run: [['node', 'dist-node16/index.js']],
  },
  {
    name: 'fetch-node',
    rs: ['@rs/core', '@rs/fetch'],
    dependencies: { '@types/node': TYPES_NODE },
    tsconfigs: { node16: 'dist-node16', bundler: 'dist-bundler' },
    run: [['node', 'dist-node16/index.js']],
  },
  {
    // CommonJS TypeScript: tsc with module node16 (.d.cts) and with module commonjs + moduleResolution
    // node10 (typesVersions); every subpath export imported, wrong options refused at compile time.
    name: 'commonjs-ts',
    rs: ['@rs/core', '@rs/express', '@rs/fetch'],
    dependencies: { express: '5.3.0', '@types/express': '5.0.6', '@types/node': TYPES_NODE },
    type: 'commonjs',
    tsconfigs: { node16: 'dist-node16', node10: 'dist-node10' },
    run: [
      ['node', 'dist-node16/index.js', 'module node16'],
      ['node', 'dist-node10/index.js', 'module commonjs, moduleResolution node10'],
    ],
  },
  {
    name: 'core-alone',
    rs: ['@rs/core'],
    dependencies: {},
    run: [['node', 'index.mjs']],
  },
];

const log = (line) => console.log(`[registry] ${line}`);
const work = mkdtempSync(join(tmpdir(), 'rs-registry-'));
const results = [];
let registry;
let authorizationServer;
let failed = false;

try {
  registry = await startLocalRegistry(work);
  log(`verdaccio on ${registry.url} (storage in ${work})`);
  const { versions } = await publishRelease({
    dir: work,
    registryUrl: registry.url,
    npmrc: registry.npmrc,
    log,
  });
  log(`published: ${[...versions].map(([name, version]) => `${name}@${version}`).join(' ')}`);
  results.push(
    await check('published manifests name real versions', () => checkManifests(registry.url, versions)),
  );

  authorizationServer = await startTestAuthorizationServer();
  const env = {
    ...process.env,
    RS_ISSUER: authorizationServer.issuer,
    RS_AUDIENCE: AUDIENCE,
    RS_JWKS_URL: authorizationServer.jwksUrl,
    RS_TOKEN: authorizationServer.mint(AUDIENCE),
    NODE_OPTIONS: '',
  };
  log(`authorization server: JWK set at ${authorizationServer.jwksUrl}`);
  for (const manager of ['npm', 'pnpm']) {
    for (const project of PROJECTS) {
      results.push(
        await check(`${project.name} (${manager})`, () => runProject(project, manager, versions, env)),
      );
    }
  }
} catch (error) {
  failed = true;
  console.error(error);
  if (registry) console.error(`verdaccio said:\n${registry.output()}`);
} finally {
  await authorizationServer?.close();
  await registry?.stop();
}

const passed = results.filter((result) => result).length;
const failures = results.length - passed + (failed ? 1 : 0);
if (failures === 0) rmSync(work, { recursive: true, force: true });
else console.error(`[registry] left ${work} for inspection`);
console.log(`registry round trip: ${passed} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

async function check(title, body) {
  try {
    await body();
    log(`ok   ${title}`);
    return true;
  } catch (error) {
    console.error(
      `[registry] FAIL ${title}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.stack ?? error}`,
    );
    return false;
  }
}

// Every dependency on another @rs package names the version released beside it, never `workspace:`, as a
// caret range: an application that updates @rs/core alone (within the range) then keeps one copy of it,
// which its adapter shares. Two copies would make TypeScript refuse a resolver from one for the other.
async function checkManifests(url, versions) {
  for (const [name, version] of versions) {
    const response = await fetch(`${url}${name.replace('/', '%2f')}`);
    if (!response.ok) throw new Error(`${name}: the registry answered ${response.status}`);
    const manifest = (await response.json()).versions?.[version];
    if (manifest === undefined) throw new Error(`${name}@${version} is not on the registry`);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
        if (range.startsWith('workspace:')) throw new Error(`${name} ${field}.${dependency} is ${range}`);
        if (versions.has(dependency) && range !== `^${versions.get(dependency)}`) {
          throw new Error(
            `${name} ${field}.${dependency} is ${range}, released ${versions.get(dependency)}, expected ^${versions.get(dependency)}`,
          );
        }
      }
    }
    if (name === '@rs/core') {
      const hard = Object.keys(manifest.dependencies ?? {})
        .sort()
        .join(' ');
      if (hard !== 'jose') throw new Error(`@rs/core depends on ${hard}, not just jose`);
    }
  }
}

async function runProject(project, manager, versions, env) {
  const dir = join(work, 'projects', `${project.name}-${manager}`);
  mkdirSync(dir, { recursive: true });
  cpSync(join(PROJECTS_DIR, project.name), dir, { recursive: true });
  for (const [from, to] of Object.entries(project.copy ?? {}))
    cpSync(join(ROOT, from), join(dir, to), { recursive: true });
  const dependencies = { ...project.dependencies };
  for (const name of project.rs) dependencies[name] = versions.get(name);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: project.name, private: true, type: project.type ?? 'module', dependencies }, null, 2)}\n`,
  );
  writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);
  const options = { cwd: dir, env: { ...env, NPM_CONFIG_USERCONFIG: join(dir, '.npmrc') }, encoding: 'utf8' };
  if (manager === 'npm') {
    await npmInstall(dir, work, env);
  } else {
    await run(
      'npx',
      [
        '-y',
        `pnpm@${PNPM_VERSION}`,
        'install',
        '--prefer-offline',
        '--reporter=silent',
        `--store-dir=${join(work, 'pnpm-store')}`,
      ],
      options,
    );
  }
  log(`${project.name} (${manager}) installed ${installedSummary(dir, dependencies)}`);
  for (const [moduleResolution, outDir] of Object.entries(project.tsconfigs ?? {})) {
    const file = `tsconfig.${moduleResolution}.json`;
    writeFileSync(join(dir, file), `${JSON.stringify(tsconfig(moduleResolution, outDir), null, 2)}\n`);
    await run(TSC, ['-p', file], options);
    log(
      `${project.name} (${manager}) tsc -p ${file}: strict, skipLibCheck false, lib ES2022, moduleResolution ${moduleResolution}`,
    );
  }
  for (const [command, ...args] of project.run) {
    const output = await run(command, args, options);
    log(`${project.name} (${manager}) $ ${command} ${args.join(' ')}: ${output.trim()}`);
  }
}

// The declared dependencies as installed, and how many packages the install holds in all.
function installedSummary(dir, dependencies) {
  const versionOf = (name) =>
    JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  const declared = Object.keys(dependencies).map((name) => `${name}@${versionOf(name)}`);
  return `${declared.join(' ')} (${countPackages(join(dir, 'node_modules'))} packages in node_modules)`;
}

function countPackages(nodeModules) {
  let count = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      if (entry.name === '.bin' || entry.name === '.cache') continue;
      if (entry.name === '.pnpm') {
        count += readdirSync(join(dir, entry.name)).filter(
          (name) => name !== 'node_modules' && !name.startsWith('lock'),
        ).length;
        continue;
      }
      if (entry.name.startsWith('@')) visit(join(dir, entry.name));
      else if (!dir.includes('.pnpm')) count += readdirSync(dir).length > 0 ? 1 : 0;
    }
  };
  visit(nodeModules);
  return count;
}
