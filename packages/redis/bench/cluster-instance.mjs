// One resource-server instance of the cluster benchmark, in a worker thread of its own: createResourceServer
// with opaque tokens resolved by an in-process introspection stand-in behind tokenCache, the token cache on
// redisTokenCacheStore({ cluster }), a redisReplayStore({ cluster }). It answers the main thread's messages
// (see cluster.bench.mjs) and reports counts; it measures no time the main thread could not check.
import { parentPort, workerData } from 'node:worker_threads';
import { createResourceServer, tokenCache, tokenInfoFromClaims } from '@rs/core';
import { redisReplayStore, redisTokenCacheStore } from '../dist/index.js';

const API_URL = 'https://api.bench.test/items';
const { rootNodes, localMaxEntries, index } = workerData;

/** The authorization server's introspection endpoint, in-process: only the cache and Redis are measured. */
const revoked = new Set();
const introspection = {
  cacheNamespace: 'cluster-bench',
  introspections: 0,
  async resolve(token, context) {
    this.introspections++;
    if (revoked.has(token)) {
      return {
        ok: false,
        failure: { code: 'token_inactive', description: 'The access token is not active' },
      };
    }
    const claims = {
      active: true,
      sub: `user-${token}`,
      scope: 'items:read',
      exp: Math.floor(context.now / 1000) + 3600,
    };
    return { ok: true, value: tokenInfoFromClaims(claims, 'introspection') };
  },
};

const store = redisTokenCacheStore({ cluster: { rootNodes }, localMaxEntries, reconnectMaxDelay: 500 });
const replayStore = redisReplayStore({ cluster: { rootNodes }, reconnectMaxDelay: 500 });
const cache = tokenCache(introspection, { store, ttl: 600_000 });
const rs = createResourceServer({ resolver: cache });

const now = () => performance.timeOrigin + performance.now();
const authenticate = (token) =>
  rs.authenticate({ method: 'GET', url: API_URL, headers: { authorization: `Bearer ${token}` } });

/** Runs `concurrency` request loops for `seconds`; counts outcomes per quarter second when `timeline`. */
async function load({ tokens, seconds, concurrency, replay, timeline }) {
  const start = now();
  const end = start + seconds * 1000;
  const buckets = [];
  const bucket = () => {
    const at = Math.floor((now() - start) / 250);
    buckets[at] ??= { ok: 0, refused: 0, replay503: 0 };
    return buckets[at];
  };
  let requests = 0;
  let refused = 0;
  let replay503 = 0;
  const introspectionsBefore = introspection.introspections;
  const errorsBefore = store.stats().redisErrors + store.stats().redisSkipped;
  async function loop(offset) {
    for (let i = offset; now() < end; i += concurrency) {
      const result = await authenticate(tokens[i % tokens.length]);
      requests++;
      if (!result.ok) refused++;
      if (timeline) bucket()[result.ok ? 'ok' : 'refused']++;
      if (replay) {
        try {
          await replayStore.remember(`rs:dpop:bench:${index}:${crypto.randomUUID()}`, 60_000);
        } catch {
          replay503++;
          if (timeline) bucket().replay503++;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, offset) => loop(offset)));
  const stats = store.stats();
  return {
    requests,
    refused,
    replay503,
    seconds: (now() - start) / 1000,
    introspections: introspection.introspections - introspectionsBefore,
    redisTrouble: stats.redisErrors + stats.redisSkipped - errorsBefore,
    buckets: timeline ? buckets : undefined,
  };
}

/** Resolves `token` until this instance refuses it, from the moment the main thread asks. */
async function untilRefused(token) {
  for (;;) {
    const result = await authenticate(token);
    if (!result.ok) return now();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const handlers = {
  ready: async () => {
    while (!(store.stats().connected && store.stats().subscribed))
      await new Promise((r) => setTimeout(r, 20));
    for (;;) {
      try {
        await replayStore.remember(`rs:dpop:bench:probe:${crypto.randomUUID()}`, 1_000);
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  },
  warm: async ({ tokens }) => {
    for (const token of tokens) await authenticate(token);
    return true;
  },
  load,
  revoke: ({ token }) => {
    revoked.add(token);
    return true;
  },
  evict: async ({ token }) => {
    const at = now();
    await cache.evict(token);
    return at;
  },
  untilRefused: ({ token }) => untilRefused(token),
  stats: () => store.stats(),
  close: async () => {
    await Promise.all([store.close(), replayStore.close()]);
    return true;
  },
};

parentPort.on('message', async ({ id, type, ...message }) => {
  try {
    parentPort.postMessage({ id, value: await handlers[type](message) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.stack ?? error) });
  }
});
