/** Options of {@link LruMap}. */
export interface LruMapOptions<K, V> {
  /** Most entries held; setting one more evicts the least recently used. */
  readonly max: number;
  /** Told of each entry evicted to make room (not of deletes, replacements or expiries). */
  readonly onEvict?: (value: V, key: K) => void;
  /**
   * Told of each entry that leaves the map, whatever the reason: evicted for room, deleted, replaced by
   * `set` with another value (once the new value is stored), found expired, or cleared. What an index
   * over the entries needs to never hold a key the map forgot. Always called once the map is consistent.
   */
  readonly onRemove?: (value: V, key: K) => void;
}

// "No slot" in the recency links. Slot numbers stay below `max`, itself far below 2³².
const NONE = 0xffff_ffff;
// Slots allocated at first; the arrays double from there up to `max`.
const FIRST_CAPACITY = 16;

/**
 * A bounded map that forgets its least recently used entries, each optionally with a TTL: what @rs's
 * in-process caches need and no more. (The `lru-cache` package does the same with more features, in a
 * package larger than the rest of an install of @rs/core.)
 *
 * Entries live in numbered slots, and a `Map` finds a key's slot. The order of use is a doubly linked
 * list of slot numbers in typed arrays, so a read that makes an entry the most recently used rewrites
 * four numbers and touches the `Map` only to look up. Re-inserting the key instead (delete, then set:
 * the other way to keep a `Map` in order of use) leaves a hole in V8's hash table at each read: the
 * table is rebuilt whenever holes fill it, which for a table near its capacity (1 000 entries in room
 * for 1 024) is every few reads, and a read of a repeated token cost over a microsecond.
 */
export class LruMap<K, V> {
  readonly #slots = new Map<K, number>();
  readonly #max: number;
  readonly #onEvict: ((value: V, key: K) => void) | undefined;
  readonly #onRemove: ((value: V, key: K) => void) | undefined;
  #keys: (K | undefined)[] = [];
  #values: (V | undefined)[] = [];
  /** `Date.now()` after which the slot's entry is gone; `Infinity` without a TTL. */
  #expiresAt: Float64Array;
  /** The next more recently used slot, and the next less recently used one. */
  #newer: Uint32Array;
  #older: Uint32Array;
  #newest = NONE;
  #oldest = NONE;
  /** Slots emptied by deletes and expiries, reused before new ones. */
  readonly #free: number[] = [];
  /** Slots ever used: the next new one. */
  #used = 0;

  constructor(options: LruMapOptions<K, V>) {
    if (!Number.isInteger(options.max) || options.max < 1)
      throw new RangeError('max must be a positive integer');
    this.#max = options.max;
    this.#onEvict = options.onEvict;
    this.#onRemove = options.onRemove;
    const capacity = Math.min(this.#max, FIRST_CAPACITY);
    this.#expiresAt = new Float64Array(capacity);
    this.#newer = new Uint32Array(capacity);
    this.#older = new Uint32Array(capacity);
  }

  /** The value under `key`, now the most recently used, or `undefined` when absent or expired. */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    const expiresAt = this.#expiresAt[slot]!;
    if (expiresAt !== Number.POSITIVE_INFINITY && Date.now() > expiresAt) {
      const value = this.#values[slot] as V;
      this.#release(key, slot);
      this.#onRemove?.(value, key);
      return undefined;
    }
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#linkNewest(slot);
    }
    return this.#values[slot];
  }

  /** Stores `value` as the most recently used entry, for `ttlMs` milliseconds when given. */
  set(key: K, value: V, ttlMs?: number): void {
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    const existing = this.#slots.get(key);
    if (existing !== undefined) {
      const replaced = this.#values[existing] as V;
      this.#values[existing] = value;
      this.#expiresAt[existing] = expiresAt;
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#linkNewest(existing);
      }
      // Told once the map is whole again, so that a callback that uses the map finds it consistent.
      if (replaced !== value) this.#onRemove?.(replaced, key);
      return;
    }
    if (this.#slots.size >= this.#max) {
      // Full: the least recently used entry makes room, and its slot takes the new one.
      const slot = this.#oldest;
      const oldestKey = this.#keys[slot] as K;
      const oldest = this.#values[slot] as V;
      this.#slots.delete(oldestKey);
      this.#unlink(slot);
      this.#fill(slot, key, value, expiresAt);
      this.#onEvict?.(oldest, oldestKey);
      this.#onRemove?.(oldest, oldestKey);
      return;
    }
    this.#fill(this.#free.pop() ?? this.#newSlot(), key, value, expiresAt);
  }

  delete(key: K): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    const value = this.#values[slot] as V;
    this.#release(key, slot);
    this.#onRemove?.(value, key);
  }

  clear(): void {
    const removed: [K, V][] = [];
    if (this.#onRemove !== undefined) {
      for (let slot = this.#oldest; slot !== NONE; slot = this.#newer[slot]!) {
        removed.push([this.#keys[slot] as K, this.#values[slot] as V]);
      }
    }
    this.#slots.clear();
    this.#keys = [];
    this.#values = [];
    this.#free.length = 0;
    this.#used = 0;
    this.#newest = this.#oldest = NONE;
    for (const [key, value] of removed) this.#onRemove!(value, key);
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#slots.size;
  }

  #fill(slot: number, key: K, value: V, expiresAt: number): void {
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#expiresAt[slot] = expiresAt;
    this.#slots.set(key, slot);
    this.#linkNewest(slot);
  }

  /** Empties a slot for reuse: nothing of the entry stays referenced. */
  #release(key: K, slot: number): void {
    this.#slots.delete(key);
    this.#unlink(slot);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    this.#free.push(slot);
  }

  #newSlot(): number {
    const slot = this.#used++;
    if (slot === this.#expiresAt.length) {
      const capacity = Math.min(this.#max, slot * 2);
      this.#expiresAt = grown(this.#expiresAt, new Float64Array(capacity));
      this.#newer = grown(this.#newer, new Uint32Array(capacity));
      this.#older = grown(this.#older, new Uint32Array(capacity));
    }
    return slot;
  }

  #linkNewest(slot: number): void {
    this.#older[slot] = this.#newest;
    this.#newer[slot] = NONE;
    if (this.#newest === NONE) this.#oldest = slot;
    else this.#newer[this.#newest] = slot;
    this.#newest = slot;
  }

  #unlink(slot: number): void {
    const older = this.#older[slot]!;
    const newer = this.#newer[slot]!;
    if (older === NONE) this.#oldest = newer;
    else this.#newer[older] = newer;
    if (newer === NONE) this.#newest = older;
    else this.#older[newer] = older;
  }
}

function grown<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
