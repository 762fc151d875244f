import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STORE_OPERATION_TIMEOUT_MS } from '../../src/cache/store-operation-bound.js';
import {
  type AccessTokenResolver,
  type TokenCacheStore,
  type TokenCacheStoreHealth,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { NOW_MS, NOW_S } from '../helpers.js';

// Only the timers are fake: the store's bound is counted on them, while hashing (WebCrypto) stays real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Answers every token as active, as an introspection endpoint would; counts its calls. */
function activeResolver() {
  let calls = 0;
  const resolver: AccessTokenResolver = {
    cacheNamespace: 'always-active',
    resolve: async (token) => {
      calls++;
      return {
        ok: true,
        value: tokenInfoFromClaims(
          { active: true, sub: `user-of-${token}`, exp: NOW_S + 3600 },
          'introspection',
        ),
      };
    },
  };
  return { resolver, calls: () => calls };
}

/** A store whose every operation never settles: a shared store behind a connection that hangs. */
function hungStore(): TokenCacheStore {
  const never = () => new Promise<never>(() => {});
  return { get: never, set: never, delete: never, clear: never, deleteLabelled: never };
}

function context() {
  return { now: NOW_MS, request: { method: 'GET', url: 'https://api.example.com/orders', headers: {} } };
}

/**
 * Settles `work` by moving the fake timers on one store bound at a time; how many bounds it took, or
 * `undefined` when it had not settled after `maxBounds` of them (it hangs).
 */
async function boundsTaken(work: Promise<unknown>, maxBounds = 10): Promise<number | undefined> {
  let settled = false;
  work.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let bounds = 0; bounds <= maxBounds; bounds++) {
    // Real I/O (hashing) between the timers.
    for (let turn = 0; turn < 20 && !settled; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (settled) return bounds;
    await vi.advanceTimersByTimeAsync(STORE_OPERATION_TIMEOUT_MS);
  }
  return undefined;
}

describe('tokenCache: a store operation that never settles counts as a failing store', () => {
  it('a request is answered by the resolver once the read (a miss) and the write (dropped) have run out of time', async () => {
    const { resolver, calls } = activeResolver();
    const changes: TokenCacheStoreHealth[] = [];
    const cache = tokenCache(resolver, {
      store: hungStore(),
      onStoreError: (change) => changes.push(change),
    });

    const outcome = cache.resolve('a-token', context());
    expect(await boundsTaken(outcome)).toBe(2);
    expect((await outcome).ok).toBe(true);
    expect(calls()).toBe(1);
    expect(cache.stats().storeErrors).toBe(2);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ state: 'failing', error: { name: 'StoreOperationTimeout' } });
    expect(String((changes[0] as { error: Error }).error.message)).toBe(
      `the token cache store's get() did not settle within ${STORE_OPERATION_TIMEOUT_MS} ms`,
    );
  });

  it('evict, revoke and clear return once their deletion has run out of time', async () => {
    const { resolver } = activeResolver();
    const cache = tokenCache(resolver, { store: hungStore() });

    expect(await boundsTaken(cache.evict('a-token'))).toBe(1);
    expect(await boundsTaken(cache.revoke({ by: 'sub', value: 'user-of-a-token' }))).toBe(1);
    expect(await boundsTaken(cache.clear())).toBe(1);
    expect(cache.stats().storeErrors).toBe(3);
  });
});
