// Per-token cost of JWT validation, @rs/core beside its peers, in one process, on the same keys and
// tokens: raw node:crypto verify (the floor), fast-jwt (the engine of @fastify/jwt, with and without its
// cache), jose jwtVerify, aws-jwt-verify, and @rs/core's authenticate() on the portable path (jose),
// the Node path (node:crypto) and with the verified-token cache. Prints Markdown; asserts nothing.
//
//   pnpm --filter @rs/bench bench:per-token     (after building @rs/core)
//   BENCH_DISTINCT=20000 BENCH_ROUNDS=9 …   (more tokens, more rounds)
//   BENCH_TABLES=algorithms,growth,cache,replay BENCH_ALGS=RS256,ES256 BENCH_CACHE_SIZES=1000,100000 …   (a part)
import { verify as nodeVerify } from 'node:crypto';
import { createResourceServer, jwtResolver, memoryReplayStore, staticJwks } from '@rs/core';
import { JwtVerifier } from 'aws-jwt-verify';
import { createVerifier } from 'fast-jwt';
import { importJWK, jwtVerify } from 'jose';
import {
  ALGORITHMS,
  AUDIENCE,
  benchKey,
  distinctTokens,
  flat,
  ISSUER,
  jwsHash,
  jwsOptions,
  signToken,
} from './lib/fixtures.mjs';
import { acrossRounds, interleaved, summarize } from './lib/measure.mjs';
import { report as createReport, fixed, markdownTable, ratio } from './lib/table.mjs';

const out = createReport('per-token');
// 5 000 distinct tokens a batch, as in the measurements the performance targets were set from: each
// round starts with a forced full collection, which throws away optimized code (see lib/measure.mjs);
// over a batch of 1 000 calls that recompilation showed as a wide min-to-max spread and a lower median,
// over 5 000 it fades towards what a server in steady state sees. A round of one repeated token is as
// many calls, for the same reason: with 2 000, the row that ran first after the collection paid for its
// recompilation in some rounds and not in others, and its figures split into two groups.
const DISTINCT = Number(process.env.BENCH_DISTINCT ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
// The cache table's tokens: the RFC 9068 claims and little else.
const CACHE_CLAIM_BYTES = 256;
const PEERS = new Set(['fast-jwt', 'fast-jwt (cache)', 'jose jwtVerify', 'aws-jwt-verify']);
// A cached row is compared with the best cached peer, an uncached row with the best uncached one.
const isCached = (name) => name.includes('cache');
const RAW = 'node:crypto verify (floor)';
// The raw check plus what every JWT verifier must also do with a token: cut it at its dots, decode its
// signature and parse its header and claims. What @rs/core costs above this row is its own overhead.
const DECODED = 'node:crypto verify + decode + JSON.parse';
// Calls per round of the two cache rows (fast-jwt's and ours), which cost a few microseconds where the
// others cost tens: with 2 000 calls, a round lasted 5 ms, and one minor collection or one
// recompilation in it weighed a third of its figure.
const CACHED_BATCH = 20_000;

function resourceServer(key, resolverOptions = {}, jwks = { keys: [key.jwk] }) {
  return createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwks),
      profile: 'rfc9068',
      ...resolverOptions,
    }),
    policy: { scopes: ['read'] },
  });
}

function requestFor(token) {
  return {
    method: 'GET',
    url: 'https://api.bench.test/items',
    headers: { authorization: flat(`Bearer ${token}`) },
  };
}

/** A row that fails loudly if its implementation refuses the benchmark's own tokens. */
async function checked(name, run, { sync = false, batch } = {}) {
  try {
    const result = await run(0);
    if (result === false || (result && result.ok === false))
      throw new Error(result.rejection?.code ?? 'refused');
  } catch (error) {
    return { name, skipped: error.message };
  }
  return { name, run, sync, batch };
}

async function rowsFor(key, tokens, repeated) {
  const pick = repeated ? () => tokens[0] : (i) => tokens[i % tokens.length];
  const parts = tokens.map((token) => {
    const dot = token.lastIndexOf('.');
    return {
      input: Buffer.from(token.slice(0, dot)),
      signature: Buffer.from(token.slice(dot + 1), 'base64url'),
    };
  });
  const hash = jwsHash(key.alg);
  const rawOptions = jwsOptions(key.alg, key.publicKey);
  const rawPart = repeated ? () => parts[0] : (i) => parts[i % parts.length];
  const decodedFloor = (token) => {
    const headerEnd = token.indexOf('.');
    const payloadEnd = token.lastIndexOf('.');
    const valid = nodeVerify(
      hash,
      Buffer.from(token.slice(0, payloadEnd), 'latin1'),
      rawOptions,
      Buffer.from(token.slice(payloadEnd + 1), 'base64url'),
    );
    JSON.parse(Buffer.from(token.slice(0, headerEnd), 'base64url').toString());
    return valid && JSON.parse(Buffer.from(token.slice(headerEnd + 1, payloadEnd), 'base64url').toString());
  };

  const fastJwtOptions = { key: key.pem, algorithms: [key.alg], allowedIss: ISSUER, allowedAud: AUDIENCE };
  const fastJwt = createVerifier(fastJwtOptions);
  const fastJwtCached = createVerifier({ ...fastJwtOptions, cache: 10_000 });
  const joseKey = await importJWK(key.jwk, key.alg);
  const aws = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${ISSUER}/jwks` });
  aws.cacheJwks({ keys: [key.jwk] });

  const requests = tokens.map(requestFor);
  const request = repeated ? () => requests[0] : (i) => requests[i % requests.length];
  const portable = resourceServer(key, { signatureVerifier: 'portable' });
  const fast = resourceServer(key);
  const cached = resourceServer(key, { verifiedTokenCache: { maxEntries: 10_000 } });

  const rows = [
    await checked(
      RAW,
      (i) => {
        const { input, signature } = rawPart(i);
        return nodeVerify(hash, input, rawOptions, signature);
      },
      { sync: true },
    ),
    await checked(DECODED, (i) => decodedFloor(pick(i)), { sync: true }),
    await checked('fast-jwt', (i) => fastJwt(pick(i)), { sync: true }),
    ...(repeated
      ? [
          await checked('fast-jwt (cache)', (i) => fastJwtCached(pick(i)), {
            sync: true,
            batch: CACHED_BATCH,
          }),
        ]
      : []),
    await checked('jose jwtVerify', (i) =>
      jwtVerify(pick(i), joseKey, { issuer: ISSUER, audience: AUDIENCE }),
    ),
    await checked('aws-jwt-verify', (i) => aws.verifySync(pick(i)), { sync: true }),
    await checked('@rs/core authenticate(), portable (jose)', (i) => portable.authenticate(request(i))),
    await checked('@rs/core authenticate(), node:crypto', (i) => fast.authenticate(request(i))),
    ...(repeated
      ? [
          await checked(
            '@rs/core authenticate(), verified-token cache',
            (i) => cached.authenticate(request(i)),
            {
              batch: CACHED_BATCH,
            },
          ),
        ]
      : []),
  ];
  return rows;
}

function report(title, measured, skipped) {
  const raw = measured.find((row) => row.name === RAW);
  const rounds = raw.perRound.length;
  // Ratios are medians of per-round ratios (acrossRounds): each round's rows ran moments apart.
  const bestPeer = (row, round) =>
    Math.min(
      ...measured
        .filter((peer) => PEERS.has(peer.name) && isCached(peer.name) === isCached(row.name))
        .map((peer) => peer.perRound[round]),
    );
  const lines = measured.map((row) => [
    row.name,
    fixed(row.min),
    fixed(row.median),
    fixed(row.max),
    Math.round(1e6 / row.median).toLocaleString('en'),
    ratio(acrossRounds(rounds, (round) => raw.perRound[round] / row.perRound[round]).median),
    PEERS.has(row.name) || row.name === RAW || row.name === DECODED
      ? ''
      : ratio(acrossRounds(rounds, (round) => bestPeer(row, round) / row.perRound[round]).median),
  ]);
  for (const row of skipped) lines.push([row.name, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', `(${row.skipped})`]);
  out.log(`\n#### ${title}\n`);
  out.log(
    markdownTable(
      ['implementation', 'µs/op min', 'median', 'max', 'ops/s (median)', '× raw verify', '× best peer'],
      lines,
    ),
  );
  const node = measured.find((row) => row.name === '@rs/core authenticate(), node:crypto');
  const decoded = measured.find((row) => row.name === DECODED);
  if (node !== undefined && decoded !== undefined) {
    const above = (row) =>
      fixed(acrossRounds(rounds, (round) => row.perRound[round] - raw.perRound[round]).median);
    out.log(
      `\n@rs/core (node:crypto) costs ${above(node)} µs per request above the raw signature check; decoding the token and parsing its header and claims, which any JWT check does, costs ${above(decoded)} µs above it.`,
    );
  }
}

async function perAlgorithm() {
  // BENCH_ALGS=RS256,ES256 picks algorithms (default: all).
  const algorithms = process.env.BENCH_ALGS?.split(',') ?? ALGORITHMS;
  for (const alg of algorithms) {
    const key = benchKey(alg);
    const tokens = distinctTokens(key, DISTINCT);
    for (const repeated of [false, true]) {
      const rows = await rowsFor(key, tokens, repeated);
      const runnable = rows.filter((row) => row.run !== undefined);
      const measured = await interleaved(runnable, { rounds: ROUNDS, batch: DISTINCT });
      report(
        `${alg}, ${repeated ? 'one repeated token' : `${DISTINCT.toLocaleString('en')} distinct tokens`}`,
        measured,
        rows.filter((row) => row.run === undefined),
      );
    }
  }
}

/** How @rs/core's cost grows with the claims and the key set (RS256, node:crypto path, distinct tokens). */
async function growth() {
  const key = benchKey('RS256');
  const others = Array.from({ length: 99 }, (_, i) => benchKey('RS256', `other-${i}`));
  const count = Math.min(DISTINCT, 500);
  const setOf = (size) => ({ keys: [...others.slice(0, size - 1).map((k) => k.jwk), key.jwk] });
  const requestsOf = (tokens) => tokens.map(requestFor);
  const small = requestsOf(distinctTokens(key, count));
  const large = requestsOf(distinctTokens(key, count, { claimBytes: 8192 }));
  const kidless = requestsOf(distinctTokens(key, count, { omitKid: true }));
  // The signing key last in the set and named by no `alg`: a kid-less token is tried against the best 3.
  const bare = ({ alg: _alg, kid: _kid, ...jwk }) => jwk;
  const kidlessSet = {
    keys: [...others.slice(0, 99).map((k) => bare(k.jwk)), { ...bare(key.jwk), alg: 'RS256' }],
  };
  const row = (name, rs, requests) => ({ name, run: (i) => rs.authenticate(requests[i % requests.length]) });
  const rows = [
    row('1 KB claims, 1 key', resourceServer(key, {}, setOf(1)), small),
    row('8 KB claims, 1 key', resourceServer(key, {}, setOf(1)), large),
    row('1 KB claims, 10 keys (kid)', resourceServer(key, {}, setOf(10)), small),
    row('1 KB claims, 100 keys (kid)', resourceServer(key, {}, setOf(100)), small),
    row('1 KB claims, 100 keys, no kid (at most 3 tried)', resourceServer(key, {}, kidlessSet), kidless),
  ];
  for (const r of rows) {
    const result = await r.run(0);
    if (!result.ok) throw new Error(`${r.name}: ${result.rejection.code}`);
  }
  const measured = await interleaved(rows, { rounds: ROUNDS, batch: count });
  out.log('\n#### Growth: claims size and key set size (RS256, node:crypto path, distinct tokens)\n');
  out.log(
    markdownTable(
      ['case', 'µs/op min', 'median', 'max'],
      measured.map((r) => [r.name, fixed(r.min), fixed(r.median), fixed(r.max)]),
    ),
  );
}

/**
 * Heap bytes one cached token holds, and the cost of a hit, in caches of 1 000, 100 000 and 1 000 000
 * entries (HS256 tokens with a small RFC 9068 claim set, so that a million of them, twice, fit in memory
 * and are signed and verified in seconds; a hit checks no signature, whatever the algorithm).
 * Each cache is filled once, measured for its heap, then hit in a fixed pseudo-random order.
 */
async function cacheSizes() {
  const key = benchKey('HS256');
  const sizes = (process.env.BENCH_CACHE_SIZES ?? '1000,100000,1000000').split(',').map(Number);
  const lines = [];
  for (const size of sizes) {
    // A small cache is measured as many copies of it, each with its own tokens, so that its heap stands
    // out of the collector's noise (a few hundred KB).
    const copies = Math.max(1, Math.round(100_000 / size));
    // Only the request headers are kept; fast-jwt reads the token out of the same string.
    const requestSets = Array.from({ length: copies }, () =>
      Array.from({ length: size }, () => requestFor(signToken(key, { claimBytes: CACHE_CLAIM_BYTES }))),
    );
    const tokenSets = requestSets.map((set) =>
      set.map((request) => request.headers.authorization.slice('Bearer '.length)),
    );
    const [requests, tokens] = [requestSets[0], tokenSets[0]];

    await warmUp(key, requests, tokens);

    // Each cache holds one token before the heap is measured, so that only what further entries add
    // counts: not the resolver, its imported key or the code compiled for it.
    const servers = [];
    for (const set of requestSets) {
      const rs = resourceServer(key, { verifiedTokenCache: { maxEntries: size } });
      await rs.authenticate(set[0]);
      servers.push(rs);
    }
    const rsBytes = await heapGrowth(async () => {
      for (const [copy, rs] of servers.entries()) {
        for (let i = 1; i < size; i++) await rs.authenticate(requestSets[copy][i]);
      }
      return servers;
    });
    const verifiers = tokenSets.map((set) => {
      const verifier = createVerifier({
        key: key.pem,
        algorithms: ['HS256'],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        cache: size,
      });
      verifier(set[0]);
      return verifier;
    });
    const fastBytes = await heapGrowth(async () => {
      for (const [copy, verifier] of verifiers.entries()) {
        for (let i = 1; i < size; i++) verifier(tokenSets[copy][i]);
      }
      return verifiers;
    });
    const [rs, fastJwt] = [servers[0], verifiers[0]];
    // Hits spread over the whole cache, in a fixed pseudo-random order.
    const order = Array.from({ length: 4096 }, (_, i) => (i * 2_654_435_761) % size);
    const measured = await interleaved(
      [
        { name: 'fast-jwt', sync: true, run: (i) => fastJwt(tokens[order[i % order.length]]) },
        { name: '@rs', run: (i) => rs.authenticate(requests[order[i % order.length]]) },
      ],
      { rounds: ROUNDS, batch: 4096 },
    );
    const [fast, ours] = measured;
    lines.push([
      size.toLocaleString('en'),
      fixed(ours.median, 2),
      fixed(fast.median, 2),
      ratio(acrossRounds(ROUNDS, (round) => fast.perRound[round] / ours.perRound[round]).median),
      Math.round(rsBytes / (copies * (size - 1))).toLocaleString('en'),
      Math.round(fastBytes / (copies * (size - 1))).toLocaleString('en'),
    ]);
  }
  out.log(
    `\n#### Verified-token cache: hit cost and heap per entry (HS256, ${CACHE_CLAIM_BYTES} B of claims)\n`,
  );
  out.log(
    markdownTable(
      [
        'entries',
        '@rs authenticate() hit, µs (median)',
        'fast-jwt cached verify, µs (median)',
        '@rs × fast-jwt',
        '@rs bytes/entry',
        'fast-jwt bytes/entry',
      ],
      lines,
    ),
  );
}

/** Code compiled on first use is heap too: both sides run on throwaway caches first. */
async function warmUp(key, requests, tokens) {
  const count = Math.min(requests.length, 2000);
  const rs = resourceServer(key, { verifiedTokenCache: { maxEntries: count } });
  const fastJwt = createVerifier({ key: key.pem, algorithms: ['HS256'], cache: count });
  for (let i = 0; i < count; i++) {
    await rs.authenticate(requests[i]);
    fastJwt(tokens[i]);
  }
}

// Two full collections: the second finishes what the first left to sweep, so that heapUsed counts live
// objects only (one alone left a 1 000-entry cache measured below zero).
function settleHeap() {
  globalThis.gc?.();
  globalThis.gc?.();
}

/**
 * The DPoP replay store's cost per proof as it fills: `memoryReplayStore` holding 1 000, 10 000 and
 * 100 000 live keys (one proof a millisecond on its own clock, each remembered for as many milliseconds
 * as the store holds keys), every call a first use that also sweeps and evicts. Flat is the target: a
 * store that slows as it fills slows every DPoP request of a busy API.
 */
async function replayStore() {
  const sizes = [1_000, 10_000, 100_000];
  const lines = [];
  let smallest;
  for (const live of sizes) {
    // A clock reads milliseconds since the epoch (readings before 2000 are refused): a real date to start.
    let now = Date.UTC(2026, 0, 1);
    const store = memoryReplayStore({ maxEntries: live, clock: () => now });
    let next = 0;
    // Filled twice over, so that sweeping and evicting run at full speed.
    for (; next < live * 2; next++) {
      now++;
      await store.remember(`proof-${next}`, live);
    }
    const samples = [];
    for (let round = 0; round < ROUNDS; round++) {
      globalThis.gc?.();
      const keys = Array.from({ length: 20_000 }, (_, i) => `proof-${next + i}`);
      const start = process.cpuUsage();
      for (const key of keys) {
        now++;
        if (!(await store.remember(key, live))) throw new Error('a first use was refused');
      }
      const { user, system } = process.cpuUsage(start);
      next += keys.length;
      samples.push((user + system) / keys.length);
    }
    const { min, median, max } = summarize(samples);
    smallest ??= median;
    lines.push([live.toLocaleString('en'), fixed(min), fixed(median), fixed(max), ratio(median / smallest)]);
  }
  out.log('\n#### DPoP replay store: cost of a proof as the store fills (memoryReplayStore)\n');
  out.log(markdownTable(['keys held', 'µs/proof min', 'median', 'max', '× cost at 1,000 keys'], lines));
}

/** Heap growth (bytes) across `build`, whose result is kept alive until measured. */
async function heapGrowth(build) {
  settleHeap();
  const before = process.memoryUsage().heapUsed;
  const kept = await build();
  settleHeap();
  const after = process.memoryUsage().heapUsed;
  if (kept === undefined) throw new Error('nothing kept');
  return after - before;
}

out.log(
  `Per-token cost, node ${process.version}, ${DISTINCT.toLocaleString('en')} distinct tokens with 1 KB of claims, ` +
    `${ROUNDS} interleaved rounds (min / median / max of the per-round µs of CPU per token; each ratio is the median of the per-round ratios).`,
);
if (globalThis.gc === undefined) out.log('(Run with --expose-gc for steadier figures.)');
// BENCH_TABLES=algorithms,growth,cache,replay (the default: all) picks tables.
const tables = new Set((process.env.BENCH_TABLES ?? 'algorithms,growth,cache,replay').split(','));
if (tables.has('algorithms')) await perAlgorithm();
if (tables.has('growth')) await growth();
if (tables.has('cache')) await cacheSizes();
if (tables.has('replay')) await replayStore();
out.save();
