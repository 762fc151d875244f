import { type CachedAnswer, LabelIndex, revocationLabels } from '@rs/core';
import { LRUCache } from 'lru-cache';
import { labelHash } from './label-hash.js';

/**
 * The in-process tier in front of Redis: an LRU whose entries expire with their Redis lifetime. Every
 * drop bumps an epoch, so that a Redis read that began before a drop does not put back what it removed.
 * Accepted answers are indexed by the hashes of their revocation labels, as in Redis.
 */
export class LocalTier {
  #epoch = 0;
  #evictions = 0;
  readonly #entries: LRUCache<string, CachedAnswer>;
  readonly #index = new LabelIndex();

  constructor(maxEntries: number) {
    this.#entries = new LRUCache<string, CachedAnswer>({
      max: maxEntries,
      ttlAutopurge: false,
      dispose: (_value, key, reason) => {
        if (reason === 'evict') this.#evictions++;
        this.#index.remove(key);
      },
    });
  }

  get(key: string): CachedAnswer | undefined {
    return this.#entries.get(key);
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    this.#entries.set(key, answer, { ttl: ttlMs });
    if (answer.info !== undefined) this.#index.add(key, revocationLabels(answer.info).map(labelHash));
  }

  /** Keeps what a Redis read found, unless something was dropped since the read began (`epoch`). */
  setIfUnchangedSince(epoch: number, key: string, answer: CachedAnswer, ttlMs: number): void {
    if (epoch === this.#epoch) this.set(key, answer, ttlMs);
  }

  /** Drops one key, or everything when `key` is `undefined`. */
  drop(key?: string): void {
    this.#epoch++;
    if (key === undefined) {
      this.#entries.clear();
      this.#index.clear();
    } else this.#entries.delete(key);
  }

  /** Drops the entries indexed under a label, by its hash. */
  dropLabelled(hash: string): void {
    this.#epoch++;
    for (const key of this.#index.keysOf(hash)) this.#entries.delete(key);
  }

  /** Keys in the label index: never more than the entries. */
  indexedKeys(): number {
    return this.#index.size.keys;
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
