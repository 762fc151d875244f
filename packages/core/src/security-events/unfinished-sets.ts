/** SETs remembered as unfinished at once: a burst of failures beyond it is retried no more than before. */
const MAX_UNFINISHED_SETS = 1_000;

/**
 * The replay keys of SETs whose `jti` was used up but whose events could not all be acted on (a handler or
 * the revocation sink rejected). The transmitter delivers such a SET again (the push was answered with a
 * server error, the poll did not acknowledge it); without this, the replay store would call the new copy a
 * duplicate, and a poller would acknowledge it, so that the revocation it carries was never applied.
 * In-process: a copy delivered to another instance sharing the replay store is still a duplicate there.
 */
export class UnfinishedSets {
  // Insertion order is the order of failure: the oldest is dropped first past the bound.
  readonly #keys = new Set<string>();

  add(replayKey: string): void {
    this.#keys.delete(replayKey);
    this.#keys.add(replayKey);
    if (this.#keys.size > MAX_UNFINISHED_SETS) this.#keys.delete(this.#keys.values().next().value!);
  }

  /** Whether a copy of this SET may be acted on again; taken out, so that concurrent copies act once. */
  take(replayKey: string): boolean {
    return this.#keys.delete(replayKey);
  }
}
