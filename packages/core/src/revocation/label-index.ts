/**
 * Which cache keys carry which revocation labels (`sub:alice`, `jti:…`), so that a revocation by claim
 * finds its entries without a scan. It holds only keys that are in the cache: the cache calls
 * {@link LabelIndex.remove} whenever an entry leaves (evicted to make room, expired, deleted, replaced),
 * so the index never holds more than `labels per entry × entries` and never outlives what it indexes.
 */
export class LabelIndex {
  readonly #keysByLabel = new Map<string, Set<string>>();
  readonly #labelsByKey = new Map<string, readonly string[]>();

  /** Indexes `key` under `labels`, replacing what it was indexed under. */
  add(key: string, labels: readonly string[]): void {
    this.remove(key);
    if (labels.length === 0) return;
    this.#labelsByKey.set(key, labels);
    for (const label of labels) {
      let keys = this.#keysByLabel.get(label);
      if (keys === undefined) {
        keys = new Set();
        this.#keysByLabel.set(label, keys);
      }
      keys.add(key);
    }
  }

  /** Drops `key` from the index, whatever labels it was under. */
  remove(key: string): void {
    const labels = this.#labelsByKey.get(key);
    if (labels === undefined) return;
    this.#labelsByKey.delete(key);
    for (const label of labels) {
      const keys = this.#keysByLabel.get(label);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#keysByLabel.delete(label);
    }
  }

  /** The keys indexed under `label`, as a copy (the caller deletes them, which changes the index). */
  keysOf(label: string): string[] {
    return [...(this.#keysByLabel.get(label) ?? [])];
  }

  /** Empties the index, when the cache it indexes is cleared. */
  clear(): void {
    this.#keysByLabel.clear();
    this.#labelsByKey.clear();
  }

  /** Indexed keys and labels, to check in tests and metrics that the index follows the cache. */
  get size(): { readonly keys: number; readonly labels: number } {
    return { keys: this.#labelsByKey.size, labels: this.#keysByLabel.size };
  }
}
