import { RsConfigError, type TokenCache, tokenCache } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisTokenCacheStore } from '../src/index.js';
import { CountingAuthorizationServer, requestContext } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// The store owns the Redis keys under its `keyPrefix`: its clear() deletes those, and only those. A
// token cache that writes its keys under another prefix works until it is cleared, and then every
// instance keeps serving the answers the clear() was meant to forget; under a longer one, clear() also
// deletes every other key under the store's prefix, which are not the cache's. tokenCache requires the
// two prefixes equal where they meet, at start-up.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  const raw = await fixture.raw();
  await raw.sendCommand(['FLUSHALL']);
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

/** Every key Redis holds now. */
async function redisKeys(): Promise<string[]> {
  const raw = await fixture.raw();
  return (await raw.sendCommand(['KEYS', '*'])) as string[];
}

/** Two instances of one API, each with its own store on the same Redis and its own cache. */
async function twoInstances(storePrefix: string, cachePrefix: string) {
  const as = new CountingAuthorizationServer();
  const instance = async () => {
    const store: RedisTokenCacheStore = await fixture.store({ keyPrefix: storePrefix });
    return tokenCache(as, { store, keyPrefix: cachePrefix });
  };
  return { as, a: await instance(), b: await instance() };
}

/** Each instance resolves `token` (b after a): the answer a stored is b's hit. */
async function bothResolve(a: TokenCache, b: TokenCache, token: string): Promise<void> {
  expect((await a.resolve(token, requestContext())).ok).toBe(true);
  expect((await b.resolve(token, requestContext())).ok).toBe(true);
}

describe('a Redis store declares the prefix it owns', () => {
  it('as given, or the default', async () => {
    expect((await fixture.store({ keyPrefix: 'orders:token:' })).keyPrefix).toBe('orders:token:');
    expect((await fixture.store()).keyPrefix).toBe('rs:token:');
  });
});

// Needs the @rs/core this release builds: the check is tokenCache's.
describe("tokenCache refuses a store whose prefix is not the cache's own", () => {
  // `undefined`: the option left out, for its default.
  it.each<[string, string | undefined, string | undefined]>([
    ["the store's own prefix beside the cache's default", 'orders:token:', undefined],
    ["the cache's own prefix beside the store's default", undefined, 'orders:token:'],
    ["a cache prefix shorter than the store's", 'orders:token:', 'orders:'],
    // clear() would also delete every other key under `orders:`, another API's or component's.
    ["a cache prefix that extends the store's", 'orders:', 'orders:token:'],
  ])('%s', async (_case, storePrefix, cachePrefix) => {
    const store = await fixture.store(storePrefix === undefined ? {} : { keyPrefix: storePrefix });
    let thrown: unknown;
    try {
      tokenCache(new CountingAuthorizationServer(), {
        store,
        ...(cachePrefix === undefined ? {} : { keyPrefix: cachePrefix }),
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RsConfigError);
    expect((thrown as RsConfigError).option).toBe('tokenCache.keyPrefix');
    expect((thrown as RsConfigError).problem).toContain(JSON.stringify(store.keyPrefix));
  });
});

describe('a cache and a store with the same prefix', () => {
  it('clear() on one instance makes every instance ask again', async () => {
    const { as, a, b } = await twoInstances('orders:token:', 'orders:token:');
    await bothResolve(a, b, 'token-1');
    expect(as.calls).toBe(1);
    const keys = await redisKeys();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith('orders:token:')).toBe(true);

    await a.clear();
    // Only the revocation index is left, to expire (see RedisLabelIndex).
    expect((await redisKeys()).filter((key) => !key.startsWith('orders:token:index:'))).toEqual([]);
    expect((await b.resolve('token-1', requestContext())).ok).toBe(true);
    expect(as.calls).toBe(2);
  });

  it('evict() and revoke() reach every instance too', async () => {
    const { as, a, b } = await twoInstances('orders:token:', 'orders:token:');
    await bothResolve(a, b, 'token-1');
    await bothResolve(a, b, 'token-2');
    expect(as.calls).toBe(2);

    await a.evict('token-1');
    await a.revoke({ by: 'sub', value: 'user-of-token-2' });
    // The others dropped their local copies when told over pub/sub; Redis holds neither answer.
    for (const token of ['token-1', 'token-2']) {
      const before = as.calls;
      await expect
        .poll(async () => {
          await b.resolve(token, requestContext());
          return as.calls > before;
        })
        .toBe(true);
    }
  });
});
