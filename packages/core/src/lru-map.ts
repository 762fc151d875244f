/** Options of {@link LruMap}. */
export interface LruMapOptions<K, V> {
  /** Most entries held; setting one more evicts the least recently used. */
  readonly max: number;
  /** Told of each entry evicted to make room (not of deletes, replacements or expiries). */
  readonly onEvict?: (value: V, key: K) => void;
  /**
   * Told of each entry that leaves the map, whatever the reason: evicted for room, deleted, replaced by
   * `set` with another value (before the new value is stored), found expired, or cleared. What an index over the entries
   * needs to never hold a key the map forgot.
   */
  readonly onRemove?: (value: V, key: K) => void;
}

interface Slot<V> {
  readonly value: V;
  /** `Date.now()` after which the entry is gone; `Infinity` without a TTL. */
  readonly expiresAt: number;
}

/**
 * A bounded map that forgets its least recently used entries, each optionally with a TTL: what @rs's
 * in-process caches need and no more. A `Map` keeps insertion order, so moving an entry to the end on
 * each read makes its first key the least recently used one. (The `lru-cache` package does the same
 * with more features, in a package larger than the rest of an install of @rs/core.)
 */
export class LruMap<K, V> {
  readonly #slots = new Map<K, Slot<V>>();
  readonly #max: number;
  readonly #onEvict: ((value: V, key: K) => void) | undefined;
  readonly #onRemove: ((value: V, key: K) => void) | undefined;

  constructor(options: LruMapOptions<K, V>) {
    if (!Number.isInteger(options.max) || options.max < 1)
      throw new RangeError('max must be a positive integer');
    this.#max = options.max;
    this.#onEvict = options.onEvict;
    this.#onRemove = options.onRemove;
  }

  /** The value under `key`, now the most recently used, or `undefined` when absent or expired. */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (slot.expiresAt !== Number.POSITIVE_INFINITY && Date.now() > slot.expiresAt) {
      this.#onRemove?.(slot.value, key);
      return undefined;
    }
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** Stores `value` as the most recently used entry, for `ttlMs` milliseconds when given. */
  set(key: K, value: V, ttlMs?: number): void {
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    if (this.#onRemove !== undefined) {
      const replaced = this.#slots.get(key);
      if (replaced !== undefined && replaced.value !== value) this.#onRemove(replaced.value, key);
    }
    this.#slots.delete(key);
    this.#slots.set(key, { value, expiresAt });
    if (this.#slots.size > this.#max) {
      const [oldestKey, oldest] = this.#slots.entries().next().value as [K, Slot<V>];
      this.#slots.delete(oldestKey);
      this.#onEvict?.(oldest.value, oldestKey);
      this.#onRemove?.(oldest.value, oldestKey);
    }
  }

  delete(key: K): void {
    if (this.#onRemove !== undefined) {
      const slot = this.#slots.get(key);
      if (slot !== undefined) this.#onRemove(slot.value, key);
    }
    this.#slots.delete(key);
  }

  clear(): void {
    if (this.#onRemove !== undefined) {
      for (const [key, slot] of this.#slots) this.#onRemove(slot.value, key);
    }
    this.#slots.clear();
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#slots.size;
  }
}
