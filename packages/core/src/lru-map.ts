/** Options of {@link LruMap}. */
export interface LruMapOptions<K, V> {
  /**
   * Most entries held, expired ones not yet dropped included. Setting one more drops an expired entry
   * when there is one, and evicts the least recently used only when none has expired.
   */
  readonly max: number;
  /** Told of each entry evicted to make room (not of deletes, replacements or expiries). */
  readonly onEvict?: ((value: V, key: K) => void) | undefined;
  /**
   * Told of each entry that leaves the map, whatever the reason: evicted for room, deleted, replaced by
   * `set` with another value (once the new value is stored), found expired, or cleared. What an index
   * over the entries needs to never hold a key the map forgot. Always called once the map is consistent.
   */
  readonly onRemove?: ((value: V, key: K) => void) | undefined;
}

// "No slot" in the recency links. Slot numbers stay below `max`, itself far below 2³².
const NONE = 0xffff_ffff;
// Slots allocated at first; the arrays double from there up to `max`.
const FIRST_CAPACITY = 16;
// Expired entries each `set` drops, whether or not it needs room: more than one, so that entries that
// expired together (a burst of refusals, all kept for the same few seconds) are drained by the sets
// that follow, instead of being held, unread, until eviction reaches them.
const EXPIRED_DROPPED_PER_SET = 2;

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
 *
 * Entries with a TTL are also in a binary min-heap by expiry (the earlier set first among entries expiring
 * in the same millisecond), so that an expired entry is found without a scan: each `set` drops up to
 * {@link EXPIRED_DROPPED_PER_SET} expired entries, which frees room before any live entry is evicted.
 * The least recently used entry is often not the first to expire (a token read every second for an hour
 * is the most recently used, and may expire first; a burst of refusals kept for seconds is more recent
 * than the answers kept for a minute): evicting by use alone drops live entries while expired ones stay.
 * A read costs the heap nothing; adding an entry that expires after those held (the usual case: one
 * TTL) costs one comparison; removing one costs at most log₂(max) steps (14 for 10 000 entries).
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
  /** Slots of the entries with a TTL, as a min-heap by `#expiresAt`, then by `#setAt`. */
  #heap: Uint32Array;
  /** Where each slot is in `#heap`; {@link NONE} for an entry without a TTL. */
  #heapIndex: Uint32Array;
  #heapSize = 0;
  /** The order in which the slot's entry was last set: which of two entries expiring together goes first. */
  #setAt: Float64Array;
  #sets = 0;

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
    this.#heap = new Uint32Array(capacity);
    this.#heapIndex = new Uint32Array(capacity);
    this.#setAt = new Float64Array(capacity);
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

  /**
   * Stores `value` as the most recently used entry, for `ttlMs` milliseconds when given. Drops expired
   * entries first; when the map is still full, the least recently used entry makes room.
   */
  set(key: K, value: V, ttlMs?: number): void {
    this.dropExpired(EXPIRED_DROPPED_PER_SET);
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    const existing = this.#slots.get(key);
    if (existing !== undefined) {
      const replaced = this.#values[existing] as V;
      this.#values[existing] = value;
      this.#setExpiry(existing, expiresAt);
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#linkNewest(existing);
      }
      // Told once the map is whole again, so that a callback that uses the map finds it consistent.
      if (replaced !== value) this.#onRemove?.(replaced, key);
      return;
    }
    if (this.#slots.size >= this.#max) {
      // Full of live entries (expired ones were dropped above): the least recently used one makes room,
      // and its slot takes the new one.
      const slot = this.#oldest;
      const oldestKey = this.#keys[slot] as K;
      const oldest = this.#values[slot] as V;
      this.#slots.delete(oldestKey);
      this.#unlink(slot);
      this.#heapRemove(slot);
      this.#fill(slot, key, value, expiresAt);
      this.#onEvict?.(oldest, oldestKey);
      this.#onRemove?.(oldest, oldestKey);
      return;
    }
    this.#fill(this.#free.pop() ?? this.#newSlot(), key, value, expiresAt);
  }

  /** Whether an entry is held under `key`, expired or not: whether `set` would replace rather than add. */
  has(key: K): boolean {
    return this.#slots.has(key);
  }

  /**
   * Drops up to `limit` entries whose TTL has passed, the first to expire first (told as removed, not as
   * evicted), and answers how many it dropped. Never looks past the first entry still live.
   */
  dropExpired(limit = 1): number {
    if (this.#heapSize === 0) return 0;
    const now = Date.now();
    let dropped = 0;
    while (dropped < limit && this.#heapSize > 0) {
      const slot = this.#heap[0]!;
      if (!(now > this.#expiresAt[slot]!)) break;
      const key = this.#keys[slot] as K;
      const value = this.#values[slot] as V;
      this.#release(key, slot);
      dropped++;
      this.#onRemove?.(value, key);
    }
    return dropped;
  }

  /**
   * Evicts the least recently used entry, live or not, as `set` does to make room (told as evicted), and
   * answers whether there was one: for an owner that bounds several maps together.
   */
  evictOldest(): boolean {
    const slot = this.#oldest;
    if (slot === NONE) return false;
    const key = this.#keys[slot] as K;
    const value = this.#values[slot] as V;
    this.#release(key, slot);
    this.#onEvict?.(value, key);
    this.#onRemove?.(value, key);
    return true;
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
    this.#heapSize = 0;
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
    this.#heapIndex[slot] = NONE;
    this.#setExpiry(slot, expiresAt);
    this.#slots.set(key, slot);
    this.#linkNewest(slot);
  }

  /** Gives a held slot its expiry, and its place in the heap (none without a TTL). */
  #setExpiry(slot: number, expiresAt: number): void {
    this.#expiresAt[slot] = expiresAt;
    this.#setAt[slot] = this.#sets++;
    const at = this.#heapIndex[slot]!;
    if (expiresAt === Number.POSITIVE_INFINITY) {
      this.#heapRemove(slot);
    } else if (at === NONE) {
      const end = this.#heapSize++;
      this.#heap[end] = slot;
      this.#heapIndex[slot] = end;
      this.#siftUp(end);
    } else {
      // Set again: expires later, or sooner (a shorter TTL); one of the two moves does nothing.
      this.#siftDown(this.#siftUp(at));
    }
  }

  /** Empties a slot for reuse: nothing of the entry stays referenced. */
  #release(key: K, slot: number): void {
    this.#slots.delete(key);
    this.#unlink(slot);
    this.#heapRemove(slot);
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
      this.#heap = grown(this.#heap, new Uint32Array(capacity));
      this.#heapIndex = grown(this.#heapIndex, new Uint32Array(capacity));
      this.#setAt = grown(this.#setAt, new Float64Array(capacity));
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

  /** Takes a slot out of the heap, if it is there. */
  #heapRemove(slot: number): void {
    const at = this.#heapIndex[slot]!;
    if (at === NONE) return;
    this.#heapIndex[slot] = NONE;
    const last = this.#heap[--this.#heapSize]!;
    if (at === this.#heapSize) return;
    this.#heap[at] = last;
    this.#heapIndex[last] = at;
    this.#siftDown(this.#siftUp(at));
  }

  /** Whether slot `a`'s entry goes before slot `b`'s: it expires first, or with it but was set before. */
  #before(a: number, b: number): boolean {
    const expiresA = this.#expiresAt[a]!;
    const expiresB = this.#expiresAt[b]!;
    return expiresA < expiresB || (expiresA === expiresB && this.#setAt[a]! < this.#setAt[b]!);
  }

  /** Moves the heap's entry at `at` up to its place; answers where it ends. */
  #siftUp(at: number): number {
    const heap = this.#heap;
    const slot = heap[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt]!;
      if (!this.#before(slot, parent)) break;
      heap[at] = parent;
      this.#heapIndex[parent] = at;
      at = parentAt;
    }
    heap[at] = slot;
    this.#heapIndex[slot] = at;
    return at;
  }

  /** Moves the heap's entry at `at` down to its place. */
  #siftDown(at: number): void {
    const heap = this.#heap;
    const size = this.#heapSize;
    const slot = heap[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && this.#before(heap[child + 1]!, heap[child]!)) child++;
      const first = heap[child]!;
      if (!this.#before(first, slot)) break;
      heap[at] = first;
      this.#heapIndex[first] = at;
      at = child;
    }
    heap[at] = slot;
    this.#heapIndex[slot] = at;
  }
}

function grown<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
