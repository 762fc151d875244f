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
