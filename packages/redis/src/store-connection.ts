import type { StoreConnectionHealth } from '@rs/core';
import { describeError } from '@rs/core/adapter';
import { type BoundedCommands, boundedCommands } from './bounded-commands.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { ownedClient } from './owned-client.js';
import { stoppableReconnection } from './reconnect-backoff.js';
import type { ConnectionSettings, connectionSettings } from './store-options.js';

/** How a store reaches Redis, checked by {@link connectionSettings}. */
export interface StoreConnectionSettings extends ConnectionSettings {
  /** Told of every connection failure until `close()`. */
  readonly onConnectionError: (error: unknown) => void;
}

/** The client a store sends its commands on, with the store's bounds on every command. */
export interface StoreConnection {
  readonly client: NodeRedisClient;
  readonly commands: BoundedCommands;
  /** Whether the store created the client (from `url`), and so closes it. */
  readonly ownsClient: boolean;
  /**
   * Stops reporting the client's errors; closes it if the store created it, once its commands are answered or
   * after `graceMs`, whichever comes first, and resolves when nothing of it is left running (no socket,
   * no reconnection pause).
   */
  close(graceMs: number): Promise<void>;
  /** Whether the client is connected now, and the last connection error, for the resource server's `status()`. */
  health(): StoreConnectionHealth;
}

/**
 * Creates (from `url`) or adopts (`client`) the client of a store. A client the store creates connects in
 * the background: a failed attempt is emitted as 'error', and its reconnection strategy keeps trying.
 */
export function storeConnection(settings: StoreConnectionSettings): StoreConnection {
  const ownsClient = settings.client === undefined;
  const reconnection = stoppableReconnection(settings.reconnectMaxDelay);
  const client = settings.client ?? ownedClient(settings.url!, reconnection.strategy);
  const commands = boundedCommands(client, settings.commandTimeout, settings.maxPendingCommands);
  let closed = false;
  let lastError: { at: number; error: string } | undefined;
  const onError = (error: unknown) => {
    lastError = { at: Date.now(), error: describeError(error) };
    if (!closed) settings.onConnectionError(error);
  };
  client.on('error', onError);
  if (ownsClient) client.connect().catch(() => undefined);
  return {
    client,
    commands,
    ownsClient,
    health() {
      const connected = client.isReady;
      return {
        store: 'redis',
        ready: connected,
        connected,
        ...(lastError && { lastError: lastError.error, lastErrorAt: lastError.at }),
      };
    },
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

/**
 * Closes a client once the commands it sent are answered, or cuts the connection after `graceMs`:
 * `close()` alone would wait forever for the answers of a hung Redis.
 */
async function closeWithin(
  client: NodeRedisClient,
  commands: BoundedCommands,
  graceMs: number,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (commands.pending() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (commands.pending() === 0) await client.close();
  else client.destroy();
}
