import { createClient } from 'redis';
import type { NodeRedisClient } from './node-redis-client.js';
import { reconnectBackoff } from './reconnect-backoff.js';

/** The client a store creates from `url`: it fails fast while disconnected and reconnects in the background. */
export function ownedClient(url: string, reconnectMaxDelay: number): NodeRedisClient {
  return createClient({
    url,
    // Commands sent while disconnected fail at once instead of waiting, queued, for a reconnection.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectBackoff(reconnectMaxDelay) },
  });
}
