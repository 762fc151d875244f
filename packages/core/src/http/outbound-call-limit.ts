/** A bound on the calls to one dependency under way at once, made by {@link outboundCallLimit}. */
export interface OutboundCallLimit {
  /** The most calls under way at once. */
  readonly max: number;
  /** How many calls are under way now. */
  readonly underWay: number;
  /**
   * Starts `call` when fewer than `max` calls are under way, and returns its promise; the call's slot is
   * freed when it settles, however it settles. Returns `undefined`, without calling it, when `max` calls
   * are already under way: the caller answers at once rather than waiting for a slot.
   */
  tryRun<T>(call: () => Promise<T>): Promise<T> | undefined;
}

/**
 * A limit of `max` calls under way at once, with no queue: a call beyond it is refused at once.
 *
 * Every request a client sends can make a resource server call out (one introspection per new opaque
 * token): without a bound, a flood of made-up tokens becomes as many calls to the authorization server
 * as the flood has in flight, each holding a connection and memory until its answer or its timeout, and
 * when the server slows down every one of them waits out the timeout, the genuine ones too. A queue
 * would only move that wait: requests beyond the bound are answered at once instead, while the calls
 * under way (and answers already cached) go on as before.
 *
 * @example
 * ```ts
 * const calls = outboundCallLimit(64);
 * const answer = calls.tryRun(() => http.send(request));
 * if (answer === undefined) return refusal('introspection_unavailable', 'The authorization server is unavailable');
 * ```
 */
export function outboundCallLimit(max: number): OutboundCallLimit {
  let underWay = 0;
  return {
    max,
    get underWay() {
      return underWay;
    },
    tryRun<T>(call: () => Promise<T>): Promise<T> | undefined {
      if (underWay >= max) return undefined;
      underWay++;
      // Async, so that a `call` that throws before its first await frees its slot too.
      const run = async (): Promise<T> => {
        try {
          return await call();
        } finally {
          underWay--;
        }
      };
      return run();
    },
  };
}
