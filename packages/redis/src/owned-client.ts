import { createClient } from 'redis';
import type { NodeRedisClient } from './node-redis-client.js';

/** The client a store creates from `url`: it fails fast while disconnected and reconnects in the background. */
export function ownedClient(
  url: string,
  reconnectStrategy: (retries: number) => number | false,
): NodeRedisClient {
  return createClient({
    url,
    // Commands sent while disconnected fail at once instead of waiting, queued, for a reconnection.
    disableOfflineQueue: true,
    socket: { reconnectStrategy },
  });
}
