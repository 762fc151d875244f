import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisReplayStore,
  type RedisStoreError,
  type RedisTokenCacheStore,
  redisReplayStore,
  redisTokenCacheStore,
} from '../src/index.js';
import { silentConnectionTimeout } from '../src/owned-client.js';
import { timed, waitFor } from './helpers.js';
import { leftBehind, openHandles } from './open-handles.js';
import { freePort, type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { SENTINEL_MASTER_NAME, startRedisSentinel } from './redis-sentinel.js';
import { type SilentServer, startSilentServer } from './silent-server.js';
import { startTcpForwarder } from './tcp-forwarder.js';

let redis: RedisProcess;
const stores: { close(): Promise<void> }[] = [];
const silentServers: SilentServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  redis.thaw();
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await Promise.all(silentServers.splice(0).map((server) => server.close()));
  await redis.restart();
});
afterAll(() => stopAllRedis());

// How long a connection may stay silent before the store cuts it, for the stores' default commandTimeout
// (250 ms for the token cache, 1 s for the replay store). Every bound below is a multiple of it.
const SILENCE_MS = Math.max(silentConnectionTimeout(250), silentConnectionTimeout(1_000));
// The grace period close() gives commands under way before it cuts the connection.
const CLOSE_GRACE_MS = 1_000;
// Generous for a loaded machine; what matters is that close() ends at all while nothing answers.
const CLOSE_BOUND_MS = 5 * CLOSE_GRACE_MS;
const RECONNECT_MAX_DELAY_MS = 200;

function replayStoreOn(url: string, errors: RedisStoreError[] = []): RedisReplayStore {
  const store = redisReplayStore({
    url,
    reconnectMaxDelay: RECONNECT_MAX_DELAY_MS,
    onError: (error) => errors.push(error),
  });
  stores.push(store);
  return store;
}

function cacheStoreOn(url: string, errors: RedisStoreError[] = []): RedisTokenCacheStore {
  const store = redisTokenCacheStore({
    url,
    reconnectMaxDelay: RECONNECT_MAX_DELAY_MS,
    onError: (error) => errors.push(error),
  });
  stores.push(store);
  return store;
}

/** Kills Redis and listens on its port without ever answering: reconnections are accepted, then nothing. */
async function silenceRedis(): Promise<SilentServer> {
  await redis.kill();
  const silent = await startSilentServer(redis.port);
  silentServers.push(silent);
  return silent;
}

/** Frees the port (the connections the silent server accepted stay open) and starts a healthy Redis on it. */
async function healthyRedisBack(silent: SilentServer): Promise<void> {
  await silent.stopListening();
  await redis.restart();
}

function connected(replay: RedisReplayStore, cache: RedisTokenCacheStore): boolean {
  return replay.health?.().connected === true && cache.stats().connected && cache.stats().subscribed;
}

function toldOfSilence(errors: readonly RedisStoreError[]): boolean {
  return errors.some((error) => error.operation === 'connection' && /timeout/i.test(error.message));
}

/** Lets closed sockets and cleared timers leave the list of active resources. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('a Redis port that accepts connections and never answers', () => {
  it(
    'a connected store cuts its stuck reconnections, and is usable again once a healthy Redis is back',
    async () => {
      const errors: RedisStoreError[] = [];
      const replay = replayStoreOn(redis.url, errors);
      const cache = cacheStoreOn(redis.url, errors);
      await waitFor('the stores to connect', () => connected(replay, cache));

      const silent = await silenceRedis();
      // The replay store's client, the cache's client and its subscriber each reconnect into the silence.
      await waitFor('the reconnections to be accepted', () => silent.accepted >= 3, SILENCE_MS);
      expect(replay.health?.().connected || cache.stats().connected || cache.stats().subscribed).toBe(false);
      await healthyRedisBack(silent);

      // The stuck connections are cut after SILENCE_MS, then the next attempt finds the healthy Redis.
      await waitFor('the stores to reconnect', () => connected(replay, cache), 3 * SILENCE_MS);
      expect(await replay.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000)).toBe(true);
      // The server never closed a connection: the stores got out of them by cutting them.
      expect(silent.held).toBe(0);
      expect(toldOfSilence(errors)).toBe(true);
    },
    8 * SILENCE_MS,
  );

  it(
    'a store whose first connection is stuck tells onError, keeps trying, and connects once a healthy Redis is back',
    async () => {
      const errors: RedisStoreError[] = [];
      const silent = await silenceRedis();
      const replay = replayStoreOn(redis.url, errors);
      const cache = cacheStoreOn(redis.url, errors);
      await waitFor('the connections to be accepted', () => silent.accepted >= 3, SILENCE_MS);
      await expect(replay.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000)).rejects.toMatchObject({
        operation: 'remember',
      });

      // Each stuck attempt is cut, told as a connection problem, and followed by another.
      await waitFor('a connection problem told to onError', () => toldOfSilence(errors), 3 * SILENCE_MS);
      await waitFor('attempts after the cut', () => silent.accepted >= 4, 3 * SILENCE_MS);
      await healthyRedisBack(silent);

      await waitFor('the stores to connect', () => connected(replay, cache), 3 * SILENCE_MS);
      expect(await replay.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000)).toBe(true);
    },
    10 * SILENCE_MS,
  );

  it('close() settles at once while the handshake hangs, and leaves no socket or timer behind', async () => {
    const before = openHandles();
    const silent = await startSilentServer();
    const url = `redis://127.0.0.1:${silent.port}`;
    const replay = replayStoreOn(url);
    const cache = cacheStoreOn(url);
    await waitFor('the connections to be accepted', () => silent.accepted >= 3, SILENCE_MS);

    const { ms } = await timed(() => Promise.all([replay.close(), cache.close()]));

    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    await waitFor('the stores to cut their connections', () => silent.held === 0, CLOSE_BOUND_MS);
    await silent.close();
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
  });
});

describe('a server that answers the handshake with something else, then nothing', () => {
  it(
    'the store tells onError, keeps trying, and close() settles and leaves nothing behind',
    async () => {
      const before = openHandles();
      const replies = {
        nonsense: '%%%garbage\r\n',
        'a wrong type': ':42\r\n',
        'the start of a reply that never ends': `$100000000\r\n${'x'.repeat(100_000)}`,
      };
      const servers = await Promise.all(Object.values(replies).map((reply) => startSilentServer(0, reply)));
      silentServers.push(...servers);
      const errors = servers.map(() => [] as RedisStoreError[]);
      const replayStores = servers.map((server, index) =>
        replayStoreOn(`redis://127.0.0.1:${server.port}`, errors[index]),
      );
      await waitFor(
        'every store to be told of a connection problem',
        () => errors.every((told) => told.some((error) => error.operation === 'connection')),
        3 * SILENCE_MS,
      );
      await waitFor(
        'attempts after the cut',
        () => servers.every((server) => server.accepted >= 2),
        3 * SILENCE_MS,
      );
      expect(replayStores.some((store) => store.health?.().connected)).toBe(false);

      const { ms } = await timed(() => Promise.all(replayStores.map((store) => store.close())));

      expect(ms).toBeLessThan(CLOSE_BOUND_MS);
      await Promise.all(servers.map((server) => server.close()));
      await settle();
      expect(leftBehind(before, openHandles())).toEqual({});
    },
    8 * SILENCE_MS,
  );
});

describe('a Redis frozen (SIGSTOP) before the store connects', () => {
  it('close() settles, and leaves no socket or timer behind', async () => {
    const before = openHandles();
    redis.freeze();
    const replay = replayStoreOn(redis.url);
    const cache = cacheStoreOn(redis.url);
    // The kernel accepts the connections for the frozen server; their handshakes get no answer.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const { ms } = await timed(() => Promise.all([replay.close(), cache.close()]));

    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    redis.thaw();
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
  });

  it(
    'is cut and retried while frozen, told to onError, and the store connects once Redis runs again',
    async () => {
      const errors: RedisStoreError[] = [];
      redis.freeze();
      const replay = replayStoreOn(redis.url, errors);
      const cache = cacheStoreOn(redis.url, errors);
      await waitFor('a connection problem told to onError', () => toldOfSilence(errors), 3 * SILENCE_MS);
      redis.thaw();

      await waitFor('the stores to connect', () => connected(replay, cache), 3 * SILENCE_MS);
      expect(await replay.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000)).toBe(true);
    },
    8 * SILENCE_MS,
  );
});

describe('cluster and Sentinel nodes that accept connections and never answer', () => {
  it.each([
    ['cluster', (port: number) => ({ cluster: { rootNodes: [{ host: '127.0.0.1', port }] } })],
    [
      'sentinel',
      (port: number) => ({ sentinel: { name: 'rs-main', sentinelRootNodes: [{ host: '127.0.0.1', port }] } }),
    ],
  ] as const)(
    'a %s store cuts the stuck discovery, tells onError, and close() leaves nothing behind',
    async (_kind, where) => {
      const before = openHandles();
      const silent = await startSilentServer();
      const errors: RedisStoreError[] = [];
      const store = redisReplayStore({
        ...where(silent.port),
        reconnectMaxDelay: RECONNECT_MAX_DELAY_MS,
        onError: (error) => errors.push(error),
      });
      stores.push(store);
      await waitFor('the discovery connection to be accepted', () => silent.accepted >= 1, SILENCE_MS);
      // The discovery's stuck handshake is cut, told, and tried again.
      await waitFor(
        'a connection problem told to onError',
        () => errors.some((e) => e.operation === 'connection'),
        3 * SILENCE_MS,
      );
      await waitFor('another attempt', () => silent.accepted >= 2, 3 * SILENCE_MS);

      const { ms } = await timed(() => store.close());

      // close() may wait for the attempt under way, which is cut after SILENCE_MS at most.
      expect(ms).toBeLessThan(SILENCE_MS + CLOSE_BOUND_MS);
      await waitFor('the store to cut its connections', () => silent.held === 0, CLOSE_BOUND_MS);
      await silent.close();
      await settle();
      expect(leftBehind(before, openHandles())).toEqual({});
    },
    8 * SILENCE_MS,
  );
});

describe('Sentinel unreachable when the store starts', () => {
  it('the store keeps trying after node-redis gave its first connection up, and connects once a sentinel answers', async () => {
    const setup = await startRedisSentinel();
    const port = await freePort();
    const errors: RedisStoreError[] = [];
    const store = redisReplayStore({
      sentinel: { name: SENTINEL_MASTER_NAME, sentinelRootNodes: [{ host: '127.0.0.1', port }] },
      reconnectMaxDelay: RECONNECT_MAX_DELAY_MS,
      onError: (error) => errors.push(error),
    });
    stores.push(store);
    try {
      // node-redis asks the sentinels again and again (16 times, a second apart), then gives up.
      await waitFor(
        'node-redis to give the first connection up',
        () => errors.some((error) => /None of the sentinels are available/.test(error.message)),
        60_000,
      );
      const forwarder = await startTcpForwarder(port, setup.sentinelRootNodes[0]!.port);
      try {
        await waitFor('the store to connect', () => store.health?.().connected === true, 20_000);
        expect(await store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000)).toBe(true);
      } finally {
        await store.close();
        await forwarder.close();
      }
    } finally {
      await setup.stop();
    }
  }, 150_000);
});
