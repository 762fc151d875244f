import { describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  memoryTokenCacheStore,
  type TokenCacheStore,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { expectConfigError, expectSuccess, NOW_S, resolveAt } from '../helpers.js';

// A store that owns only the keys under its prefix (as @rs/redis's does) deletes exactly those on
// clear(): a cache writing its keys elsewhere would keep serving, after a clear(), every answer it meant
// to forget, and a cache writing them under a longer prefix would clear, with its own answers, every
// other key under the store's (in a shared Redis, another component's: the DPoP replay markers under
// `rs:dpop:`, beside a store given `rs:`). The two settings meet in tokenCache, which requires them equal.

/** Stands in for the authorization server: every token is active. Counts the calls reaching it. */
function authorizationServerStandIn(): AccessTokenResolver & { calls: number } {
  const resolver = {
    cacheNamespace: 'stand-in',
    calls: 0,
    async resolve(token: string) {
      resolver.calls++;
      return {
        ok: true as const,
        value: tokenInfoFromClaims({ active: true, sub: token, exp: NOW_S + 3_600 }, 'introspection'),
      };
    },
  };
  return resolver;
}

/**
 * A store of the application's own that owns the keys under `keyPrefix`: it holds whatever it is given
 * (in memory, as a shared store would in Redis), and its clear() deletes only the keys under its prefix.
 */
function prefixOwningStore(keyPrefix: string): TokenCacheStore & { keys(): string[] } {
  const held = memoryTokenCacheStore();
  const keys = new Set<string>();
  return {
    keyPrefix,
    get: (key) => held.get(key),
    set: (key, answer, ttlMs) => {
      keys.add(key);
      held.set(key, answer, ttlMs);
    },
    delete: (key) => {
      keys.delete(key);
      held.delete(key);
    },
    clear: () => {
      for (const key of keys) {
        if (!key.startsWith(keyPrefix)) continue;
        keys.delete(key);
        held.delete(key);
      }
    },
    keys: () => [...keys],
  };
}

describe('tokenCache: a store that declares the prefix it owns', () => {
  it("refuses the cache's default prefix beside a store that owns another, and says what to set", () => {
    const store = prefixOwningStore('orders:token:');
    const error = expectConfigError(
      () => tokenCache(authorizationServerStandIn(), { store }),
      'tokenCache.keyPrefix',
    );
    expect(error.problem).toContain('"rs:token:" (the default)');
    expect(error.problem).toContain('"orders:token:"');
    expect(error.problem).toContain('clear()');
    expect(error.problem).toContain('set tokenCache\'s keyPrefix to "orders:token:"');
  });

  it.each<[string, string, string]>([
    ["a prefix of the cache's own beside the store's default", 'rs:token:', 'orders:token:'],
    ['a shorter prefix than the store owns', 'orders:token:', 'orders:'],
    ['a prefix differing only in case', 'orders:token:', 'ORDERS:TOKEN:'],
    ["a longer prefix, beginning with the store's", 'orders:', 'orders:token:'],
    ["the default, beginning with a store's `rs:` (which also covers `rs:dpop:`)", 'rs:', 'rs:token:'],
  ])('refuses %s', (_case, storePrefix, cachePrefix) => {
    const error = expectConfigError(
      () =>
        tokenCache(authorizationServerStandIn(), {
          store: prefixOwningStore(storePrefix),
          keyPrefix: cachePrefix,
        }),
      'tokenCache.keyPrefix',
    );
    expect(error.problem).toContain(`"${storePrefix}"`);
    expect(error.problem).not.toContain('(the default)');
  });

  it('refuses a declared prefix that is not a string', () => {
    const store = { ...prefixOwningStore('orders:token:'), keyPrefix: 42 } as unknown as TokenCacheStore;
    expectConfigError(
      () => tokenCache(authorizationServerStandIn(), { store, keyPrefix: 'orders:token:' }),
      'tokenCache.store.keyPrefix',
    );
  });

  it("says, for a longer prefix, that clear() would reach keys that are not the cache's", () => {
    const error = expectConfigError(
      () =>
        tokenCache(authorizationServerStandIn(), { store: prefixOwningStore('rs:'), keyPrefix: 'rs:token:' }),
      'tokenCache.keyPrefix',
    );
    expect(error.problem).toContain('every other key under "rs:"');
    expect(error.problem).toContain('set tokenCache\'s keyPrefix to "rs:"');
    expect(error.problem).not.toContain('begins with');
  });

  it('takes the same prefix, and clear() then reaches every answer the cache stored', async () => {
    const server = authorizationServerStandIn();
    const store = prefixOwningStore('orders:token:');
    const cache = tokenCache(server, { store, keyPrefix: 'orders:token:' });
    expectSuccess(await resolveAt(cache, 'token-1'));
    expect(store.keys()).toHaveLength(1);
    expect(store.keys()[0]!.startsWith('orders:token:')).toBe(true);

    await cache.clear();
    expect(store.keys()).toEqual([]);
    expectSuccess(await resolveAt(cache, 'token-1'));
    expect(server.calls).toBe(2);
  });

  it('checks nothing for a store that declares no prefix (the in-process one holds any key)', () => {
    expect(() =>
      tokenCache(authorizationServerStandIn(), { store: memoryTokenCacheStore(), keyPrefix: 'orders:' }),
    ).not.toThrow();
  });
});
