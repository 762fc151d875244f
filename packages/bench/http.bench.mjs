// Requests per second through a protected route, @rs beside its peers, with autocannon on loopback:
// Fastify (bare, @fastify/jwt, @rs/fastify) and Express (bare, express-oauth2-jwt-bearer,
// express-jwt + jwks-rsa, @rs/express). Distinct RS256 tokens, then one repeated token (caches on). With
// distinct tokens, a floor route beside them: the same framework with a raw node:crypto check of the
// signature and nothing else, what any JWT check costs at least.
// Each server runs in a child process of its own; rounds are interleaved. Prints Markdown; asserts nothing.
//
//   pnpm --filter @rs/bench bench:http      (after building @rs/core, @rs/fastify, @rs/express)
//   BENCH_HTTP_SECONDS=5 BENCH_HTTP_ROUNDS=7 BENCH_HTTP_TABLES=Fastify …
import { execFileSync, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { benchKey, distinctTokens } from './lib/fixtures.mjs';
import { acrossRounds, summarize } from './lib/measure.mjs';
import { report as createReport, markdownTable, ratio } from './lib/table.mjs';

const out = createReport('http');
// Many short rounds rather than a few long ones: on a shared machine the time a neighbour holds a core
// drifts within seconds, and a round of one second per route compares routes run seconds apart. The
// ratios are the medians of the per-round ratios, so that a slow moment counts against every route of
// its round rather than against whichever route it fell on.
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 16);

// The server under load and autocannon on a core each, when the machine has two and `taskset` (Linux):
// otherwise the scheduler now and then runs both on one core, and a round measures their contention
// rather than the route. `-a`: every thread of this process, those V8 started already included.
// BENCH_HTTP_PIN=0 leaves both to the scheduler.
const pinned = process.env.BENCH_HTTP_PIN !== '0' && availableParallelism() >= 2 && canPin();
if (pinned) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

function canPin() {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const key = benchKey('RS256');
const tokens = distinctTokens(key, 2000);

const TABLES = [
  {
    title: 'Fastify 5',
    bare: 'fastify (bare)',
    floor: 'fastify + node:crypto verify (floor)',
    distinct: ['@fastify/jwt', '@rs/fastify'],
    repeated: ['@fastify/jwt (cache)', '@rs/fastify (verified-token cache)'],
  },
  {
    title: 'Express 5',
    bare: 'express (bare)',
    floor: 'express + node:crypto verify (floor)',
    distinct: ['express-oauth2-jwt-bearer', 'express-jwt + jwks-rsa', '@rs/express'],
    repeated: ['express-oauth2-jwt-bearer', 'express-jwt + jwks-rsa', '@rs/express (verified-token cache)'],
  },
];

// BENCH_HTTP_TABLES=Fastify (or Express) runs one table only.
const only = process.env.BENCH_HTTP_TABLES;
const tables = TABLES.filter((t) => only === undefined || t.title.startsWith(only));

/** One server per child process, by name; each answers `cpu` with its CPU time so far. */
const servers = new Map();
for (const name of new Set(tables.flatMap((t) => [t.bare, t.floor, ...t.distinct, ...t.repeated]))) {
  const child = fork(new URL('./http-servers.mjs', import.meta.url), {
    // `taskset -c 1 node …`: fork runs execPath with execArgv before the module.
    ...(pinned ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath] } : {}),
    env: {
      ...process.env,
      BENCH_TARGET: name,
      BENCH_KEY: JSON.stringify({ jwk: key.jwk, pem: key.pem }),
    },
  });
  const { url } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${name}: server exited with ${code}`)));
  });
  servers.set(name, { child, url });
}

const isOurs = (name) => name.startsWith('@rs/');
const perRound = (figure) => acrossRounds(ROUNDS, figure);

const spread = ({ min, median, max }) => `${ratio(min)} to ${ratio(max)} (median ${ratio(median)})`;

/** A server's CPU time so far (µs, user + system). */
function serverCpu(child) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.cpu === undefined) return;
      child.off('message', onMessage);
      resolve(message.cpu.user + message.cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

/**
 * One autocannon run: requests per second, and the server's CPU µs per request. Every answer must be
 * a 200.
 */
async function run(name, repeated, seconds = SECONDS) {
  const { child, url } = servers.get(name);
  const before = await serverCpu(child);
  const result = await rps(url, repeated, seconds);
  const cpu = (await serverCpu(child)) - before;
  return { rps: result.requests.total / result.duration, cpuPerRequest: cpu / result.requests.total };
}

async function rps(url, repeated, seconds) {
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
  return result;
}

out.log(
  `HTTP on loopback, node ${process.version}: autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, ` +
    `${ROUNDS} interleaved rounds (min / median / max; each ratio is the median of the per-round ratios); ` +
    `RS256, 1 KB of claims; ${pinned ? 'the server under load on one core, autocannon on the other (taskset)' : 'server and autocannon where the scheduler puts them'}. Requests per second count ` +
    'the time other processes held a core; the server CPU per request (each server runs in a process of ' +
    'its own, measured one at a time) does not, so on a shared machine its ratios are the ones to read.',
);
for (const table of tables) {
  for (const repeated of [false, true]) {
    const names = [table.bare, ...(repeated ? table.repeated : [table.floor, ...table.distinct])];
    const samples = new Map(names.map((name) => [name, { rps: [], cpu: [] }]));
    // One unmeasured run each first: JIT, connection pools, key imports, JWK set fetches.
    for (const name of names) await run(name, repeated, 2);
    for (let round = 0; round < ROUNDS; round++) {
      // The order turns by one each round, so that no route always follows the same one.
      for (let turn = 0; turn < names.length; turn++) {
        const name = names[(round + turn) % names.length];
        const measured = await run(name, repeated);
        samples.get(name).rps.push(measured.rps);
        samples.get(name).cpu.push(measured.cpuPerRequest);
      }
    }
    const rpsOf = new Map(names.map((name) => [name, summarize(samples.get(name).rps)]));
    const cpuOf = new Map(names.map((name) => [name, summarize(samples.get(name).cpu)]));
    const peers = names.filter((name) => name !== table.bare && name !== table.floor && !isOurs(name));
    const rps = (name, round) => samples.get(name).rps[round];
    const cpu = (name, round) => samples.get(name).cpu[round];
    const bestPeerRps = (round) => Math.max(...peers.map((peer) => rps(peer, round)));
    const bestPeerCpu = (round) => Math.min(...peers.map((peer) => cpu(peer, round)));
    const rows = names.map((name) => {
      const { min, median, max } = rpsOf.get(name);
      const cpuSpread = cpuOf.get(name);
      return [
        name,
        `${Math.round(min).toLocaleString('en')} / ${Math.round(median).toLocaleString('en')} / ${Math.round(max).toLocaleString('en')}`,
        ratio(perRound((round) => rps(name, round) / rps(table.bare, round)).median),
        isOurs(name) ? ratio(perRound((round) => rps(name, round) / bestPeerRps(round)).median) : '',
        `${cpuSpread.min.toFixed(0)} / ${cpuSpread.median.toFixed(0)} / ${cpuSpread.max.toFixed(0)}`,
        ratio(perRound((round) => cpu(table.bare, round) / cpu(name, round)).median),
        isOurs(name) ? ratio(perRound((round) => bestPeerCpu(round) / cpu(name, round)).median) : '',
      ];
    });
    out.log(`\n#### ${table.title}, ${repeated ? 'one repeated token' : 'distinct tokens'}\n`);
    out.log(
      markdownTable(
        [
          'route',
          'req/s min / median / max',
          '× bare',
          '× best peer',
          'server CPU µs/request min / median / max',
          '× bare (CPU)',
          '× best peer (CPU)',
        ],
        rows,
      ),
    );
    for (const name of names.filter(isOurs)) {
      const byRps = perRound((round) => rps(name, round) / bestPeerRps(round));
      const byCpu = perRound((round) => bestPeerCpu(round) / cpu(name, round));
      out.log(
        `\n${name} against the best peer of each round: ${spread(byRps)} the requests per second, ` +
          `${spread(byCpu)} by server CPU.`,
      );
      if (repeated) continue;
      const served = perRound((round) => rps(name, round) / rps(table.floor, round)).median;
      const above = perRound((round) => cpu(name, round) - cpu(table.floor, round)).median;
      out.log(
        `It serves ${ratio(served)} the requests per second of the floor route, with ` +
          `${Math.abs(above).toFixed(0)} µs of server CPU a request ${above < 0 ? 'less' : 'more'}.`,
      );
    }
  }
}
for (const { child } of servers.values()) child.kill();
out.save();
