import { createClient } from 'redis';
import type { SubscriberClient } from './channel-subscription.js';
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

/**
 * A client the store creates for a subscriber at `address` (`host:port`) of a cluster or Sentinel setup,
 * with the deployment's credentials.
 */
export function subscriberClientAt(
  address: string,
  credentials: { readonly username?: string; readonly password?: string },
  reconnectStrategy: (retries: number) => number | false,
): SubscriberClient {
  const separator = address.lastIndexOf(':');
  const client = createClient({
    ...credentials,
    disableOfflineQueue: true,
    socket: {
      host: address.slice(0, separator),
      port: Number(address.slice(separator + 1)),
      reconnectStrategy,
    },
  });
  // node-redis's listener types are narrower than SubscriberClient's (string | Buffer messages).
  return client as unknown as SubscriberClient;
}
