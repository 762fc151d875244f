#!/usr/bin/env node
// The declared peer ranges, proven at both ends: for each adapter's peer (and @rs/core's optional peers),
// a fresh project outside the workspace installs the packed @rs packages with the LOWEST version the range
// allows, then with the highest the registry has inside it, compiles the adapter README's first example
// (scripts/peer-ranges/<adapter>) with tsc (strict, `skipLibCheck: false`, no DOM lib) and runs it against
// a real JWK set on loopback: 200 with a valid token, 401 without one and core's exact `WWW-Authenticate`,
// 403 for a missing scope. Core's optional peers (scripts/peer-ranges/core-peers) are checked the same way,
// each feature that needs one exercised, and all of them absent.
//
// Run after the build: `node scripts/check-peer-ranges.mjs [case-name-filter]`. It needs the npm registry
// (`npm config get registry`); without it every install fails within its timeout rather than hanging.
// Not part of `npm test`: it downloads each peer version, which takes minutes on a cold cache.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestAuthorizationServer } from './release/test-authorization-server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECTS_DIR = join(ROOT, 'scripts', 'peer-ranges');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const PNPM_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];
const AUDIENCE = 'https://api.example.com';
const TYPES_NODE = '20.19.43';
// An install that cannot reach the registry fails after this long instead of retrying for minutes.
const INSTALL_TIMEOUT_MS = 180_000;
const RUN_TIMEOUT_MS = 60_000;

const compilerOptions = {
  target: 'ES2022',
  lib: ['ES2022'],
  types: ['node'],
  module: 'node16',
  moduleResolution: 'node16',
  strict: true,
  skipLibCheck: false,
  outDir: 'dist',
};

/**
 * Each case: the project (a folder of scripts/peer-ranges), the @rs packages it installs, the other
 * dependencies at the versions under test, and for core-peers which optional peers are installed.
 */
const CASES = [
  {
    name: 'express 4.17.0 + @types/express 4.17.0 (lowest 4)',
    project: 'express',
    rs: ['core', 'express'],
    dependencies: { express: '4.17.0', '@types/express': '4.17.0' },
  },
  {
    name: 'express 4 + @types/express 4 (highest 4)',
    project: 'express',
    rs: ['core', 'express'],
    dependencies: { express: '^4.17.0', '@types/express': '^4.17.0' },
  },
  {
    name: 'express 5.0.0 + @types/express 5.0.0 (lowest 5)',
    project: 'express',
    rs: ['core', 'express'],
    dependencies: { express: '5.0.0', '@types/express': '5.0.0' },
  },
  {
    name: 'express 5 + @types/express 5 (highest 5)',
    project: 'express',
    rs: ['core', 'express'],
    dependencies: { express: '^5.0.0', '@types/express': '^5.0.0' },
  },
  {
    name: 'fastify 5.0.0 (lowest)',
    project: 'fastify',
    rs: ['core', 'fastify'],
    dependencies: { fastify: '5.0.0' },
  },
  {
    name: 'fastify 5 (highest)',
    project: 'fastify',
    rs: ['core', 'fastify'],
    dependencies: { fastify: '^5.0.0' },
  },
  {
    name: 'hono 4.0.0 (lowest)',
    project: 'hono',
    rs: ['core', 'hono'],
    dependencies: { hono: '4.0.0' },
    // Hono 4.0's own declarations do not compile without skipLibCheck (DOM event types in its JSX, a
    // duplicate `render`), in any project: errors there are Hono's; any elsewhere fail the case.
    typeErrorsTolerated: 'node_modules/hono/',
  },
  { name: 'hono 4 (highest)', project: 'hono', rs: ['core', 'hono'], dependencies: { hono: '^4.0.0' } },
  { name: 'core without optional peers', project: 'core-peers', rs: ['core', 'fetch'], dependencies: {} },
  {
    name: 'core optional peers (lowest): undici 7.0.0, node-forge 1.3.1, @opentelemetry/api 1.4.0',
    project: 'core-peers',
    rs: ['core', 'fetch'],
    dependencies: { undici: '7.0.0', 'node-forge': '1.3.1', '@opentelemetry/api': '1.4.0' },
  },
  {
    // pnpm links an optional peer into @rs/core's own folder only when the project depends on it.
    name: 'core optional peers (lowest), installed with pnpm',
    project: 'core-peers',
    rs: ['core', 'fetch'],
    dependencies: { undici: '7.0.0', 'node-forge': '1.3.1', '@opentelemetry/api': '1.4.0' },
    manager: 'pnpm',
  },
  {
    name: 'core without optional peers, installed with pnpm',
    project: 'core-peers',
    rs: ['core', 'fetch'],
    dependencies: {},
    manager: 'pnpm',
  },
  {
    name: 'core optional peers (highest): undici 7, node-forge 1, @opentelemetry/api 1',
    project: 'core-peers',
    rs: ['core', 'fetch'],
    dependencies: { undici: '^7.0.0', 'node-forge': '^1.3.1', '@opentelemetry/api': '^1.4.0' },
  },
];

const log = (line) => console.log(`[peer-ranges] ${line}`);
const run = async (command, args, options) =>
  (
    await promisify(execFile)(command, args, {
      maxBuffer: 64 << 20,
      encoding: 'utf8',
      killSignal: 'SIGKILL',
      ...options,
    })
  ).stdout;

const filter = process.argv[2];
const cases = CASES.filter((entry) => filter === undefined || entry.name.includes(filter));
const work = mkdtempSync(join(tmpdir(), 'rs-peer-ranges-'));
const started = Date.now();
let passed = 0;
let failed = 0;
let authorizationServer;

try {
  const tarballs = await packPackages(new Set(cases.flatMap((entry) => entry.rs)));
  authorizationServer = await startTestAuthorizationServer();
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    RS_ISSUER: authorizationServer.issuer,
    RS_AUDIENCE: AUDIENCE,
    RS_JWKS_URL: authorizationServer.jwksUrl,
    RS_TOKEN: authorizationServer.mint(AUDIENCE),
    RS_TOKEN_WITHOUT_SCOPE: authorizationServer.mint(AUDIENCE, { scope: 'write' }),
  };
  for (const [index, entry] of cases.entries()) {
    try {
      const summary = await runCase(join(work, `case-${index}`), entry, tarballs, env);
      log(`ok   ${entry.name}: ${summary}`);
      passed++;
    } catch (error) {
      console.error(
        `[peer-ranges] FAIL ${entry.name}\n${error.stdout ?? ''}${error.stderr ?? error.stack ?? error}`,
      );
      failed++;
    }
  }
} catch (error) {
  console.error(error);
  failed++;
} finally {
  await authorizationServer?.close();
}

if (failed === 0) rmSync(work, { recursive: true, force: true });
else console.error(`[peer-ranges] left ${work} for inspection`);
console.log(
  `peer ranges: ${passed} passed, ${failed} failed in ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(failed === 0 ? 0 : 1);

/** Installs the project; a registry that cannot be reached fails it within the timeout. */
async function install(dir, manager) {
  if (manager === 'pnpm') {
    await run(
      'npx',
      [
        '-y',
        `pnpm@${PNPM_VERSION}`,
        'install',
        '--reporter=append-only',
        '--config.fetch-retries=0',
        '--config.fetch-timeout=30000',
        `--store-dir=${join(work, 'pnpm-store')}`,
      ],
      { cwd: dir, timeout: INSTALL_TIMEOUT_MS },
    );
    return;
  }
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--fetch-retries=0',
      '--fetch-timeout=30000',
      `--cache=${join(work, 'npm-cache')}`,
    ],
    { cwd: dir, timeout: INSTALL_TIMEOUT_MS },
  );
}

/** tsc, which still writes the JavaScript when the only errors are in `tolerated` (a peer's own types). */
async function compile(dir, tolerated) {
  try {
    await run(TSC, ['-p', 'tsconfig.json'], { cwd: dir, timeout: RUN_TIMEOUT_MS });
  } catch (error) {
    const errors = (error.stdout ?? '').split('\n').filter((line) => /error TS\d+/.test(line));
    if (
      tolerated === undefined ||
      errors.length === 0 ||
      errors.some((line) => !line.startsWith(tolerated))
    ) {
      throw error;
    }
  }
}

/** `pnpm pack` of each built package, which turns `workspace:` ranges into real ones as publishing does. */
async function packPackages(names) {
  const destination = join(work, 'tarballs');
  mkdirSync(destination);
  const tarballs = new Map();
  for (const name of names) {
    const before = new Set(readdirSync(destination));
    await run('npx', ['-y', `pnpm@${PNPM_VERSION}`, 'pack', '--pack-destination', destination], {
      cwd: join(ROOT, 'packages', name),
      timeout: RUN_TIMEOUT_MS,
    });
    const [file] = readdirSync(destination).filter((entry) => !before.has(entry));
    tarballs.set(name, join(destination, file));
  }
  return tarballs;
}

async function runCase(dir, entry, tarballs, env) {
  mkdirSync(dir, { recursive: true });
  cpSync(join(PROJECTS_DIR, entry.project), dir, { recursive: true });
  cpSync(join(PROJECTS_DIR, 'shared', 'decisions.ts'), join(dir, 'decisions.ts'));
  if (entry.project === 'core-peers') {
    cpSync(join(ROOT, 'packages/core/test/fixtures/keystores/openssl.p12'), join(dir, 'keystore.p12'));
  }
  const dependencies = { '@types/node': TYPES_NODE, ...entry.dependencies };
  for (const name of entry.rs) dependencies[`@rs/${name}`] = `file:${tarballs.get(name)}`;
  const manifest = { name: 'peer-range-case', private: true, type: 'module', dependencies };
  // npm takes the project's tarball for an adapter's `@rs/core` dependency; pnpm needs telling.
  if (entry.manager === 'pnpm') {
    const rs = Object.entries(dependencies).filter(([name]) => name.startsWith('@rs/'));
    manifest.pnpm = { overrides: Object.fromEntries(rs) };
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // otel.ts imports `@rs/core/otel`, which needs @opentelemetry/api: compiled only where it is installed.
  const exclude = '@opentelemetry/api' in dependencies ? [] : ['otel.ts'];
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions, include: ['*.ts'], exclude }, null, 2)}\n`,
  );
  await install(dir, entry.manager ?? 'npm');
  const installed = Object.keys(entry.dependencies).map(
    (name) =>
      `${name}@${JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version}`,
  );
  await compile(dir, entry.typeErrorsTolerated);
  const output = await run('node', ['dist/index.js'], {
    cwd: dir,
    timeout: RUN_TIMEOUT_MS,
    env: { ...env, RS_PEERS: Object.keys(entry.dependencies).join(',') },
  });
  return `${installed.join(' ') || 'no peers'}; tsc strict; 200/401/403${output.trim() ? `\n  ${output.trim().replaceAll('\n', '\n  ')}` : ''}`;
}
