import { createSentinel } from 'redis';
import { boundedCommands } from './bounded-commands.js';
import { channelSubscription } from './channel-subscription.js';
import { closeWithin } from './close-within.js';
import type { CommandTarget } from './command-target.js';
import { ConnectionHealth } from './connection-health.js';
import { deleteByPrefix } from './delete-by-prefix.js';
import type { RedisNodeAddress, RedisSentinelOptions } from './deployment-options.js';
import { keepConnecting } from './keep-connecting.js';
import { connectionBounds, subscriberClientAt } from './owned-client.js';
import { stoppableReconnection } from './reconnect-backoff.js';
import type { StoreConnection, StoreConnectionSettings } from './store-connection-interface.js';

/**
 * A store's connection to the primary that Redis Sentinel names, through node-redis's `createSentinel`:
 * node-redis asks the sentinels for the primary, listens to their `switch-master` announcements and, when
 * a command finds the primary gone or read-only, asks again, so that commands follow a failover to the
 * promoted replica. Every command goes to the primary. The eviction subscriber is a connection of its own
 * to the primary, moved to the new one whenever node-redis reports a `MASTER_CHANGE`.
 */
export function sentinelConnection(
  settings: StoreConnectionSettings,
  options: RedisSentinelOptions,
): StoreConnection {
  const reconnection = stoppableReconnection(settings.reconnectMaxDelay);
  const credentials = { username: options.username, password: options.password };
  const bounds = connectionBounds(settings.commandTimeout);
  const socket = { ...bounds.socket, reconnectStrategy: reconnection.strategy };
  const sentinel = createSentinel({
    name: options.name,
    sentinelRootNodes: options.sentinelRootNodes.map(({ host, port }) => ({ host, port })),
    nodeClientOptions: {
      ...credentials,
      // Commands sent while the primary is unreachable fail at once instead of waiting, queued.
      disableOfflineQueue: true,
      pingInterval: bounds.pingInterval,
      socket,
    },
    // Also the clients asking a sentinel where the primary is: node-redis waits for their connection.
    sentinelClientOptions: { pingInterval: bounds.pingInterval, socket },
  });
  let closed = false;
  const health = new ConnectionHealth();
  let primary: RedisNodeAddress | undefined;
  const onError = (error: unknown) => {
    health.failed(error);
    if (!closed) settings.onConnectionError(error);
  };
  sentinel.on('error', onError);
  sentinel.on('topology-change', (event: { type: string; node?: RedisNodeAddress | undefined }) => {
    if (event.type === 'MASTER_CHANGE' && event.node !== undefined) primary = event.node;
  });
  const connecting = keepConnecting(
    () => sentinel.connect(),
    reconnection.strategy,
    onError,
    // node-redis's Sentinel client stays open once its first connection has failed, and then refuses
    // every connect() ("already attempting to open"): destroyed, it can connect again.
    () => sentinel.destroy(),
  );

  const target: CommandTarget = {
    get isReady() {
      return !closed && connecting.connected() && sentinel.isReady;
    },
    sendCommand: (args, commandOptions) => sentinel.sendCommand(false, [...args], commandOptions),
  };
  const commands = boundedCommands(target, settings.commandTimeout, settings.maxPendingCommands);

  return {
    commands,
    isReady: () => target.isReady,
    health: () => health.report(target.isReady),
    deleteByPrefix: (prefix, keep) => deleteByPrefix(commands, prefix, undefined, keep),
    publishCommand: (channel, message) => ['PUBLISH', channel, message],
    subscribe: (handlers) =>
      channelSubscription(
        {
          sharded: false,
          moves: true,
          address: () => (primary === undefined ? undefined : `${primary.host}:${primary.port}`),
          create: (address, reconnectStrategy) =>
            subscriberClientAt(address, credentials, reconnectStrategy, bounds),
        },
        handlers,
      ),
    async close(graceMs) {
      closed = true;
      // No further first connection: one started once the client is destroyed would open it again.
      const attemptsEnded = connecting.stop();
      // No further reconnection either, before destroying: node-redis's destroy() waits for the discovery
      // under way, whose clients would otherwise reconnect for as long as their node does not answer (each
      // of their attempts is bounded, see connectionBounds).
      const reconnectionStopped = reconnection.stop();
      // The listeners stay: an 'error' emitted with none would crash the process.
      await closeWithin(sentinel, commands, graceMs);
      await attemptsEnded;
      await reconnectionStopped;
    },
  };
}
