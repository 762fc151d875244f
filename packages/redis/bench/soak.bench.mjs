// Soak: mixed traffic through one resource server for SOAK_SECONDS (default 120), then everything closed.
// A real oidc-provider authorization server (JWT and opaque tokens, introspection, revocation), a JWK set
// server, a real redis-server (token cache store and DPoP replay store) and createResourceServer with a
// hybrid resolver (JWTs from two issuers, opaque tokens introspected behind tokenCache), DPoP on.
// Prints requests per category and outcome, memory after GC at start, middle and end, event-loop delay,
// and the open handles before anything started and after everything closed. Asserts nothing on time;
// exits 1 when a request got an outcome its category does not expect, or when a handle is left open.
//
//   node --expose-gc packages/redis/bench/soak.bench.mjs     (after building @rs/core and @rs/redis)
//   SOAK_SECONDS=10 SOAK_CONCURRENCY=16 …                        (shorter, other concurrency)
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createResourceServer,
  hybridResolver,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  remoteJwks,
  tokenCache,
} from '@rs/core';
import { undiciHttpClient } from '@rs/core/node';
import { redisReplayStore, redisTokenCacheStore } from '../dist/index.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32);
const API_URL = 'https://api.soak.test/items';
const LOCAL_ISSUER = 'https://issuer.soak.test';
const LOCAL_AUDIENCE = 'https://api.soak.test';
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

const here = dirname(fileURLToPath(import.meta.url));
const testkit = await loadTestkit();
const handlesBefore = openHandles();

// ------------------------------------------------------------------------------------------------ setup

const redis = await startRedis();
const as = await testkit.startTestAuthorizationServer({ scopes: ['read', 'write'] });
const localKey = await testkit.generateSigningKey('ES256');
const strangerKey = await testkit.generateSigningKey('ES256');
const jwks = await testkit.startJwksServer(testkit.jwksOf(localKey));
const http = undiciHttpClient();
const cacheStore = redisTokenCacheStore({ url: redis.url });
const replayStore = redisReplayStore({ url: redis.url });
const storeHealth = [];

const rs = createResourceServer({
  resolver: hybridResolver({
    jwt: issuerRouter({
      issuers: {
        [as.issuer]: jwtResolver({
          issuer: as.issuer,
          audience: as.resources.jwt,
          keys: remoteJwks({ url: as.jwksUri, httpClient: http }),
        }),
        [LOCAL_ISSUER]: jwtResolver({
          issuer: LOCAL_ISSUER,
          audience: LOCAL_AUDIENCE,
          keys: remoteJwks({ url: jwks.url, httpClient: http }),
        }),
      },
    }),
    opaque: tokenCache(
      introspectionResolver({
        endpoint: as.introspectionEndpoint,
        clientAuthentication: { method: 'client_secret_basic', ...as.basicClient },
        httpClient: http,
      }),
      { store: cacheStore, ttl: 30_000, onStoreError: (change) => storeHealth.push(change.state) },
    ),
  }),
  dpop: { replayStore },
  policy: { scopes: ['read'] },
});

const lifetime = SECONDS + 600;
const mintDefaults = { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE };
const mint = (claims = {}, header = {}, key = localKey) =>
  testkit.mintToken(key, mintDefaults, { exp: Math.floor(Date.now() / 1000) + lifetime, ...claims }, header);
const many = (n, make) => Promise.all(Array.from({ length: n }, make));

const asJwts = await many(10, () => as.issueToken({ resource: as.resources.jwt, ttl: lifetime }));
const asJwtsWriteOnly = await many(3, () =>
  as.issueToken({ resource: as.resources.jwt, scope: 'write', ttl: lifetime }),
);
const opaque = await many(40, () => as.issueToken({ ttl: lifetime }));
const revoked = await many(10, () => as.issueToken({ ttl: lifetime }));
for (const token of revoked) await as.revoke(token);
const localJwts = await many(40, () => mint());
const expired = await many(5, () =>
  mint({ iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 }),
);
const wrongAudience = await many(5, () => mint({ aud: 'https://other.soak.test' }));
const dpopKeys = await many(8, () => testkit.generateDpopKey());
const otherDpopKey = await testkit.generateDpopKey();
const dpopTokens = await Promise.all(dpopKeys.map((key) => mint({ cnf: { jkt: key.thumbprint } })));
/** Proofs already accepted once, to be replayed. */
const usedProofs = [];
let acceptedProofs = 0;

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const bearer = (token) => ({ authorization: `Bearer ${token}` });

/** Each category: its weight, how it builds a request, and the outcomes it may get ('ok' or a failure code). */
const categories = {
  'valid JWT (authorization server)': [8, async () => bearer(pick(asJwts)), ['ok']],
  'valid JWT (local issuer)': [8, async () => bearer(pick(localJwts)), ['ok']],
  'valid opaque (cached)': [10, async () => bearer(pick(opaque)), ['ok']],
  'revoked opaque': [3, async () => bearer(pick(revoked)), ['token_inactive']],
  'unknown opaque': [2, async () => bearer(crypto.randomUUID()), ['token_inactive']],
  'JWT without read scope': [2, async () => bearer(pick(asJwtsWriteOnly)), ['insufficient_scope']],
  'forged signature': [
    3,
    async () => bearer(testkit.tamperSignature(pick(localJwts))),
    ['signature_invalid'],
  ],
  'expired JWT': [3, async () => bearer(pick(expired)), ['token_expired']],
  'wrong audience': [2, async () => bearer(pick(wrongAudience)), ['audience_mismatch']],
  'unknown kid': [2, async () => bearer(await mint({}, {}, strangerKey)), ['unknown_key']],
  'untrusted issuer': [
    1,
    async () => bearer(await mint({ iss: 'https://evil.soak.test' })),
    ['issuer_mismatch'],
  ],
  'alg none': [
    1,
    async () => bearer(testkit.rawToken({ alg: 'none', typ: 'at+jwt' }, { iss: LOCAL_ISSUER }, '')),
    ['algorithm_not_allowed'],
  ],
  'no token': [1, async () => ({}), ['token_missing']],
  'DPoP, fresh proof': [8, dpopRequest, ['ok']],
  'DPoP, replayed proof': [2, replayRequest, ['dpop_replayed']],
  'DPoP token as Bearer': [1, async () => bearer(pick(dpopTokens)), ['dpop_bound_token_as_bearer']],
  'DPoP, proof by another key': [
    1,
    async () => {
      const token = pick(dpopTokens);
      return { authorization: `DPoP ${token}`, dpop: await otherDpopKey.proof('GET', API_URL, token) };
    },
    ['dpop_key_mismatch'],
  ],
};

async function dpopRequest() {
  const index = Math.floor(Math.random() * dpopKeys.length);
  const token = dpopTokens[index];
  const headers = {
    authorization: `DPoP ${token}`,
    dpop: await dpopKeys[index].proof('GET', API_URL, token),
  };
  return { ...headers, keep: true };
}

async function replayRequest() {
  const used = usedProofs.length === 0 ? undefined : pick(usedProofs);
  return used ?? dpopRequest().then((headers) => ({ ...headers, firstUse: true }));
}

const weighted = Object.entries(categories).flatMap(([name, [weight]]) => Array(weight).fill(name));
const tally = new Map(); // category → outcome → count
const byOutcome = new Map();
let unexpected = 0;
const unexpectedSamples = [];

async function one() {
  const name = pick(weighted);
  const [, build, expected] = categories[name];
  const { keep, firstUse, ...headers } = await build();
  const result = await rs.authenticate({ method: 'GET', url: API_URL, headers });
  const outcome = result.ok ? 'ok' : result.rejection.code;
  const allowed = firstUse ? ['ok'] : expected;
  // A ring of recently accepted proofs: a replay must still be inside the iat window to be a replay.
  if (result.ok && keep) usedProofs[acceptedProofs++ % 200] = headers;
  const perCategory = tally.get(name) ?? new Map();
  perCategory.set(outcome, (perCategory.get(outcome) ?? 0) + 1);
  tally.set(name, perCategory);
  byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  if (!allowed.includes(outcome)) {
    unexpected++;
    if (unexpectedSamples.length < 10) unexpectedSamples.push(`${name}: ${outcome}`);
  }
}

// ----------------------------------------------------------------------------------------------- traffic

const memory = [];
const snapshotMemory = (label) => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  memory.push({ label, heapUsed, rss });
};

// Warm up: fetch both key sets and fill the cache, so that "start" is the steady state.
for (let i = 0; i < 200; i++) await one();
tally.clear();
byOutcome.clear();
snapshotMemory('start');

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const started = performance.now();
const deadline = started + SECONDS * 1000;
let middleTaken = false;
let requests = 0;
const worker = async () => {
  while (performance.now() < deadline) {
    await one();
    requests++;
    if (!middleTaken && performance.now() - started >= (SECONDS * 1000) / 2) {
      middleTaken = true;
      snapshotMemory('middle');
    }
  }
};
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const elapsed = (performance.now() - started) / 1000;
delay.disable();
snapshotMemory('end');

// -------------------------------------------------------------------------------------------- shut down

await Promise.all([cacheStore.close(), replayStore.close(), http.close()]);
await Promise.all([as.close(), jwks.close()]);
await redis.stop();
await testkit.dispose();
// Closed sockets and timers leave the handle list on the next turns of the event loop.
let handlesAfter = openHandles();
for (let i = 0; i < 20 && Object.keys(leftBehind(handlesBefore, handlesAfter)).length > 0; i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  handlesAfter = openHandles();
}

// ----------------------------------------------------------------------------------------------- report

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (ns) => `${(ns / 1e6).toFixed(1)} ms`;
console.log(`soak: ${SECONDS} s, concurrency ${CONCURRENCY}, Node ${process.version}`);
console.log(`requests: ${requests} in ${elapsed.toFixed(1)} s (${Math.round(requests / elapsed)}/s)\n`);
console.log('per category:');
for (const [name, outcomes] of tally) {
  console.log(`  ${name.padEnd(34)} ${[...outcomes].map(([code, n]) => `${code} ${n}`).join(', ')}`);
}
console.log('\nper outcome:');
for (const [code, n] of [...byOutcome].sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(34)} ${n}`);
console.log('\nmemory after gc():');
for (const { label, heapUsed, rss } of memory) {
  console.log(`  ${label.padEnd(8)} heapUsed ${mb(heapUsed).padStart(9)}   rss ${mb(rss).padStart(9)}`);
}
console.log(
  `\nevent-loop delay: p50 ${ms(delay.percentile(50))}, p99 ${ms(delay.percentile(99))}, max ${ms(delay.max)}`,
);
console.log(`introspection requests at the authorization server: ${as.introspectionRequests}`);
console.log(`JWK set requests (local issuer): ${jwks.requests}`);
console.log(
  `token cache store health changes: ${storeHealth.length === 0 ? 'none' : storeHealth.join(', ')}`,
);
const format = (handles) => [...handles].map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none';
console.log(`\nopen handles before: ${format(handlesBefore)}`);
console.log(`open handles after:  ${format(handlesAfter)}`);

const extra = leftBehind(handlesBefore, handlesAfter);
let failed = false;
if (unexpected > 0) {
  failed = true;
  console.error(
    `\nFAIL: ${unexpected} requests got an unexpected outcome, e.g. ${unexpectedSamples.join('; ')}`,
  );
}
if (Object.keys(extra).length > 0) {
  console.error(`\nFAIL: left open after close: ${JSON.stringify(extra)}`);
  process.exit(1);
}
// Nothing is left: the process ends by itself.
process.exitCode = failed ? 1 : 0;

// ------------------------------------------------------------------------------------------------ helpers

function openHandles() {
  const counts = new Map();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function leftBehind(before, after) {
  const more = {};
  for (const [kind, count] of after)
    if (count > (before.get(kind) ?? 0)) more[kind] = count - (before.get(kind) ?? 0);
  return more;
}

/**
 * @rs/testkit is TypeScript source (the test runner compiles it). Bundled here with tsup into a temporary
 * folder inside the testkit package, so that its own dependencies (jose, oidc-provider) resolve.
 */
async function loadTestkit() {
  const testkitRoot = join(here, '../../testkit');
  const outDir = mkdtempSync(join(testkitRoot, 'node_modules', '.soak-'));
  const { build } = await import('tsup');
  await build({
    entry: { testkit: join(testkitRoot, 'src/index.ts') },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    outExtension: () => ({ js: '.mjs' }),
    skipNodeModulesBundle: true,
    external: ['vitest'],
    config: false,
    dts: false,
    silent: true,
  });
  const module = await import(pathToFileURL(join(outDir, 'testkit.mjs')).href);
  return { ...module, dispose: async () => rmSync(outDir, { recursive: true, force: true }) };
}

/** A real redis-server on a free loopback port, without persistence; `stop()` ends it. */
async function startRedis() {
  execFileSync('redis-server', ['--version'], { stdio: 'pipe' });
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  const dir = mkdtempSync(join(tmpdir(), 'rs-soak-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 250 && !(await answersPing(port)); i++) await new Promise((r) => setTimeout(r, 20));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}
