import { requireOption } from '../config/config-error.js';
import { MAX_ENTRIES_CEILING } from '../config/option-schema.js';
import { LruMap } from '../lru-map.js';
import { LabelIndex } from '../revocation/label-index.js';
import { revocationLabels } from '../revocation/revocation.js';
import type { CachedAnswer, TokenCacheStore } from './token-cache-store.js';

/** The in-process store, synchronous, with its sizes (for tests and metrics). */
export interface MemoryTokenCacheStore extends TokenCacheStore {
  /** The answer stored under `key`, synchronously; `undefined` when absent or expired. */
  get(key: string): CachedAnswer | undefined;
  deleteLabelled(label: string): number;
  evictions(): number;
  /** Keys and labels in the revocation index: never more keys than entries held. */
  indexSize(): { readonly keys: number; readonly labels: number };
  /** Answers held, expired ones not yet dropped included: never more than `maxEntries` together. */
  size(): { readonly accepted: number; readonly refusals: number };
}

/**
 * The share of `maxEntries` that refusals may take: tokens made up by anyone are refused, and each
 * refusal is kept for `negativeTtl`, so a burst of them must not push out the answers of real clients.
 */
const REFUSALS_SHARE = 0.1;

/**
 * An in-process, bounded LRU {@link TokenCacheStore}: it holds at most `maxEntries` answers, and each
 * answer also expires on its own TTL. Room is made first by dropping expired answers, and only when none
 * has expired by evicting the least recently used one of the same kind:
 *
 * - accepted answers may fill all of `maxEntries`;
 * - refusals take at most a tenth of it (at least one), and never push out an accepted answer: a new
 *   refusal takes the place of an expired answer or of the least recently used refusal, and is not kept
 *   when every place is held by a live accepted answer. Anyone can make up tokens, and have them
 *   refused; only the clients of the authorization server can have them accepted.
 *
 * Accepted answers are indexed by `jti`, subject, client and session for revocation; an entry leaves the
 * index whenever it leaves the store.
 *
 * @param maxEntries - how many tokens to remember: 1 to 10 000 000 ({@link MAX_ENTRIES_CEILING}).
 *   Default 10 000.
 */
export function memoryTokenCacheStore(maxEntries = 10_000): MemoryTokenCacheStore {
  requireOption(
    Number.isInteger(maxEntries) && maxEntries > 0 && maxEntries <= MAX_ENTRIES_CEILING,
    'memoryTokenCacheStore.maxEntries',
    `must be a whole number of answers from 1 to ${MAX_ENTRIES_CEILING}` +
      // Said only of a count too large: 0, 1.5 or '100' is refused for what it is, not for its size.
      (typeof maxEntries === 'number' && maxEntries > MAX_ENTRIES_CEILING
        ? ' (more answers than one process sensibly holds in memory: share a larger cache through a ' +
          'store such as @rs/redis)'
        : ''),
  );
  const maxRefusals = Math.max(1, Math.floor(maxEntries * REFUSALS_SHARE));
  let evictions = 0;
  const countEviction = (): void => {
    evictions++;
  };
  const index = new LabelIndex();
  const accepted = new LruMap<string, CachedAnswer>({
    max: maxEntries,
    onEvict: countEviction,
    // Whatever the reason an entry leaves (a replaced value is indexed anew by `set`, after this runs).
    onRemove: (_value, key) => index.remove(key),
  });
  // Refusals are not indexed: a revocation by claim never needs to drop one.
  const refusals = new LruMap<string, CachedAnswer>({ max: maxRefusals, onEvict: countEviction });

  /**
   * Frees a place for a new answer while both kinds together fill `maxEntries`: an expired answer of
   * either kind first, else the least recently used of the new answer's kind. Answers whether there is
   * room now: none for a refusal when only live accepted answers are held.
   */
  function makeRoom(forRefusal: boolean): boolean {
    if (accepted.size + refusals.size < maxEntries) return true;
    if (refusals.dropExpired() > 0 || accepted.dropExpired() > 0) return true;
    if (forRefusal) return refusals.evictOldest();
    // Refusals hold at most a tenth: accepted answers fill the rest, so there is one unless maxEntries is 1.
    return accepted.evictOldest() || refusals.evictOldest();
  }

  return {
    get: (key) => accepted.get(key) ?? refusals.get(key),
    set: (key, answer, ttlMs) => {
      const refusal = answer.info === undefined;
      const [kept, other] = refusal ? [refusals, accepted] : [accepted, refusals];
      // An answer of the other kind for the same token (asked again after it expired or was evicted).
      other.delete(key);
      // A new refusal while refusals fill their share replaces one of them (in `set`): no other room needed.
      const replacesItsOwnKind = kept.has(key) || (refusal && refusals.size >= maxRefusals);
      if (!replacesItsOwnKind && !makeRoom(refusal)) return;
      // The cache checks `usableUntil` on the resource server's clock; the TTL here only frees memory.
      kept.set(key, answer, Math.max(1, Math.ceil(ttlMs)));
      if (!refusal) index.add(key, revocationLabels(answer.info));
    },
    delete: (key) => {
      accepted.delete(key);
      refusals.delete(key);
    },
    clear: () => {
      accepted.clear();
      refusals.clear();
      index.clear();
    },
    deleteLabelled: (label) => {
      const keys = index.keysOf(label);
      for (const key of keys) accepted.delete(key);
      return keys.length;
    },
    indexSize: () => index.size,
    size: () => ({ accepted: accepted.size, refusals: refusals.size }),
    evictions: () => evictions,
  };
}
