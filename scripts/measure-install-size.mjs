#!/usr/bin/env node
// What installing each adapter costs, beside the library its users would otherwise pick: publishes the
// built packages to a local registry (as scripts/registry-round-trip.mjs does), installs each into a fresh
// npm project that already holds the framework, and counts the bytes and packages the install added.
// Also bundles @rs/core for a Worker (esbuild, the bundler tsup drives; `workerd` condition) and gzips it.
// Writes the table into the root README between the install-size markers.
// Run after the build: `npm run measure:install-size`. With `--worker-bundles`, only the Worker bundles
// are measured and printed (no registry, no install, README left as it is): `npm run measure:install-size
// -- --worker-bundles`, to see at once what a change to core does to them.
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { npmInstall } from './release/install.mjs';
import { startLocalRegistry } from './release/local-registry.mjs';
import { publishRelease, ROOT } from './release/publish-release.mjs';

const MiB = 1024 * 1024;
// Each row: the framework already in the project, our package, and the peer its users know.
const ROWS = [
  { adapter: '@rs/express', base: { express: '5.3.0' }, peer: { 'express-oauth2-jwt-bearer': '1.10.0' } },
  { adapter: '@rs/fastify', base: { fastify: '5.12.8' }, peer: { '@fastify/jwt': '10.2.8' } },
  { adapter: '@rs/lambda', base: {}, peer: { 'aws-jwt-verify': '5.2.1' } },
  { adapter: '@rs/fetch', base: {}, peer: { hono: '4.13.19' }, peerNote: '(its `jwk` middleware)' },
  { adapter: '@rs/core', base: {}, peer: { 'aws-jwt-verify': '5.2.1' } },
];
// The Worker entry points measured: what a typical Worker imports, from the lite entries and from the
// main ones, and the whole main entry.
const WORKER_ENTRIES = {
  'createResourceServer + jwtResolver + remoteJwks + @rs/fetch, from `/lite`':
    "export { createResourceServer, jwtResolver, remoteJwks } from '@rs/core/lite';\nexport { createFetchResourceServer } from '@rs/fetch/lite';\n",
  'createResourceServer + jwtResolver + remoteJwks + @rs/fetch':
    "export { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';\nexport { createFetchResourceServer } from '@rs/fetch';\n",
  'everything @rs/core exports': "export * from '@rs/core';\n",
};
const START = '<!-- install-size:start -->';
const END = '<!-- install-size:end -->';

if (process.argv.includes('--worker-bundles')) {
  console.log((await workerBundleRows()).join('\n'));
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'rs-install-size-'));
const registry = await startLocalRegistry(work);
let table;
try {
  const { versions } = await publishRelease({
    dir: work,
    registryUrl: registry.url,
    npmrc: registry.npmrc,
    log: () => {},
  });
  const lines = [
    '| package | adds to the project | packages added | best-known peer | peer adds | peer packages |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const row of ROWS) {
    const ours = await added(row.base, { [row.adapter]: versions.get(row.adapter) });
    const peer = await added(row.base, row.peer);
    const [peerName, peerVersion] = Object.entries(row.peer)[0];
    const base =
      Object.keys(row.base).length === 0 ? '' : ` (to a project with ${Object.keys(row.base).join(', ')})`;
    lines.push(
      `| \`${row.adapter}\`${base} | ${mib(ours.bytes)} | ${ours.packages} | \`${peerName}\` ${peerVersion}${row.peerNote ? ` ${row.peerNote}` : ''} | ${mib(peer.bytes)} | ${peer.packages} |`,
    );
    console.log(
      `${row.adapter}: +${mib(ours.bytes)}, +${ours.packages} packages; ${peerName}: +${mib(peer.bytes)}, +${peer.packages} packages`,
    );
  }
  lines.push('', ...(await workerBundleRows()));
  table = lines.join('\n');
} finally {
  await registry.stop();
}
rmSync(work, { recursive: true, force: true });

const readmePath = join(ROOT, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} markers`);
writeFileSync(readmePath, `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);
console.log('README.md: install-size table written');

/** Bytes and packages that installing `extra` adds to a fresh npm project holding `base`. */
async function added(base, extra) {
  const dir = mkdtempSync(join(work, 'project-'));
  writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);
  const install = async (dependencies) => {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'measure', private: true, dependencies }),
    );
    await npmInstall(dir, work);
    return measure(join(dir, 'node_modules'));
  };
  const before = Object.keys(base).length === 0 ? { bytes: 0, packages: 0 } : await install(base);
  const after = await install({ ...base, ...extra });
  return { bytes: after.bytes - before.bytes, packages: after.packages - before.packages };
}

// Apparent size of every file (what the tarballs unpack to) and the number of package folders.
function measure(nodeModules) {
  let bytes = 0;
  let packages = 0;
  const walk = (dir, depthInModules) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (depthInModules === 0 && entry.name === '.bin') continue;
        const isPackage = depthInModules === 0 && !entry.name.startsWith('@') && !entry.name.startsWith('.');
        const isScoped = depthInModules === 1 && existsSync(join(path, 'package.json'));
        if (isPackage || isScoped) packages++;
        if (entry.name === 'node_modules') walk(path, 0);
        else if (depthInModules === 0 && entry.name.startsWith('@')) walk(path, 1);
        else walk(path, -1);
      } else {
        bytes += lstatSync(path).size;
      }
    }
  };
  if (existsSync(nodeModules)) walk(nodeModules, 0);
  return { bytes, packages };
}

/**
 * The Worker table's rows: each of {@link WORKER_ENTRIES} bundled and gzipped, its heaviest modules
 * logged as it goes.
 */
async function workerBundleRows() {
  const rows = [
    '| `@rs/core` bundled for a Worker (esbuild, minified, `workerd` condition) | gzipped |',
    '| --- | ---: |',
  ];
  for (const [title, source] of Object.entries(WORKER_ENTRIES)) {
    const gzipped = await workerBundleSize(source);
    rows.push(`| ${title} | ${(gzipped / 1024).toFixed(1)} KiB |`);
    console.log(
      `Worker bundle, ${title}: ${(gzipped / 1024).toFixed(1)} KiB gzipped; heaviest modules (minified):`,
    );
    for (const { path, bytes } of await heaviestModules(source)) {
      console.log(`  ${String(bytes).padStart(6)} B  ${path}`);
    }
  }
  return rows;
}

/** The gzipped size of `source` bundled for a Worker from the built packages. */
async function workerBundleSize(source) {
  const result = await build({ ...workerBuild(source) });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).byteLength;
}

/**
 * The modules that weigh most in the same bundle made from the sources (the built packages are a few
 * shared chunks, which name no module): where to look when the figure grows.
 */
async function heaviestModules(source) {
  const entries = {
    '@rs/core': 'packages/core/src/index.ts',
    '@rs/core/adapter': 'packages/core/src/adapter/index.ts',
    '@rs/core/lite': 'packages/core/src/lite/index.ts',
    '@rs/fetch': 'packages/fetch/src/index.ts',
    '@rs/fetch/lite': 'packages/fetch/src/lite.ts',
  };
  const toSources = {
    name: 'workspace-sources',
    setup(build) {
      build.onResolve({ filter: /^@rs\// }, ({ path }) =>
        entries[path] === undefined ? undefined : { path: join(ROOT, entries[path]) },
      );
    },
  };
  const result = await build({ ...workerBuild(source), metafile: true, plugins: [toSources] });
  const [output] = Object.values(result.metafile.outputs);
  return Object.entries(output.inputs)
    .map(([path, { bytesInOutput }]) => ({
      path: path.replace(/^.*node_modules\//, ''),
      bytes: bytesInOutput,
    }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 15);
}

function workerBuild(source) {
  return {
    stdin: { contents: source, resolveDir: join(ROOT, 'packages', 'fetch'), loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  };
}

function mib(bytes) {
  return `${(bytes / MiB).toFixed(2)} MiB`;
}
