import { describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type CachedAnswer,
  type TokenCacheStore,
  type TokenCacheStoreHealth,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { NOW_MS, NOW_S } from '../helpers.js';

/** Answers every token as active, as an introspection endpoint would. */
const resolver: AccessTokenResolver = {
  // Its answers go to a store given explicitly: it must say what it accepts.
  cacheNamespace: 'always-active',
  resolve: async (token) => ({
    ok: true,
    value: tokenInfoFromClaims({ active: true, sub: `user-of-${token}`, exp: NOW_S + 3600 }, 'introspection'),
  }),
};

/** An in-memory store that can be switched off, like a shared store during an outage. */
function switchableStore() {
  const entries = new Map<string, CachedAnswer>();
  const outage = new Error('store unreachable');
  const state = { down: false };
  const check = () => {
    if (state.down) throw outage;
  };
  const store: TokenCacheStore = {
    get: (key) => {
      check();
      return entries.get(key);
    },
    set: (key, answer) => {
      check();
      entries.set(key, answer);
    },
    delete: (key) => {
      check();
      entries.delete(key);
    },
    clear: () => {
      check();
      entries.clear();
    },
  };
  return { store, state, outage };
}

function context() {
  return { now: NOW_MS, request: { method: 'GET', url: 'https://api.example.com/orders', headers: {} } };
}

describe('tokenCache: onStoreError tells each change of the store’s health once', () => {
  it('an outage is told once when it starts and once when it ends, with its count, not once per request', async () => {
    const { store, state, outage } = switchableStore();
    const changes: TokenCacheStoreHealth[] = [];
    const cache = tokenCache(resolver, { store, onStoreError: (change) => changes.push(change) });
    await cache.resolve('before', context());
    expect(changes).toEqual([]);

    state.down = true;
    // 100 requests for new tokens: each fails a read and a write.
    for (let i = 0; i < 100; i++) expect((await cache.resolve(`during-${i}`, context())).ok).toBe(true);
    expect(changes).toEqual([{ state: 'failing', error: outage, storeErrors: 1 }]);
    expect(cache.stats().storeErrors).toBe(200);

    state.down = false;
    await cache.resolve('after', context());
    await cache.resolve('after-2', context());
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatchObject({
      state: 'recovered',
      failures: 200,
      lastError: outage,
      storeErrors: 200,
    });
    expect(changes[1]?.state === 'recovered' && changes[1].failingForMs).toBeGreaterThanOrEqual(0);

    // The next outage is a new change, told again.
    state.down = true;
    await cache.evict('before');
    await cache.resolve('later', context());
    expect(changes.map((change) => change.state)).toEqual(['failing', 'recovered', 'failing']);
    expect(changes[2]).toMatchObject({ storeErrors: 201 });
  });

  it('a handler that throws changes no answer', async () => {
    const { store, state } = switchableStore();
    state.down = true;
    const cache = tokenCache(resolver, {
      store,
      onStoreError: () => {
        throw new Error('the handler is broken');
      },
    });
    expect((await cache.resolve('token', context())).ok).toBe(true);
    state.down = false;
    expect((await cache.resolve('token-2', context())).ok).toBe(true);
  });
});
