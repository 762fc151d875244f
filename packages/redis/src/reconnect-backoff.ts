import { RsConfigError } from '@rs/core';
import { MAX_TIMER_MS } from '@rs/core/adapter';

// node-redis counts attempts from 0; past this many doublings the delay is capped by maxDelayMs anyway.
const MAX_DOUBLINGS = 16;

/**
 * A node-redis `socket.reconnectStrategy` that never gives up: 50 ms, 100 ms, 200 ms, … up to
 * `maxDelayMs`, plus up to 10 % jitter so that many instances do not reconnect in step. Unlike node-redis's
 * default, it also retries after a socket timeout, so a cache that lost Redis always comes back to it.
 *
 * @param maxDelayMs - The longest pause between two attempts, in whole milliseconds: from 1 to
 *   2 147 483 647 (the longest a timer waits). Default 2000.
 * @returns The strategy: given the number of attempts made so far (from 0), the pause before the next
 *   one, in whole milliseconds. A count that is not a whole number of zero or more is taken as 0.
 * @throws {@link RsConfigError} (`reconnectBackoff.maxDelayMs`) when `maxDelayMs` is out of range, rather
 *   than pauses of `NaN`, 0 or less, which would make node-redis reconnect in a busy loop.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { reconnectBackoff } from '@rs/redis';
 *
 * const client = createClient({
 *   url: 'redis://cache:6379',
 *   disableOfflineQueue: true,
 *   socket: { reconnectStrategy: reconnectBackoff(2_000) },
 * });
 * ```
 */
export function reconnectBackoff(maxDelayMs = 2_000): (retries: number) => number {
  if (!(Number.isSafeInteger(maxDelayMs) && maxDelayMs >= 1 && maxDelayMs <= MAX_TIMER_MS)) {
    throw new RsConfigError(
      'reconnectBackoff.maxDelayMs',
      `must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`,
    );
  }
  return (retries) => {
    // Called by node-redis, not by the application: an odd count must still give a usable pause.
    const doublings = Number.isSafeInteger(retries) && retries > 0 ? Math.min(retries, MAX_DOUBLINGS) : 0;
    const delay = Math.min(50 * 2 ** doublings, maxDelayMs);
    return Math.round(delay + Math.random() * delay * 0.1);
  };
}

/** A reconnection strategy for a client the store owns, with a way to stop it. */
export interface StoppableReconnection {
  /** The `socket.reconnectStrategy`: {@link reconnectBackoff}'s delays until stopped, then `false`. */
  readonly strategy: (retries: number) => number | false;
  /**
   * Refuses every further attempt, and resolves once the pause under way (if any) has ended. node-redis
   * waits between attempts on a timer that destroying the client does not cancel; a store that resolved
   * `close()` before it ended would keep the process alive for up to `maxDelayMs`.
   */
  stop(): Promise<void>;
}

export function stoppableReconnection(maxDelayMs: number): StoppableReconnection {
  const backoff = reconnectBackoff(maxDelayMs);
  let stopped = false;
  let pauseEndsAt = 0;
  return {
    strategy(retries) {
      if (stopped) return false;
      const delay = backoff(retries);
      pauseEndsAt = Math.max(pauseEndsAt, Date.now() + delay);
      return delay;
    },
    async stop() {
      stopped = true;
      // A few ms more, so that node-redis's timer, started earlier for the same end, has fired.
      const left = pauseEndsAt - Date.now() + 5;
      if (left > 5) await new Promise((resolve) => setTimeout(resolve, left));
    },
  };
}
