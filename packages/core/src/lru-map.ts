/** Options of {@link LruMap}. */
export interface LruMapOptions<K, V> {
  /** Most entries held; setting one more evicts the least recently used. */
  readonly max: number;
  /** Told of each entry evicted to make room (not of deletes, replacements or expiries). */
  readonly onEvict?: (value: V, key: K) => void;
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

  constructor(options: LruMapOptions<K, V>) {
    if (!Number.isInteger(options.max) || options.max < 1)
      throw new RangeError('max must be a positive integer');
    this.#max = options.max;
    this.#onEvict = options.onEvict;
  }

  /** The value under `key`, now the most recently used, or `undefined` when absent or expired. */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (slot.expiresAt !== Number.POSITIVE_INFINITY && Date.now() > slot.expiresAt) return undefined;
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** Stores `value` as the most recently used entry, for `ttlMs` milliseconds when given. */
  set(key: K, value: V, ttlMs?: number): void {
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    this.#slots.delete(key);
    this.#slots.set(key, { value, expiresAt });
    if (this.#slots.size > this.#max) {
      const [oldestKey, oldest] = this.#slots.entries().next().value as [K, Slot<V>];
      this.#slots.delete(oldestKey);
      this.#onEvict?.(oldest.value, oldestKey);
    }
  }

  delete(key: K): void {
    this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#slots.size;
  }
}
