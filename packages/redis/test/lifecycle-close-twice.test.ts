import { tokenInfoFromClaims } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTokenCacheStore } from '../src/index.js';
import { waitFor } from './helpers.js';
import { leftBehind, openHandles } from './open-handles.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore } from './store-fixture.js';

// Shutdown paths often close a store twice: a SIGTERM handler and a framework's close hook, a test's
// afterEach after the code under test closed it. A close() called while another is under way must
// resolve only once the store is closed, as the README promises of close(): a second call that resolved
// at once let a caller that awaited it exit, or assert on open handles, while the first still waited out
// its grace period with the connection open.

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  redis.thaw();
  await redis.restart();
});
afterAll(() => stopAllRedis());

/** Lets closed sockets and cleared timers leave the list of active resources. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const answer = {
  info: tokenInfoFromClaims({ sub: 'alice', exp: 2_000_000_000 }, 'introspection'),
  usableUntil: 1_900_000_000_000,
};

describe('close() called again while the first close waits for a hung Redis (SIGSTOP)', () => {
  it('of a replay store resolves only once the store is closed, leaving nothing behind', async () => {
    const before = openHandles();
    const store = await connectedReplayStore(redis.url, { commandTimeout: 5_000, reconnectMaxDelay: 200 });
    redis.freeze();
    // A check under way, which a hung Redis never answers: the first close() waits its grace period.
    const check = store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000).catch((error: Error) => error);
    let firstOver = false;
    const first = store.close().then(() => {
      firstOver = true;
    });

    await store.close();

    expect(firstOver).toBe(true);
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
    await first;
    expect(await check).toBeInstanceOf(Error);
  });

  it('of a token-cache store resolves only once the store is closed, leaving nothing behind', async () => {
    const before = openHandles();
    const store = redisTokenCacheStore({ url: redis.url, commandTimeout: 5_000, reconnectMaxDelay: 200 });
    await waitFor(
      'the store to connect and subscribe',
      () => store.stats().connected && store.stats().subscribed,
    );
    redis.freeze();
    const write = store.set('rs:token:hung', answer, 60_000).catch((error: Error) => error);
    let firstOver = false;
    const first = store.close().then(() => {
      firstOver = true;
    });

    await store.close();

    expect(firstOver).toBe(true);
    await settle();
    expect(leftBehind(before, openHandles())).toEqual({});
    await first;
    expect(await write).toBeInstanceOf(Error);
  });

  it('after the first resolved, resolves at once', async () => {
    const store = await connectedReplayStore(redis.url, { commandTimeout: 5_000, reconnectMaxDelay: 200 });
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
