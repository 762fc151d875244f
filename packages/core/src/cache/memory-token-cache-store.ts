import { requireOption } from '../config/config-error.js';
import { LruMap } from '../lru-map.js';
import { LabelIndex } from '../revocation/label-index.js';
import { revocationLabels } from '../revocation/revocation.js';
import type { CachedAnswer, TokenCacheStore } from './token-cache-store.js';

/** The in-process store, with the size of its revocation index (for tests and metrics). */
export interface MemoryTokenCacheStore extends TokenCacheStore {
  deleteLabelled(label: string): number;
  /** Keys and labels in the revocation index: never more keys than entries held. */
  indexSize(): { readonly keys: number; readonly labels: number };
}

/**
 * An in-process, bounded LRU {@link TokenCacheStore}: the least recently used answers make room for new
 * ones, and each answer also expires on its own TTL. Accepted answers are indexed by `jti`, subject,
 * client and session for revocation; an entry leaves the index whenever it leaves the store.
 *
 * @param maxEntries - how many tokens to remember. Default 10 000.
 */
export function memoryTokenCacheStore(maxEntries = 10_000): MemoryTokenCacheStore {
  requireOption(
    Number.isInteger(maxEntries) && maxEntries > 0,
    'memoryTokenCacheStore.maxEntries',
    'must be a positive integer',
  );
  let evictions = 0;
  const index = new LabelIndex();
  const lru = new LruMap<string, CachedAnswer>({
    max: maxEntries,
    onEvict: () => {
      evictions++;
    },
    // Whatever the reason an entry leaves (a replaced value is indexed anew by `set`, after this runs).
    onRemove: (_value, key) => index.remove(key),
  });
  return {
    get: (key) => lru.get(key),
    set: (key, answer, ttlMs) => {
      // The cache checks `usableUntil` on the resource server's clock; the TTL here only frees memory.
      lru.set(key, answer, Math.max(1, Math.ceil(ttlMs)));
      if (answer.info !== undefined) index.add(key, revocationLabels(answer.info));
    },
    delete: (key) => {
      lru.delete(key);
    },
    clear: () => {
      lru.clear();
      index.clear();
    },
    deleteLabelled: (label) => {
      const keys = index.keysOf(label);
      for (const key of keys) lru.delete(key);
      return keys.length;
    },
    indexSize: () => index.size,
    evictions: () => evictions,
  };
}
