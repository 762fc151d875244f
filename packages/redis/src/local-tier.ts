import type { CachedAnswer } from '@rs/core';
import { LRUCache } from 'lru-cache';

/**
 * The in-process tier in front of Redis: an LRU whose entries expire with their Redis lifetime. Every
 * drop bumps an epoch, so that a Redis read that began before a drop does not put back what it removed.
 */
export class LocalTier {
  #epoch = 0;
  #evictions = 0;
  readonly #entries: LRUCache<string, CachedAnswer>;

  constructor(maxEntries: number) {
    this.#entries = new LRUCache<string, CachedAnswer>({
      max: maxEntries,
      ttlAutopurge: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  get(key: string): CachedAnswer | undefined {
    return this.#entries.get(key);
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    this.#entries.set(key, answer, { ttl: ttlMs });
  }

  /** Keeps what a Redis read found, unless something was dropped since the read began (`epoch`). */
  setIfUnchangedSince(epoch: number, key: string, answer: CachedAnswer, ttlMs: number): void {
    if (epoch === this.#epoch) this.set(key, answer, ttlMs);
  }

  /** Drops one key, or everything when `key` is `undefined`. */
  drop(key?: string): void {
    this.#epoch++;
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }

  /** Taken before a Redis read, for {@link setIfUnchangedSince}. */
  epoch(): number {
    return this.#epoch;
  }

  /** Entries dropped to make room. */
  evictions(): number {
    return this.#evictions;
  }

  size(): number {
    return this.#entries.size;
  }
}
