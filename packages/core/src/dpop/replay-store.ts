import { requireOption } from '../config/config-error.js';
import { checkOptions, func, type OptionSchema, positiveInteger } from '../config/option-schema.js';
import type { StoreHealthReporter } from '../observability/dependency-health.js';

/**
 * Where used DPoP proofs are remembered, so that each is accepted once (RFC 9449 §11.1). Keys are
 * hashes, never proofs. Implement it on a shared store (`@rs/redis`) when several instances serve one
 * API: a proof replayed to another instance is then refused too.
 */
export interface ReplayStore extends StoreHealthReporter {
  /**
   * Records `key` for `ttlMs` milliseconds. Resolves `true` when the key was not recorded yet (first
   * use), `false` when it was (a replay). Must be atomic: of two concurrent calls with one key, exactly
   * one resolves `true` (Redis: `SET key 1 NX PX ttl`). A rejection fails the request closed (503).
   * An optional `health()` reports the store's connection in the resource server's `status()`.
   */
  remember(key: string, ttlMs: number): Promise<boolean>;
}

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most keys kept; past it the oldest are dropped first. Default 100 000 (about 10 MB). */
  readonly maxEntries?: number;
  /** Milliseconds since the epoch. Default `Date.now`; the resource server passes its own clock. */
  readonly clock?: () => number;
}

/** An in-process {@link ReplayStore} with counters, the default of a single instance. */
export interface MemoryReplayStore extends ReplayStore {
  /** Keys held now, expired ones included until they are swept. */
  size(): number;
  /** Keys dropped before their time to stay within `maxEntries`. Non-zero means the bound is too low. */
  evictions(): number;
}

const MEMORY_REPLAY_STORE_OPTIONS: OptionSchema<MemoryReplayStoreOptions> = {
  maxEntries: positiveInteger,
  clock: func,
};

// Expired keys swept from the front per call: enough to keep up with arrivals, bounded per request.
const SWEEP_PER_CALL = 8;

/**
 * A bounded in-memory {@link ReplayStore}. A proof key is written once and never refreshed (a second
 * write is the replay being refused), so insertion order is use order: the oldest entries go first
 * when the bound is reached, and those are the ones closest to expiry. Under a flood larger than the
 * bound, a dropped key could be replayed within its window: `evictions()` says when to raise the bound
 * or move to a shared store.
 *
 * @example
 * ```ts
 * const replayStore = memoryReplayStore({ maxEntries: 50_000 });
 * await replayStore.remember('rs:dpop:abc', 60_000); // true, then false within the minute
 * ```
 */
export function memoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  checkOptions(options, MEMORY_REPLAY_STORE_OPTIONS, 'memoryReplayStore');
  const maxEntries = options.maxEntries ?? 100_000;
  requireOption(
    Number.isInteger(maxEntries) && maxEntries > 0,
    'memoryReplayStore.maxEntries',
    'must be a positive integer',
  );
  const clock = options.clock ?? Date.now;
  requireOption(typeof clock === 'function', 'memoryReplayStore.clock', 'must be a function');
  // Key → expiry (ms). Map iteration follows insertion order, which is what eviction needs.
  const entries = new Map<string, number>();
  let evictions = 0;

  function sweep(now: number): void {
    let checked = 0;
    for (const [key, expiresAt] of entries) {
      if (checked++ === SWEEP_PER_CALL || expiresAt > now) return;
      entries.delete(key);
    }
  }

  return {
    async remember(key: string, ttlMs: number): Promise<boolean> {
      const now = clock();
      sweep(now);
      const expiresAt = entries.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      entries.delete(key);
      entries.set(key, now + ttlMs);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
        evictions++;
      }
      return true;
    },
    size: () => entries.size,
    evictions: () => evictions,
  };
}
