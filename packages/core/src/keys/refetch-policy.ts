/** The timing rules of {@link RefetchPolicy}, in milliseconds. */
export interface RefetchSettings {
  /** Least time between the start of a fetch that succeeded and the start of the next one. */
  readonly minFetchInterval: number;
  /** Most fetches caused by unknown `kid`s in any 60 seconds. */
  readonly unknownKidFetchesPerMinute: number;
  /**
   * Wait after the first failed fetch, from when it failed (a fetch that timed out is not followed at
   * once by the next); doubled after each further failure in a row.
   */
  readonly retryDelay: number;
  /** The cap of that doubling. */
  readonly maxRetryDelay: number;
}

const MINUTE = 60_000;

/**
 * When a remote JWK set may be fetched again. Every fetch waits `minFetchInterval` after a good one and
 * a doubling back-off after failures, so a broken or unreachable endpoint is not hammered; fetches for
 * unknown `kid`s also spend from a per-minute budget, so a flood of made-up `kid`s costs a few fetches
 * a minute, while a rotated key is picked up by the first token that carries it.
 *
 * Times are the pipeline's `now`; a clock that went back by the wait or more counts as a fresh start
 * rather than a wait that could last as long as the jump. A reading a little before the last attempt is
 * no such jump: it is a request that read the clock just before another one started the fetch, and it
 * waits as every other request does.
 */
export class RefetchPolicy {
  /** When the wait before the next fetch began: the start of the last fetch, or when it failed. */
  private waitFrom = Number.NEGATIVE_INFINITY;
  private failuresInARow = 0;
  /** Start times of the unknown-`kid` fetches of the last minute, oldest first. */
  private readonly unknownKidFetches: number[] = [];

  constructor(private readonly settings: RefetchSettings) {}

  /** Whether the last fetch failed (the keys held, if any, could not be confirmed). */
  get lastFetchFailed(): boolean {
    return this.failuresInARow > 0;
  }

  /** Whether a fetch may start now. */
  mayFetch(now: number): boolean {
    // As far before the wait began as the wait lasts: the clock went back, and the wait is over too.
    return Math.abs(now - this.waitFrom) >= this.waitAfterLastAttempt();
  }

  /** Whether a fetch for a `kid` the held keys do not know may start now. */
  mayFetchForUnknownKid(now: number): boolean {
    if (!this.mayFetch(now)) return false;
    const window = this.unknownKidFetches;
    // A minute old, or a minute ahead (the clock went back): out of the budget. A fetch a little ahead
    // was started by a request that read the clock a little later than this one, and still counts.
    while (window.length > 0 && Math.abs(now - window[0]!) >= MINUTE) window.shift();
    return window.length < this.settings.unknownKidFetchesPerMinute;
  }

  fetchStarted(now: number, forUnknownKid: boolean): void {
    this.waitFrom = now;
    if (forUnknownKid) this.unknownKidFetches.push(now);
  }

  fetchSucceeded(): void {
    this.failuresInARow = 0;
  }

  /**
   * The fetch that started last failed at `at`: its start plus the time it took, on the same clock. The
   * back-off runs from then, not from the start, or the time a hanging endpoint took would count as
   * time waited.
   */
  fetchFailed(at: number): void {
    this.failuresInARow++;
    if (at > this.waitFrom) this.waitFrom = at;
  }

  private waitAfterLastAttempt(): number {
    const { minFetchInterval, retryDelay, maxRetryDelay } = this.settings;
    if (this.failuresInARow === 0) return minFetchInterval;
    // 2 ** 30 is far past any cap; stopping there keeps the product finite.
    const doubled = retryDelay * 2 ** Math.min(this.failuresInARow - 1, 30);
    return Math.min(doubled, maxRetryDelay);
  }
}
