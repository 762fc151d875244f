/**
 * A node-redis `socket.reconnectStrategy` that never gives up: 50 ms, 100 ms, 200 ms, … up to
 * `maxDelayMs`, plus up to 10 % jitter so that many instances do not reconnect in step. Unlike node-redis's
 * default, it also retries after a socket timeout, so a cache that lost Redis always comes back to it.
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
  return (retries) => {
    const delay = Math.min(50 * 2 ** Math.min(retries, 16), maxDelayMs);
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
