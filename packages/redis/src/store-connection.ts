import { type BoundedCommands, boundedCommands } from './bounded-commands.js';
import {
  channelSubscription,
  type SubscriberClient,
  type Subscription,
  type SubscriptionHandlers,
} from './channel-subscription.js';
import { closeWithin } from './close-within.js';
import { clusterConnection } from './cluster-connection.js';
import { deleteByPrefix } from './delete-by-prefix.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { ownedClient } from './owned-client.js';
import { stoppableReconnection } from './reconnect-backoff.js';
import { sentinelConnection } from './sentinel-connection.js';
import type { ConnectionSettings, connectionSettings } from './store-options.js';

/** How a store reaches Redis, checked by {@link connectionSettings}. */
export interface StoreConnectionSettings extends ConnectionSettings {
  /** Told of every connection failure until `close()`. */
  readonly onConnectionError: (error: unknown) => void;
}

/**
 * What a store sends its commands on, whatever Redis is behind it: one server, a cluster, or the primary
 * that Sentinel names. The stores see only this.
 */
export interface StoreConnection {
  /** The store's bounds on every command; each command goes where its key lives. */
  readonly commands: BoundedCommands;
  /** Whether commands can be sent now. */
  isReady(): boolean;
  /** Deletes the keys starting with `prefix` on every primary; how many were deleted. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** The command announcing `message` on `channel`: `PUBLISH`, or `SPUBLISH` on a cluster. */
  publishCommand(channel: string, message: string): string[];
  /** Subscribes to `channel` on a connection of its own, kept alive and following failovers. */
  subscribe(handlers: SubscriptionHandlers): Subscription;
  /**
   * Stops reporting errors; closes what the store created, once its commands are answered or after
   * `graceMs`, whichever comes first, and resolves when nothing of it is left running (no socket, no
   * reconnection pause).
   */
  close(graceMs: number): Promise<void>;
}

/** The connection `settings` ask for: a cluster, Sentinel, or one Redis (`url` or `client`). */
export function storeConnection(settings: StoreConnectionSettings): StoreConnection {
  if (settings.cluster !== undefined) return clusterConnection(settings, settings.cluster);
  if (settings.sentinel !== undefined) return sentinelConnection(settings, settings.sentinel);
  return singleNodeConnection(settings);
}

/**
 * Creates (from `url`) or adopts (`client`) the client of a store on one Redis. A client the store
 * creates connects in the background: a failed attempt is emitted as 'error', and its reconnection
 * strategy keeps trying.
 */
function singleNodeConnection(settings: StoreConnectionSettings): StoreConnection {
  const ownsClient = settings.client === undefined;
  const reconnection = stoppableReconnection(settings.reconnectMaxDelay);
  const client = settings.client ?? ownedClient(settings.url!, reconnection.strategy);
  const commands = boundedCommands(client, settings.commandTimeout, settings.maxPendingCommands);
  let closed = false;
  const onError = (error: unknown) => {
    if (!closed) settings.onConnectionError(error);
  };
  client.on('error', onError);
  if (ownsClient) client.connect().catch(() => undefined);
  return {
    commands,
    isReady: () => client.isReady,
    deleteByPrefix: (prefix) => deleteByPrefix(commands, prefix),
    publishCommand: (channel, message) => ['PUBLISH', channel, message],
    subscribe: (handlers) =>
      channelSubscription(
        {
          sharded: false,
          moves: false,
          address: () => 'the one Redis',
          // The subscriber is the store's own connection, even on a client given by the application.
          create: (_address, reconnectStrategy) =>
            duplicateOf(client, { ...client.options?.socket, reconnectStrategy }),
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
      if (client.isOpen) await closeWithin(client, commands, graceMs);
      await reconnection.stop();
    },
  };
}

function duplicateOf(client: NodeRedisClient, socket: object): SubscriberClient {
  // A node-redis client's duplicate: it has the subscriber methods NodeRedisClient leaves undeclared.
  return client.duplicate({ socket }) as unknown as SubscriberClient;
}
