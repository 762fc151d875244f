import { tokenInfoFromClaims } from '@rs/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTokenCacheStore } from '../src/index.js';
import { timed, waitFor } from './helpers.js';
import { leftBehind, openHandles } from './open-handles.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore } from './store-fixture.js';

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  redis.thaw();
  await redis.restart();
});
afterAll(() => stopAllRedis());

// The grace period close() gives commands under way before it cuts the connection.
const CLOSE_GRACE_MS = 1_000;
// Generous for a loaded machine; what matters is that close() ends at all while Redis hangs.
const CLOSE_BOUND_MS = 5 * CLOSE_GRACE_MS;
const answer = {
  info: tokenInfoFromClaims({ sub: 'alice', exp: 2_000_000_000 }, 'introspection'),
  usableUntil: 1_900_000_000_000,
};

/** Lets closed sockets and cleared timers leave the list of active resources. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

function replayStore(reconnectMaxDelay = 200) {
  return connectedReplayStore(redis.url, { commandTimeout: 5_000, reconnectMaxDelay });
}

async function connectedCacheStore(reconnectMaxDelay = 200) {
  const store = redisTokenCacheStore({ url: redis.url, commandTimeout: 5_000, reconnectMaxDelay });
  await waitFor(
    'the store to connect and subscribe',
    () => store.stats().connected && store.stats().subscribed,
  );
  return store;
}

describe('close() while Redis hangs (SIGSTOP)', () => {
  it('a replay store returns within its grace period and leaves no socket or timer behind', async () => {
    const before = openHandles();
    const store = await replayStore();
    redis.freeze();
    // A check under way, which a hung Redis never answers (its own timeout is longer than the grace).
    const check = store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000).catch((error: Error) => error);

    const { ms } = await timed(() => store.close());

    expect(ms).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 1);
    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    expect(await check).toBeInstanceOf(Error);
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
  });

  it('a token-cache store does the same, its subscriber included', async () => {
    const before = openHandles();
    const store = await connectedCacheStore();
    redis.freeze();
    const write = store.set('rs:token:hung', answer, 60_000).catch((error: Error) => error);

    const { ms } = await timed(() => store.close());

    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    expect(await write).toBeInstanceOf(Error);
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
  });
});

describe('close() while Redis is down and the client waits to reconnect', () => {
  it('leaves no reconnection pause running once it resolved', async () => {
    const reconnectMaxDelay = 1_500;
    const before = openHandles();
    const replay = await replayStore(reconnectMaxDelay);
    const cache = await connectedCacheStore(reconnectMaxDelay);
    await redis.kill();
    await waitFor('the stores to notice', () => !cache.stats().connected);
    // Several failed attempts, so that the pauses between them have grown.
    await new Promise((resolve) => setTimeout(resolve, 800));

    const { ms } = await timed(() => Promise.all([replay.close(), cache.close()]));

    expect(ms).toBeLessThan(reconnectMaxDelay + CLOSE_BOUND_MS);
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
  });
});

describe('close() of a store on a client given by the application', () => {
  it('closes the store’s subscriber and leaves the client open and working', async () => {
    const client = createClient({ url: redis.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const before = openHandles();
      const store = redisTokenCacheStore({ client });
      await waitFor('the subscription', () => store.stats().subscribed);
      await store.close();
      await settle();
      expect(leftBehind(before, openHandles())).toEqual({});
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.destroy();
    }
  });
});
