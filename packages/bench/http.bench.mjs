// Requests per second through a protected route, @rs beside its peers, with autocannon on loopback:
// Fastify (bare, @fastify/jwt, @rs/fastify) and Express (bare, express-oauth2-jwt-bearer,
// express-jwt + jwks-rsa, @rs/express). Distinct RS256 tokens, then one repeated token (caches on).
// The servers run in a child process; rounds are interleaved. Prints Markdown; asserts nothing.
//
//   pnpm --filter @rs/bench bench:http      (after building @rs/core, @rs/fastify, @rs/express)
//   BENCH_HTTP_SECONDS=5 BENCH_HTTP_ROUNDS=5 …
import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import { benchKey, distinctTokens } from './lib/fixtures.mjs';
import { summarize } from './lib/measure.mjs';
import { report as createReport, markdownTable, ratio } from './lib/table.mjs';

const out = createReport('http');
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 16);

const key = benchKey('RS256');
const tokens = distinctTokens(key, 2000);

const child = fork(new URL('./http-servers.mjs', import.meta.url), {
  env: { ...process.env, BENCH_KEY: JSON.stringify({ jwk: key.jwk, pem: key.pem }) },
});
const { targets } = await new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (code) => reject(new Error(`servers exited with ${code}`)));
});

const TABLES = [
  {
    title: 'Fastify 5',
    bare: 'fastify (bare)',
    distinct: ['@fastify/jwt', '@rs/fastify'],
    repeated: ['@fastify/jwt (cache)', '@rs/fastify (verified-token cache)'],
  },
  {
    title: 'Express 5',
    bare: 'express (bare)',
    distinct: ['express-oauth2-jwt-bearer', 'express-jwt + jwks-rsa', '@rs/express'],
    repeated: ['express-oauth2-jwt-bearer', 'express-jwt + jwks-rsa', '@rs/express (verified-token cache)'],
  },
];
const isOurs = (name) => name.startsWith('@rs/');

/** Requests per second of one autocannon run; every answer must be a 200. */
async function rps(url, repeated, seconds = SECONDS) {
  let next = 0;
  const result = await autocannon({
    url: `${url}/items`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = repeated ? tokens[0] : tokens[next++ % tokens.length];
          request.headers = { ...request.headers, authorization: `Bearer ${token}` };
          return request;
        },
      },
    ],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} requests failed`);
  return result.requests.average;
}

out.log(
  `HTTP requests per second on loopback, node ${process.version}: autocannon, ${CONNECTIONS} connections, ` +
    `${SECONDS} s per run, ${ROUNDS} interleaved rounds (min / median / max); RS256, 1 KB of claims.`,
);
for (const table of TABLES) {
  for (const repeated of [false, true]) {
    const names = [table.bare, ...(repeated ? table.repeated : table.distinct)];
    const samples = new Map(names.map((name) => [name, []]));
    // One unmeasured run each first: JIT, connection pools, key imports, JWK set fetches.
    for (const name of names) await rps(targets[name], repeated, 1);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) samples.get(name).push(await rps(targets[name], repeated));
    }
    const stats = new Map(names.map((name) => [name, summarize(samples.get(name))]));
    const bare = stats.get(table.bare).median;
    const bestPeer = Math.max(
      ...names.filter((name) => name !== table.bare && !isOurs(name)).map((name) => stats.get(name).median),
    );
    const rows = names.map((name) => {
      const { min, median, max } = stats.get(name);
      return [
        name,
        Math.round(min).toLocaleString('en'),
        Math.round(median).toLocaleString('en'),
        Math.round(max).toLocaleString('en'),
        ratio(median / bare),
        isOurs(name) ? ratio(median / bestPeer) : '',
      ];
    });
    out.log(`\n#### ${table.title}, ${repeated ? 'one repeated token' : 'distinct tokens'}\n`);
    out.log(markdownTable(['route', 'req/s min', 'median', 'max', '× bare route', '× best peer'], rows));
  }
}
child.kill();
out.save();
