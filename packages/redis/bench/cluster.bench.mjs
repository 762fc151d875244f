// @rs/redis on a Redis Cluster: a real cluster (three primaries, three replicas, redis-server on loopback)
// shared by 1, 2 and 4 resource-server instances, each a worker thread (cluster-instance.mjs). Prints:
//   - requests/s with cached opaque tokens, served by the in-process tier (the default) and by Redis
//     (an in-process tier of one entry, so that every request reads Redis), and Redis operations per
//     request, counted from INFO commandstats on every primary before and after;
//   - eviction propagation: evict on one instance, time until each other instance refuses the token (p50/p99);
//   - a primary handed over to its replica (CLUSTER FAILOVER), then one killed, under load (two instances,
//     Redis-tier lookups and a DPoP replay check per request).
// Asserts nothing; exits 1 only when a request was refused that should not have been.
//
//   npm run bench:cluster                      (at the repository root: builds @rs/core and @rs/redis first)
//   BENCH_SECONDS=3 BENCH_CONCURRENCY=8 …      (shorter run, fewer requests in flight per instance)
//   BENCH_WRITE_README=1 …                     (also puts the figures into README.md between the markers)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const EVICTION_ROUNDS = 100;
const CHANNEL = 'rs:token-cache:evict';
const TOKENS = Array.from({ length: 500 }, (_, i) => `opaque-${i}-${crypto.randomUUID()}`);
const here = dirname(fileURLToPath(import.meta.url));

const { CLUSTER_NODE_TIMEOUT_MS, startRedisCluster, redisCli, dispose } = await loadClusterLauncher();
const cluster = await startRedisCluster();
const lines = [];
const print = (line = '') => {
  lines.push(line);
  console.log(line);
};
let unexpected = 0;

try {
  print(
    `Redis Cluster: 3 primaries + 3 replicas on loopback (${(await redisCli(['--version'])).trim()}), node-redis cluster client`,
  );
  print(
    `${availableParallelism()} CPUs (load average ${loadavg()[0].toFixed(1)} at start); each instance a worker thread, ${CONCURRENCY} requests in flight each; ${SECONDS} s per run`,
  );
  print();
  print(
    '| instances | cached tokens served from | requests/s (all instances) | Redis ops per request | commands per request |',
  );
  print('| --- | --- | ---: | ---: | --- |');
  const propagation = [];
  for (const count of [1, 2, 4]) {
    for (const [tier, localMaxEntries, replay] of [
      ['in-process', 1_000, false],
      ['Redis', 1, false],
      ['in-process, + DPoP replay check', 1_000, true],
    ]) {
      const instances = await startInstances(count, localMaxEntries);
      const before = await commandStats();
      const results = await Promise.all(
        instances.map((instance) =>
          instance.call('load', { tokens: TOKENS, seconds: SECONDS, concurrency: CONCURRENCY, replay }),
        ),
      );
      const after = await commandStats();
      const requests = sum(results.map((r) => r.requests));
      unexpected += sum(results.map((r) => r.refused));
      const seconds = Math.max(...results.map((r) => r.seconds));
      const perCommand = difference(after, before);
      const ops = sum([...perCommand.values()]);
      const commands = [...perCommand]
        .filter(([, calls]) => calls / requests >= 0.01)
        .map(([name, calls]) => `${name} ${(calls / requests).toFixed(2)}`)
        .join(', ');
      print(
        `| ${count} | ${tier} | ${Math.round(requests / seconds)} | ${(ops / requests).toFixed(2)} | ${commands || '—'} |`,
      );
      if (localMaxEntries > 1 && !replay && count > 1)
        propagation.push([count, await evictionPropagation(instances)]);
      await closeAll(instances);
    }
  }
  print();
  print(
    'Eviction propagation: `evict` on one instance → each other instance refuses the token (UNLINK, then SPUBLISH)',
  );
  print();
  print('| instances | evictions | p50 ms | p99 ms | max ms |');
  print('| --- | ---: | ---: | ---: | ---: |');
  for (const [count, delays] of propagation) {
    print(
      `| ${count} | ${EVICTION_ROUNDS} (${delays.length} refusals) | ${percentile(delays, 50)} | ${percentile(delays, 99)} | ${percentile(delays, 100)} |`,
    );
  }
  print();
  await failoverUnderLoad({
    how: 'handed over to its replica (`CLUSTER FAILOVER`)',
    event: 'handover',
    async failover() {
      const { demoted, promoted } = await cluster.handOverPrimaryOf(CHANNEL);
      return { old: demoted, promoted };
    },
  });
  print();
  await failoverUnderLoad({
    how: 'killed (SIGKILL)',
    event: 'kill',
    async failover() {
      const { killed, promoted } = await cluster.killPrimaryOf(CHANNEL);
      return { old: killed, promoted };
    },
  });
} finally {
  await cluster.stop();
  await dispose();
}

if (process.env.BENCH_WRITE_README === '1') writeReadme(lines);
if (unexpected > 0) {
  console.error(`${unexpected} requests were refused that should have been accepted`);
  process.exitCode = 1;
}

// ------------------------------------------------------------------------------------------------ stages

/** Evicts a token on instance 0, and measures when each other instance refuses it. */
async function evictionPropagation(instances) {
  const [evicting, ...others] = instances;
  const delays = [];
  for (let round = 0; round < EVICTION_ROUNDS; round++) {
    const token = `evicted-${round}-${crypto.randomUUID()}`;
    for (const instance of instances) await instance.call('warm', { tokens: [token] });
    await Promise.all(instances.map((instance) => instance.call('revoke', { token })));
    // The others answer from their in-process tier until the eviction reaches them.
    const refusals = others.map((instance) => instance.call('untilRefused', { token }));
    const evictedAt = await evicting.call('evict', { token });
    for (const refusedAt of await Promise.all(refusals)) delays.push(refusedAt - evictedAt);
  }
  return delays;
}

/**
 * Two instances under Redis-tier load with a replay check per request; after 2 s, the channel's primary
 * fails over as `failover` makes it.
 */
async function failoverUnderLoad({ how, event, failover }) {
  const instances = await startInstances(2, 1);
  const seconds = Math.max(SECONDS * 2, 10);
  const running = Promise.all(
    instances.map((instance) =>
      instance.call('load', {
        tokens: TOKENS,
        seconds,
        concurrency: CONCURRENCY,
        replay: true,
        timeline: true,
      }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const failedOverAfter = 2;
  const started = performance.now();
  const { old, promoted } = await failover();
  const failoverMs = performance.now() - started;
  // Both instances' eviction subscribers on the promoted primary, while the load goes on.
  let subscribersMs;
  while (subscribersMs === undefined && performance.now() - started < (seconds - failedOverAfter) * 1_000) {
    const counted = await redisCli(['-p', String(promoted.port), 'PUBSUB', 'SHARDNUMSUB', CHANNEL]);
    if (Number(counted.trim().split('\n')[1]) === instances.length)
      subscribersMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const results = await running;
  const buckets = mergeBuckets(results.map((r) => r.buckets));
  const disrupted = buckets.map((b, i) => [i, b]).filter(([, b]) => b.replay503 > 0);
  const firstDisrupted = disrupted.at(0)?.[0];
  const lastDisrupted = disrupted.at(-1)?.[0];
  unexpected += sum(results.map((r) => r.refused));
  print(
    `Failover under load: 2 instances, Redis-tier lookups + one DPoP replay check per request, ${seconds} s;`,
  );
  print(`the primary of the eviction channel's shard (port ${old.port}) ${how} after ${failedOverAfter} s.`);
  print();
  print(
    `- replica (port ${promoted.port}) promoted, cluster healthy again: ${(failoverMs / 1000).toFixed(1)} s after the ${event} (cluster-node-timeout ${CLUSTER_NODE_TIMEOUT_MS} ms)`,
  );
  print(
    `- both instances' eviction subscribers on the promoted primary: ${subscribersMs === undefined ? 'not within the run' : `${(subscribersMs / 1000).toFixed(1)} s after the ${event}`}`,
  );
  if (subscribersMs === undefined) {
    console.error('the eviction subscribers did not reach the promoted primary within the run');
    process.exitCode = 1;
  }
  print(
    `- requests: ${sum(results.map((r) => r.requests))}, refused: ${sum(results.map((r) => r.refused))} (lookups never fail: a Redis error is a cache miss, answered by introspection)`,
  );
  print(
    `- token-cache operations that met a Redis error or skipped Redis (a miss, or a write not shared): ${sum(results.map((r) => r.redisTrouble))}; introspections instead: ${sum(results.map((r) => r.introspections))}`,
  );
  print(
    `- replay checks answered 503 (fail closed): ${sum(results.map((r) => r.replay503))}` +
      (firstDisrupted === undefined
        ? ''
        : `, from ${(firstDisrupted / 4).toFixed(2)} s to ${((lastDisrupted + 1) / 4).toFixed(2)} s into the run`),
  );
  const stats = await Promise.all(instances.map((instance) => instance.call('stats')));
  print(
    `- after the run: connected ${stats.map((s) => s.connected).join('/')}, subscribed ${stats.map((s) => s.subscribed).join('/')}, subscription restarts (local tier resynced) ${stats.map((s) => s.localResyncs).join('/')}`,
  );
  print();
  print('requests/s per second of the run (both instances), and replay checks answered 503:');
  print();
  print('```');
  // Whole seconds only: the last quarter-second buckets hold the loops finishing.
  for (let second = 0; second * 4 + 4 <= buckets.length; second++) {
    const window = buckets.slice(second * 4, second * 4 + 4);
    const ok = sum(window.map((b) => b.ok));
    const refused503 = sum(window.map((b) => b.replay503));
    print(
      `${String(second).padStart(3)} s ${String(ok).padStart(7)} req/s ${refused503 > 0 ? `  ${refused503} × 503` : ''}${second === failedOverAfter ? `   ← ${event}` : ''}`,
    );
  }
  print('```');
  await closeAll(instances);
}

// ------------------------------------------------------------------------------------------------ helpers

async function startInstances(count, localMaxEntries) {
  const instances = Array.from({ length: count }, (_, index) =>
    instance(
      new Worker(join(here, 'cluster-instance.mjs'), {
        workerData: { rootNodes: cluster.rootNodes, localMaxEntries, index },
      }),
    ),
  );
  await Promise.all(instances.map((i) => i.call('ready')));
  // One instance introspects and writes Redis, the others read what it wrote: every token is then cached everywhere.
  for (const i of instances) await i.call('warm', { tokens: TOKENS });
  return instances;
}

function instance(worker) {
  let next = 0;
  const waiting = new Map();
  worker.on('message', ({ id, value, error }) => {
    const pending = waiting.get(id);
    waiting.delete(id);
    if (error !== undefined) pending.reject(new Error(error));
    else pending.resolve(value);
  });
  worker.on('error', (error) => {
    for (const pending of waiting.values()) pending.reject(error);
  });
  return {
    worker,
    call(type, message = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, type, ...message });
      });
    },
  };
}

async function closeAll(instances) {
  await Promise.all(instances.map((i) => i.call('close')));
  await Promise.all(instances.map((i) => i.worker.terminate()));
}

/** Calls per command, summed over the primaries (INFO commandstats). */
async function commandStats() {
  const calls = new Map();
  for (const primary of await cluster.primaries()) {
    const info = await redisCli(['-p', String(primary.port), 'INFO', 'commandstats']);
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      calls.set(match[1], (calls.get(match[1]) ?? 0) + Number(match[2]));
    }
  }
  return calls;
}

function difference(after, before) {
  const delta = new Map();
  // The benchmark's own look at the cluster is not a request's cost.
  for (const [name, calls] of after) {
    if (name === 'info' || name.startsWith('cluster')) continue;
    const more = calls - (before.get(name) ?? 0);
    if (more > 0) delta.set(name.toUpperCase(), more);
  }
  return new Map([...delta].sort((a, b) => b[1] - a[1]));
}

function mergeBuckets(perInstance) {
  const merged = [];
  for (const buckets of perInstance) {
    buckets.forEach((bucket, index) => {
      merged[index] ??= { ok: 0, refused: 0, replay503: 0 };
      merged[index].ok += bucket?.ok ?? 0;
      merged[index].refused += bucket?.refused ?? 0;
      merged[index].replay503 += bucket?.replay503 ?? 0;
    });
  }
  return Array.from(merged, (bucket) => bucket ?? { ok: 0, refused: 0, replay503: 0 });
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at].toFixed(2);
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

function writeReadme(printed) {
  const readme = join(here, '../README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- cluster-bench:start -->';
  const end = '<!-- cluster-bench:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} markers`);
  const figures = `${start}\n\n${printed.join('\n')}\n\n${end}`;
  writeFileSync(readme, text.slice(0, from) + figures + text.slice(to + end.length));
  console.log('README.md updated');
}

/** The test suite's cluster launcher (TypeScript), bundled with tsup into a temporary folder. */
async function loadClusterLauncher() {
  const outDir = mkdtempSync(join(here, '../node_modules/.cluster-bench-'));
  const { build } = await import('tsup');
  await build({
    entry: { launcher: join(here, 'cluster-launcher.ts') },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    outExtension: () => ({ js: '.mjs' }),
    config: false,
    dts: false,
    silent: true,
  });
  const module = await import(pathToFileURL(join(outDir, 'launcher.mjs')).href);
  return { ...module, dispose: async () => rmSync(outDir, { recursive: true, force: true }) };
}
