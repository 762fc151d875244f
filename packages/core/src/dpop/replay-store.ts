import { clockOption, readClock } from '../clock.js';
import { checkOptions, entryCount, func, type OptionSchema } from '../config/option-schema.js';
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
   * one resolves `true` (Redis: `SET key 1 NX PX ttl`). A rejection fails the request closed (503), as
   * does an answer not given within 5 seconds (`STORE_OPERATION_TIMEOUT_MS`, as for a token cache's
   * store) and an answer other than `true` or `false` (the backend's own reply, such as `"OK"` or a
   * `Map`, passed on): that is a bug of the store, written to `console.error` at most once a minute.
   * An optional `health()` reports the store's connection in the resource server's `status()`.
   */
  remember(key: string, ttlMs: number): Promise<boolean>;
}

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most keys kept; past it the oldest are dropped first. Default 100 000 (about 20 MB with 60-character
   * keys); at most 10 000 000 (`MAX_ENTRIES_CEILING`, about 2 GB), beyond which memory runs out first.
   */
  readonly maxEntries?: number | undefined;
  /** Milliseconds since the epoch. Default `Date.now`; the resource server passes its own clock. */
  readonly clock?: (() => number) | undefined;
}

/** An in-process {@link ReplayStore} with counters, the default of a single instance. */
export interface MemoryReplayStore extends ReplayStore {
  /** Keys held now, expired ones included until they are swept. */
  size(): number;
  /** Keys dropped before their time to stay within `maxEntries`. Non-zero means the bound is too low. */
  evictions(): number;
}

const MEMORY_REPLAY_STORE_OPTIONS: OptionSchema<MemoryReplayStoreOptions> = {
  maxEntries: entryCount(),
  clock: func,
};

// Expired keys swept from the front per call: enough to keep up with arrivals, bounded per request.
const SWEEP_PER_CALL = 8;
// Recordings between two purges of expired keys at the bound, as a share of the bound: a purge reads
// the whole queue (at most twice the bound), so it costs at most eight steps a recording, amortized.
const PURGE_SHARE = 4;

/**
 * A bounded in-memory {@link ReplayStore}. A proof key is written once and never refreshed (a second
 * write is the replay being refused), so the order of recording is the order of expiry for one TTL: the
 * oldest entries go first when the bound is reached, and those are the ones closest to expiry. TTLs
 * differ, though (a DPoP proof is kept until its own `iat` leaves the window): expired keys recorded
 * behind a live one are not swept from the front, so at the bound every expired key is dropped first
 * (at most once per quarter of the bound's recordings), and only then live ones. Under a flood larger
 * than the bound, a dropped key could be replayed within its window: `evictions()` says when to raise
 * the bound or move to a shared store.
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
  const clock = clockOption(options.clock, 'memoryReplayStore.clock');
  const clockConfigured = options.clock !== undefined;
  // Key → its place in the queue, which holds the order of recording and each key's expiry (ms).
  const entries = new Map<string, number>();
  const recorded = new RecordingQueue();
  let evictions = 0;
  const purgeEvery = Math.ceil(maxEntries / PURGE_SHARE);
  // So that the first time the bound is reached, expired keys are dropped before any live one.
  let recordingsSincePurge = purgeEvery;

  /** Whether the item at the front of the queue is its key's current recording (not a stale one). */
  function frontIsCurrent(): boolean {
    return entries.get(recorded.frontKey()) === recorded.frontPosition();
  }

  // Stale items are skipped without counting: each was left by one recording, and goes once.
  function sweep(now: number): void {
    let checked = 0;
    while (recorded.length > 0) {
      if (frontIsCurrent()) {
        if (checked++ === SWEEP_PER_CALL || recorded.expiryAt(recorded.frontPosition()) > now) return;
        entries.delete(recorded.frontKey());
      }
      recorded.shift();
    }
  }

  return {
    async remember(key: string, ttlMs: number): Promise<boolean> {
      // A clock answering NaN would find every proof expired: a replay would be remembered anew.
      const now = readClock(clock, 'memoryReplayStore.clock', clockConfigured);
      sweep(now);
      const position = entries.get(key);
      if (position !== undefined && recorded.expiryAt(position) > now) return false;
      entries.set(key, recorded.push(key, now + ttlMs));
      recordingsSincePurge++;
      // Expired keys behind a live one at the front (recorded with shorter TTLs) go before any live key.
      if (entries.size > maxEntries && recordingsSincePurge >= purgeEvery) {
        recordingsSincePurge = 0;
        recorded.keepOnly(entries, now);
      }
      while (entries.size > maxEntries && recorded.length > 0) {
        if (frontIsCurrent()) {
          entries.delete(recorded.frontKey());
          evictions++;
        }
        recorded.shift();
      }
      // Keys recorded again after their expiry leave stale items; a queue of mostly stale items is compacted.
      if (recorded.length > 2 * maxEntries) recorded.keepOnly(entries);
      return true;
    },
    size: () => entries.size,
    evictions: () => evictions,
  };
}

/**
 * Keys in the order they were recorded, each with the expiry it was recorded with, at positions that
 * only grow. A key recorded again after its expiry leaves a stale item behind (the map names its newer
 * position), skipped at the front. A queue rather than the map's own insertion order: V8 leaves a hole
 * in a `Map` for each deleted key, and finds the first live key by stepping over every hole before it,
 * so a store that swept its map from the front spent time in proportion to its size (45 µs a proof
 * with 100 000 keys).
 */
class RecordingQueue {
  #keys: string[] = [];
  #expiries: number[] = [];
  #head = 0;
  /** The position of `#keys[0]`. */
  #base = 0;

  get length(): number {
    return this.#keys.length - this.#head;
  }

  frontPosition(): number {
    return this.#base + this.#head;
  }

  frontKey(): string {
    return this.#keys[this.#head]!;
  }

  /** The expiry of the item at `position`, which must not have been shifted out. */
  expiryAt(position: number): number {
    return this.#expiries[position - this.#base]!;
  }

  /** Appends an item; returns its position. */
  push(key: string, expiresAt: number): number {
    this.#keys.push(key);
    this.#expiries.push(expiresAt);
    return this.#base + this.#keys.length - 1;
  }

  shift(): void {
    this.#head++;
    // Consumed items are cut off once they are half the arrays: each item is copied at most once.
    if (this.#head >= 1024 && this.#head * 2 >= this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#expiries = this.#expiries.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
  }

  /**
   * Drops the stale items, keeping the others in order, and tells `positions` where they now are. With
   * `now`, items expired by then are dropped too, and their keys taken out of `positions`.
   */
  keepOnly(positions: Map<string, number>, now?: number): void {
    const keys: string[] = [];
    const expiries: number[] = [];
    const base = this.#base + this.#keys.length;
    for (let at = this.#head; at < this.#keys.length; at++) {
      const key = this.#keys[at]!;
      if (positions.get(key) !== this.#base + at) continue;
      if (now !== undefined && this.#expiries[at]! <= now) {
        positions.delete(key);
        continue;
      }
      positions.set(key, base + keys.length);
      keys.push(key);
      expiries.push(this.#expiries[at]!);
    }
    this.#keys = keys;
    this.#expiries = expiries;
    this.#base = base;
    this.#head = 0;
  }
}
