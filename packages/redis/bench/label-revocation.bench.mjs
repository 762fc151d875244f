// @rs/redis revocation by label at scale, on one Redis and on a Redis Cluster (three primaries, three
// replicas), all redis-server processes on loopback, the store as the source has it now. Prints, for each:
//   - ANSWERS answers of one client (each with its own `jti` and subject) written through the store: Redis
//     memory and keys per answer;
//   - the client revoked (`deleteLabelled`) by one instance: time, answers deleted, commands, Redis CPU;
//   - what the deleted answers leave in Redis until they would have expired (their index members);
//   - the repeat every instance makes once it hears of the revocation, INSTANCES at once, then one more
//     revocation of the same client: time, commands and Redis CPU, though nothing is left to delete;
//   - churn: one subject whose answers are written and revoked all the time: how many index members a
//     revocation of it scans, against how many answers it deletes, over time.
// Asserts nothing.
//
//   node bench/label-revocation.bench.mjs             (in packages/redis, with @rs/core built)
//   BENCH_ANSWERS=20000 BENCH_INSTANCES=8 …           (fewer answers, more instances repeating)
//   BENCH_WRITE_README=1 …                            (also puts the figures into README.md between the markers)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ANSWERS = Number(process.env.BENCH_ANSWERS ?? 100_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 4);
/** Writes under way at once, each 1 + 4 commands per label: well within `maxPendingCommands`. */
const WRITES_IN_FLIGHT = 200;
/** The answers' lifetime in Redis: the token cache's `maxTtl` (5 min), the longest an index member stays. */
const ANSWER_TTL_MS = 300_000;
const CHURN = { seconds: 30, answersPerSecond: 500, ttlMs: 10_000, revocationEveryMs: 1_000 };
const CLIENT_LABEL = 'client:bench-client';
const here = dirname(fileURLToPath(import.meta.url));

const bench = await loadLauncher();
const lines = [];
const print = (line = '') => {
  lines.push(line);
  console.log(line);
};

try {
  print(
    `${ANSWERS} answers of one client, each with its own \`jti\` and subject, kept ${ANSWER_TTL_MS / 60_000} min; ${INSTANCES} other instances repeating the revocation (${(await bench.redisCli(['--version'])).trim()}, node-redis)`,
  );
  print(`${availableParallelism()} CPUs (load average ${loadavg()[0].toFixed(1)} at start)`);
  print();
  print(
    '| deployment | step | time | answers deleted | index members scanned | UNLINK commands | Redis CPU | Redis memory |',
  );
  print('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  const churn = [];
  for (const deployment of ['one Redis', 'Cluster 3+3']) {
    const redis = deployment === 'one Redis' ? await oneRedis() : await clusterRedis();
    try {
      await clientRevocation(deployment, redis);
      churn.push([deployment, await subjectChurn(redis)]);
    } finally {
      await redis.stop();
    }
  }
  print();
  print(
    `Churn: one subject, ${CHURN.answersPerSecond} new answers per second kept ${CHURN.ttlMs / 1000} s each, the subject revoked every ${CHURN.revocationEveryMs / 1000} s for ${CHURN.seconds} s`,
  );
  print();
  print('| deployment | seconds into the run | answers deleted | index members scanned | revocation time |');
  print('| --- | ---: | ---: | ---: | ---: |');
  for (const [deployment, samples] of churn) {
    for (const sample of samples) {
      print(
        `| ${deployment} | ${sample.second} | ${sample.deleted} | ${sample.members} | ${milliseconds(sample.ms)} |`,
      );
    }
  }
} finally {
  await bench.dispose();
}

if (process.env.BENCH_WRITE_README === '1') writeReadme(lines);

// ------------------------------------------------------------------------------------------------ stages

/** One client's answers written, revoked by one instance, then the repeats of the others. */
async function clientRevocation(deployment, redis) {
  const writer = await redis.store();
  const baseline = await redis.totals();
  const started = performance.now();
  await writeAnswers(writer, ANSWERS, (i) => ({
    key: `rs:token:bench:${i}`,
    claims: { sub: `user-${i}`, username: `user-${i}`, client_id: 'bench-client', jti: `jti-${i}` },
    ttlMs: ANSWER_TTL_MS,
  }));
  const written = await redis.totals();
  const valueBytes = await redis.valueBytes('rs:token:bench:0');
  const writeSeconds = (performance.now() - started) / 1000;
  const memory = written.memory - baseline.memory;
  print(
    `| ${deployment} | ${ANSWERS} answers written (${Math.round(ANSWERS / writeSeconds)}/s) | ${seconds(writeSeconds * 1000)} | — | — | — | — | ${mb(memory)} (${kb(memory / ANSWERS)} and ${((written.keys - baseline.keys) / ANSWERS).toFixed(2)} keys per answer, values of ${valueBytes} bytes) |`,
  );

  const revoker = await redis.store();
  const first = await measured(redis, [revoker], (store) => store.deleteLabelled(CLIENT_LABEL));
  const left = first.after.memory - baseline.memory;
  print(
    `| ${deployment} | the client revoked | ${seconds(first.ms)} | ${first.deleted} | ${first.members} | ${first.unlinks} | ${seconds(first.cpuMs)} | ${mb(left)} left until the answers would have expired (${kb(left / ANSWERS)} per deleted answer) |`,
  );

  const others = await Promise.all(Array.from({ length: INSTANCES }, () => redis.store()));
  const repeats = await measured(redis, others, (store) =>
    store.deleteLabelled(CLIENT_LABEL, { alreadyAnnounced: true }),
  );
  print(
    `| ${deployment} | its repeat by ${INSTANCES} instances at once | ${seconds(repeats.ms)} | ${repeats.deleted} | ${repeats.members} × ${INSTANCES} | ${repeats.unlinks} | ${seconds(repeats.cpuMs)} | — |`,
  );
  const again = await measured(redis, [revoker], (store) => store.deleteLabelled(CLIENT_LABEL));
  print(
    `| ${deployment} | the client revoked again | ${seconds(again.ms)} | ${again.deleted} | ${again.members} | ${again.unlinks} | ${seconds(again.cpuMs)} | — |`,
  );
  await Promise.all([writer, revoker, ...others].map((store) => store.close()));
}

/**
 * One subject's answers written at a steady rate and revoked every `revocationEveryMs`: samples, every 5 s,
 * what the revocation scanned against what it deleted.
 */
async function subjectChurn(redis) {
  const writer = await redis.store();
  const revoker = await redis.store();
  const samples = [];
  const started = performance.now();
  let written = 0;
  let nextSample = 5;
  for (let tick = 1; (performance.now() - started) / 1000 < CHURN.seconds; tick++) {
    const due = Math.floor(((performance.now() - started) / 1000) * CHURN.answersPerSecond);
    const from = written;
    written = due;
    await writeAnswers(writer, due - from, (i) => ({
      key: `rs:token:churn:${from + i}`,
      claims: { sub: 'churning-user', client_id: 'churn-client', jti: `churn-${from + i}` },
      ttlMs: CHURN.ttlMs,
    }));
    const members = await redis.indexSize(`sub:churning-user`);
    const revocationStarted = performance.now();
    const deleted = await revoker.deleteLabelled('sub:churning-user');
    const ms = performance.now() - revocationStarted;
    const second = Math.floor((performance.now() - started) / 1000);
    if (second >= nextSample) {
      samples.push({ second, deleted, members, ms });
      nextSample += 5;
    }
    const wait = started + tick * CHURN.revocationEveryMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all([writer, revoker].map((store) => store.close()));
  return samples;
}

// ------------------------------------------------------------------------------------------------ Redis

async function oneRedis() {
  const server = await bench.startRedis();
  const nodes = [{ port: server.port }];
  return deploymentOf(nodes, { url: server.url }, () => bench.stopAllRedis());
}

async function clusterRedis() {
  const cluster = await bench.startRedisCluster();
  return deploymentOf(
    () => cluster.primaries(),
    { cluster: { rootNodes: cluster.rootNodes } },
    () => cluster.stop(),
  );
}

/** What the stages need of a deployment: stores on it, and totals over its primaries. */
function deploymentOf(primaries, connection, stop) {
  const primaryList = async () => (typeof primaries === 'function' ? primaries() : primaries);
  const anyPort = async () => (await primaryList())[0].port;
  const stores = [];
  return {
    async store() {
      const store = bench.redisTokenCacheStore({
        ...connection,
        localMaxEntries: 1,
        // A loaded machine must not turn the figures into timeouts.
        commandTimeout: 10_000,
        maxPendingCommands: 20_000,
        onError: (error) => console.error(error.message),
      });
      stores.push(store);
      while (!(store.stats().connected && store.stats().subscribed)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return store;
    },
    /** Used memory, keys, UNLINK calls and CPU time, summed over the primaries. */
    async totals() {
      const totals = { memory: 0, keys: 0, unlinks: 0, cpuMs: 0 };
      for (const { port } of await primaryList()) {
        const info = await bench.redisCli(['-p', String(port), 'INFO', 'all']);
        totals.memory += Number(/^used_memory:(\d+)/m.exec(info)[1]);
        totals.keys += Number(/^db0:keys=(\d+)/m.exec(info)?.[1] ?? 0);
        totals.unlinks += Number(/^cmdstat_unlink:calls=(\d+)/m.exec(info)?.[1] ?? 0);
        totals.cpuMs +=
          (Number(/^used_cpu_sys:([\d.]+)/m.exec(info)[1]) +
            Number(/^used_cpu_user:([\d.]+)/m.exec(info)[1])) *
          1000;
      }
      return totals;
    },
    /** Members of the index of `label` (a cluster node redirects to the one that holds it). */
    async indexSize(label) {
      const key = `rs:token:index:${bench.labelHash(label)}`;
      return Number((await bench.redisCli(['-c', '-p', String(await anyPort()), 'ZCARD', key])).trim());
    },
    /** The length of the value stored under `key`. */
    async valueBytes(key) {
      return Number((await bench.redisCli(['-c', '-p', String(await anyPort()), 'STRLEN', key])).trim());
    },
    async stop() {
      await Promise.all(stores.map((store) => store.close()));
      await stop();
    },
  };
}

/** Runs `revoke` on every store at once; the time until all are done, and what Redis did meanwhile. */
async function measured(redis, stores, revoke) {
  const members = await redis.indexSize(CLIENT_LABEL);
  const before = await redis.totals();
  const started = performance.now();
  const deleted = await Promise.all(stores.map(revoke));
  const ms = performance.now() - started;
  const after = await redis.totals();
  return {
    ms,
    deleted: deleted.reduce((total, count) => total + count, 0),
    members,
    unlinks: after.unlinks - before.unlinks,
    cpuMs: after.cpuMs - before.cpuMs,
    after,
  };
}

/** Writes `count` answers through `store`, `WRITES_IN_FLIGHT` at a time. */
async function writeAnswers(store, count, answerAt) {
  let next = 0;
  const now = Date.now();
  const writeNext = async () => {
    while (next < count) {
      const { key, claims, ttlMs } = answerAt(next++);
      const info = bench.tokenInfoFromClaims(
        {
          active: true,
          iss: 'https://as.bench.test',
          aud: 'https://api.bench.test',
          scope: 'items:read items:write',
          token_type: 'Bearer',
          iat: Math.floor(now / 1000),
          exp: Math.floor(now / 1000) + 3600,
          ...claims,
        },
        'introspection',
      );
      await store.set(key, { info, usableUntil: now + ttlMs }, ttlMs);
    }
  };
  await Promise.all(Array.from({ length: WRITES_IN_FLIGHT }, writeNext));
}

// ------------------------------------------------------------------------------------------------ helpers

function seconds(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function milliseconds(ms) {
  return `${Math.round(ms)} ms`;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(2)} KB`;
}

function writeReadme(printed) {
  const readme = join(here, '../README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- label-revocation-bench:start -->';
  const end = '<!-- label-revocation-bench:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} markers`);
  const figures = `${start}\n\n${printed.join('\n')}\n\n${end}`;
  writeFileSync(readme, text.slice(0, from) + figures + text.slice(to + end.length));
  console.log('README.md updated');
}

/** The test suite's Redis launchers, the store's source and @rs/core, bundled with tsup into a temporary folder. */
async function loadLauncher() {
  const outDir = mkdtempSync(join(here, '../node_modules/.label-revocation-bench-'));
  const { build } = await import('tsup');
  await build({
    entry: { launcher: join(here, 'label-revocation-launcher.ts') },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    outExtension: () => ({ js: '.mjs' }),
    external: ['redis', 'lru-cache', 'cluster-key-slot'],
    // Taken into the bundle: a rebuild of @rs/core during the run cannot pull it away.
    noExternal: ['@rs/core'],
    config: false,
    dts: false,
    silent: true,
  });
  const module = await import(pathToFileURL(join(outDir, 'launcher.mjs')).href);
  return { ...module, dispose: async () => rmSync(outDir, { recursive: true, force: true }) };
}
