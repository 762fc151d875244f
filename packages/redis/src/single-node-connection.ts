import { boundedCommands } from './bounded-commands.js';
import { channelSubscription, type SubscriberClient } from './channel-subscription.js';
import { closeWithin } from './close-within.js';
import { ConnectionHealth } from './connection-health.js';
import { deleteByPrefix } from './delete-by-prefix.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { type ConnectionBounds, connectionBounds, ownedClient } from './owned-client.js';
import { stoppableReconnection } from './reconnect-backoff.js';
import type { StoreConnection, StoreConnectionSettings } from './store-connection-interface.js';

/**
 * Creates (from `url`) or adopts (`client`) the client of a store on one Redis. A client the store
 * creates connects in the background: a failed attempt is emitted as 'error', and its reconnection
 * strategy keeps trying.
 */
export function singleNodeConnection(settings: StoreConnectionSettings): StoreConnection {
  const ownsClient = settings.client === undefined;
  const reconnection = stoppableReconnection(settings.reconnectMaxDelay);
  const bounds = connectionBounds(settings.commandTimeout);
  const client = settings.client ?? ownedClient(settings.url!, reconnection.strategy, bounds);
  const commands = boundedCommands(client, settings.commandTimeout, settings.maxPendingCommands);
  let closed = false;
  const health = new ConnectionHealth();
  const onError = (error: unknown) => {
    health.failed(error);
    if (!closed) settings.onConnectionError(error);
  };
  client.on('error', onError);
  if (ownsClient) client.connect().catch(() => undefined);
  return {
    commands,
    isReady: () => client.isReady,
    health: () => health.report(client.isReady),
    deleteByPrefix: (prefix, keep) => deleteByPrefix(commands, prefix, undefined, keep),
    publishCommand: (channel, message) => ['PUBLISH', channel, message],
    subscribe: (handlers) =>
      channelSubscription(
        {
          sharded: false,
          moves: false,
          address: () => 'the one Redis',
          // The subscriber is the store's own connection, even on a client given by the application.
          create: (_address, reconnectStrategy) => duplicateOf(client, bounds, reconnectStrategy),
        },
        handlers,
      ),
    async close(graceMs) {
      closed = true;
      // A client the store created keeps the listener: an 'error' emitted with none would crash the process.
      if (!ownsClient) {
        client.off('error', onError);
        return;
      }
      await closeWithin(client, commands, graceMs);
      await reconnection.stop();
    },
  };
}

/**
 * A duplicate of `client` for the subscriber, with the deadlines of a connection the store creates: a
 * client given by the application may have none.
 */
function duplicateOf(
  client: NodeRedisClient,
  bounds: ConnectionBounds,
  reconnectStrategy: (retries: number) => number | false,
): SubscriberClient {
  const socket = { ...client.options?.socket, ...bounds.socket, reconnectStrategy };
  // A node-redis client's duplicate: it has the subscriber methods NodeRedisClient leaves undeclared.
  return client.duplicate({ pingInterval: bounds.pingInterval, socket }) as unknown as SubscriberClient;
}
