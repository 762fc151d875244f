// Benchmark: what the token cache saves. 10 000 requests over 100 distinct opaque tokens go through
// createResourceServer → tokenCache → introspectionResolver, against a loopback RFC 7662 endpoint.
// Prints the introspection calls made, the cost per request of the cached path, and beside it the cost
// of an uncached local JWT validation (ES256, RS256) measured in the same run, plus the memory the
// cache holds. Asserts nothing (it only stops if a request it expects to pass is refused).
//
//   node --expose-gc packages/core/bench/token-cache.bench.mjs     (after `pnpm --filter @rs/core build`; on
//   Node, `@rs/core` resolves to its Node entry, with the node:crypto signature path, as for users)
//
// The introspection endpoint is a small node:http server in this script. It stands in for the
// authorization server: this benchmark measures the cache, not an authorization server, and an
// in-process stand-in keeps the numbers fast and deterministic.
import { createServer } from 'node:http';
import {
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  staticJwks,
  tokenCache,
  tokenInfoFromClaims,
} from '@rs/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 64;
const SHUFFLE_START = 42;
const ISSUER = 'https://as.bench.test';
const AUDIENCE = 'https://api.bench.test';
const API_URL = 'https://api.bench.test/items';
const POLICY = { scopes: ['read'] };
const gc = globalThis.gc;

// ---------------------------------------------------------------------------------------------- helpers

/** mulberry32: a small deterministic PRNG, so that the request order is the same on every run. */
function random(start) {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** REQUESTS indexes into a list of TOKENS, each used equally often, in a shuffled order. */
function shuffledOrder() {
  const order = Array.from({ length: REQUESTS }, (_, i) => i % TOKENS);
  const next = random(SHUFFLE_START);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function request(token) {
  return { method: 'GET', url: API_URL, headers: { authorization: `Bearer ${token}` } };
}

/** Runs the requests one after another; returns elapsed seconds. Stops if any is refused. */
async function runSequential(rs, requests, order) {
  const start = process.hrtime.bigint();
  for (const index of order) {
    const result = await rs.authenticate(requests[index]);
    if (!result.ok) throw new Error(`benchmark request refused: ${result.rejection.code}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs the requests with `CONCURRENCY` in flight at a time; returns elapsed seconds. */
async function runConcurrent(rs, requests, order) {
  let cursor = 0;
  const worker = async () => {
    while (cursor < order.length) {
      const result = await rs.authenticate(requests[order[cursor++]]);
      if (!result.ok) throw new Error(`benchmark request refused: ${result.rejection.code}`);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Median seconds of ROUNDS timed runs over `order`. */
async function medianSeconds(rs, requests, order) {
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) runs.push(await runSequential(rs, requests, order));
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const micros = (seconds, count) => (seconds / count) * 1e6;
const fmtMicros = (value) => `${value.toFixed(2).padStart(8)} µs/request`;
const fmtOps = (seconds, count) =>
  `${Math.round(count / seconds)
    .toLocaleString('en-US')
    .padStart(9)} req/s`;
const fmtBytes = (bytes) =>
  Math.abs(bytes) >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
const label = (text) => `  ${text.padEnd(44)}`;

// ------------------------------------------------------------- the stand-in authorization server

const nowS = Math.floor(Date.now() / 1000);
const opaqueTokens = Array.from({ length: TOKENS }, () =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url'),
);
const known = new Map(
  opaqueTokens.map((token, i) => [
    token,
    {
      active: true,
      scope: 'read write',
      client_id: `client-${i}`,
      sub: `user-${i}`,
      aud: AUDIENCE,
      iss: ISSUER,
      token_type: 'Bearer',
      iat: nowS,
      exp: nowS + 3600,
      jti: crypto.randomUUID(),
    },
  ]),
);
let introspectionCalls = 0;
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    introspectionCalls++;
    const answer = known.get(new URLSearchParams(body).get('token')) ?? { active: false };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${server.address().port}/introspect`;

function cachedServer() {
  const introspection = introspectionResolver({
    endpoint,
    issuer: ISSUER,
    audience: AUDIENCE,
    clientAuthentication: {
      method: 'client_secret_basic',
      clientId: 'bench-rs',
      clientSecret: 'bench-secret',
    },
    retries: 0,
  });
  const cache = tokenCache(introspection, { ttl: 300_000 });
  return { cache, rs: createResourceServer({ resolver: cache, policy: POLICY }) };
}

const order = shuffledOrder();
const opaqueRequests = opaqueTokens.map(request);

console.log(
  `@rs/core token cache benchmark: ${REQUESTS.toLocaleString('en-US')} requests over ${TOKENS} distinct tokens, ` +
    `shuffled (PRNG start ${SHUFFLE_START}), node ${process.version}`,
);
console.log(
  'Every figure is a full createResourceServer().authenticate() (extract, resolve, confirm, scope check).',
);
console.log(
  `Introspection: a loopback node:http endpoint standing in for the authorization server (${endpoint}).`,
);

// ------------------------------------------------------------------------ 1. cold, sequential

{
  const { cache, rs } = cachedServer();
  const before = introspectionCalls;
  const seconds = await runSequential(rs, opaqueRequests, order);
  const stats = cache.stats();
  console.log(
    '\n1. Fresh cache, requests one after another (first sight of each token goes to the endpoint)',
  );
  console.log(
    `${label('introspection calls made')}${introspectionCalls - before} (one per distinct token: ${TOKENS})`,
  );
  console.log(
    `${label(`total for ${REQUESTS.toLocaleString('en-US')} requests`)}${(seconds * 1000).toFixed(1)} ms,` +
      ` ${micros(seconds, REQUESTS).toFixed(2)} µs/request on average (misses included)`,
  );
  console.log(
    `${label('cache stats')}hits ${stats.hits}, misses ${stats.misses}, coalesced ${stats.coalesced}, evictions ${stats.evictions}`,
  );
}

// ------------------------------------------------------------------------ 2. cold, concurrent

{
  const { cache, rs } = cachedServer();
  const before = introspectionCalls;
  const seconds = await runConcurrent(rs, opaqueRequests, order);
  const stats = cache.stats();
  console.log(
    `\n2. Fresh cache, the same requests ${CONCURRENCY} in flight at a time (concurrent misses share one call)`,
  );
  console.log(`${label('introspection calls made')}${introspectionCalls - before}`);
  console.log(`${label('total')}${(seconds * 1000).toFixed(1)} ms`);
  console.log(
    `${label('cache stats')}hits ${stats.hits}, misses ${stats.misses}, coalesced ${stats.coalesced}, evictions ${stats.evictions}`,
  );
}

// ----------------------------------------------- 3. cached path vs uncached local JWT validation

const { cache: warmCache, rs: warmRs } = cachedServer();
await runSequential(warmRs, opaqueRequests, order); // warm-up: fills the cache, lets the JIT settle
const callsBeforeHits = introspectionCalls;
const hitsBefore = warmCache.stats().hits;
const cachedSeconds = await medianSeconds(warmRs, opaqueRequests, order);
const cachedMicros = micros(cachedSeconds, REQUESTS);
const hitsMeasured = warmCache.stats().hits - hitsBefore;

// The cache alone, without the rest of the pipeline: tokenCache.resolve() on the same hits.
async function cacheOnlySeconds() {
  const contexts = opaqueRequests.map((req) => ({ request: req, now: Date.now() }));
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (const index of order) {
      const outcome = await warmCache.resolve(opaqueTokens[index], contexts[index]);
      if (!outcome.ok) throw new Error(`benchmark token refused: ${outcome.failure.code}`);
    }
    runs.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}
const cacheOnly = await cacheOnlySeconds();

async function jwtServer(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg };
  const tokens = await Promise.all(
    Array.from({ length: TOKENS }, (_, i) =>
      new SignJWT({
        sub: `user-${i}`,
        client_id: `client-${i}`,
        scope: 'read write',
        jti: crypto.randomUUID(),
      })
        .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(nowS)
        .setExpirationTime(nowS + 3600)
        .sign(privateKey),
    ),
  );
  const rs = createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [jwk] }),
      profile: 'rfc9068',
    }),
    policy: POLICY,
  });
  return { rs, requests: tokens.map(request) };
}

console.log(
  `\n3. Cost per request, median of ${ROUNDS} timed runs of ${REQUESTS.toLocaleString('en-US')} requests each, after a warm-up run`,
);
console.log(
  `${label('cached path: authenticate(), all cache hits')}${fmtMicros(cachedMicros)} ${fmtOps(cachedSeconds, REQUESTS)}` +
    `   (${hitsMeasured} hits, ${introspectionCalls - callsBeforeHits} introspection calls while timed)`,
);
console.log(
  `${label('  of which tokenCache.resolve() alone')}${fmtMicros(micros(cacheOnly, REQUESTS))} ${fmtOps(cacheOnly, REQUESTS)}` +
    '   (SHA-256 key, store lookup; the rest is the pipeline)',
);
for (const alg of ['ES256', 'RS256']) {
  const { rs, requests } = await jwtServer(alg);
  await runSequential(rs, requests, order); // warm-up: key import, JIT
  const seconds = await medianSeconds(rs, requests, order);
  const perRequest = micros(seconds, REQUESTS);
  console.log(
    `${label(`uncached local JWT validation, ${alg}`)}${fmtMicros(perRequest)} ${fmtOps(seconds, REQUESTS)}` +
      `   cached path ×${(perRequest / cachedMicros).toFixed(1)} faster`,
  );
}
console.log(
  '  (JWT rows: jwtResolver + staticJwks, RFC 9068 profile, no cache: every request checks a signature.)',
);

// ------------------------------------------------------------------------------------ 4. memory

console.log('\n4. Memory held by the cache (process.memoryUsage().heapUsed, after GC)');
if (typeof gc !== 'function') {
  console.log('  unavailable: run with `node --expose-gc` to measure it');
} else {
  const withEntries = heapAfterGc();
  await warmCache.clear();
  const withoutEntries = heapAfterGc();
  console.log(
    `${label(`${TOKENS} cached introspection answers`)}${fmtBytes(withEntries - withoutEntries)}` +
      ` (heap before minus after cache.clear(), ≈ ${Math.round((withEntries - withoutEntries) / TOKENS)} B/entry)`,
  );

  // The same measure at a larger scale, for a steadier per-entry figure. The answers come from an
  // in-process resolver (no HTTP), shaped like the endpoint's, so that only the cache is measured.
  const ENTRIES = 10_000;
  const emptyBefore = heapAfterGc();
  const big = tokenCache(
    {
      resolve: async (token) => ({
        ok: true,
        value: tokenInfoFromClaims(
          { ...known.get(opaqueTokens[0]), jti: token.slice(0, 16) },
          'introspection',
        ),
      }),
    },
    { ttl: 300_000, maxEntries: ENTRIES },
  );
  const emptyAfter = heapAfterGc();
  const context = { request: request('x'), now: Date.now() };
  for (let i = 0; i < ENTRIES; i++) await big.resolve(`bench-token-${i}-${'x'.repeat(32)}`, context);
  const full = heapAfterGc();
  console.log(`${label(`an empty cache (maxEntries ${ENTRIES})`)}${fmtBytes(emptyAfter - emptyBefore)}`);
  console.log(
    `${label(`${ENTRIES.toLocaleString('en-US')} entries (in-process resolver)`)}${fmtBytes(full - emptyAfter)}` +
      ` (≈ ${Math.round((full - emptyAfter) / ENTRIES)} B/entry)`,
  );
  if (big.stats().misses !== ENTRIES)
    console.log('  (note: not every entry was a miss; figure is approximate)');
}

await new Promise((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
});
