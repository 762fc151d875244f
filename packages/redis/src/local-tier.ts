import { type CachedAnswer, LabelIndex, revocationLabels } from '@rs/core';
import { LRUCache } from 'lru-cache';
import { labelHash } from './label-hash.js';

/**
 * The in-process tier in front of Redis: an LRU whose entries expire with their Redis lifetime. Every
 * drop bumps an epoch, so that a Redis read that began before a drop does not put back what it removed.
 * Accepted answers are indexed by the hashes of their revocation labels, as in Redis. The answers this
 * instance wrote (rather than read from Redis) are told apart: a drop another instance announced returns
 * their keys, as this instance's write of one may have reached Redis after that instance's deletion.
 */
export class LocalTier {
  #epoch = 0;
  #evictions = 0;
  readonly #entries: LRUCache<string, CachedAnswer>;
  readonly #index = new LabelIndex();
  /** The answers this instance wrote: held weakly, so that each goes when its entry does. */
  readonly #written = new WeakSet<CachedAnswer>();

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

  /** Keeps an answer this instance wrote (`written`), or one it read from Redis. */
  set(key: string, answer: CachedAnswer, ttlMs: number, written = false): void {
    if (written) this.#written.add(answer);
    this.#entries.set(key, answer, { ttl: ttlMs });
    if (answer.info !== undefined) this.#index.add(key, revocationLabels(answer.info).map(labelHash));
  }

  /** Keeps what a Redis read found, unless something was dropped since the read began (`epoch`). */
  setIfUnchangedSince(epoch: number, key: string, answer: CachedAnswer, ttlMs: number): void {
    if (epoch === this.#epoch) this.set(key, answer, ttlMs);
  }

  /**
   * Drops one key, or everything when `key` is `undefined`; returns the keys it dropped whose answers
   * this instance wrote.
   */
  drop(key?: string): string[] {
    this.#epoch++;
    if (key === undefined) {
      const written = this.#writtenAmong(this.#entries.keys());
      this.#entries.clear();
      this.#index.clear();
      return written;
    }
    const written = this.#writtenAmong([key]);
    this.#entries.delete(key);
    return written;
  }

  /** Drops the entries indexed under a label, by its hash; returns those whose answers this instance wrote. */
  dropLabelled(hash: string): string[] {
    this.#epoch++;
    const keys = this.#index.keysOf(hash);
    const written = this.#writtenAmong(keys);
    for (const key of keys) this.#entries.delete(key);
    return written;
  }

  /** Those of `keys` whose answers (still unexpired here) this instance wrote. */
  #writtenAmong(keys: Iterable<string>): string[] {
    const written: string[] = [];
    for (const key of keys) {
      const answer = this.#entries.peek(key);
      if (answer !== undefined && this.#written.has(answer)) written.push(key);
    }
    return written;
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
