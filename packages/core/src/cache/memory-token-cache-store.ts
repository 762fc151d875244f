import { requireOption } from '../config/config-error.js';
import { LruMap } from '../lru-map.js';
import type { CachedAnswer, TokenCacheStore } from './token-cache-store.js';

/**
 * An in-process, bounded LRU {@link TokenCacheStore}: the least recently used answers make room for new
 * ones, and each answer also expires on its own TTL.
 *
 * @param maxEntries - how many tokens to remember. Default 10 000.
 */
export function memoryTokenCacheStore(maxEntries = 10_000): TokenCacheStore {
  requireOption(
    Number.isInteger(maxEntries) && maxEntries > 0,
    'tokenCache.maxEntries',
    'must be a positive integer',
  );
  let evictions = 0;
  const lru = new LruMap<string, CachedAnswer>({
    max: maxEntries,
    onEvict: () => {
      evictions++;
    },
  });
  return {
    get: (key) => lru.get(key),
    set: (key, answer, ttlMs) => {
      // The cache checks `usableUntil` on the resource server's clock; the TTL here only frees memory.
      lru.set(key, answer, Math.max(1, Math.ceil(ttlMs)));
    },
    delete: (key) => {
      lru.delete(key);
    },
    clear: () => lru.clear(),
    evictions: () => evictions,
  };
}
