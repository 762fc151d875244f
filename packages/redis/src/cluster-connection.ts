import { createCluster } from 'redis';
import { type BoundedCommands, boundedCommands } from './bounded-commands.js';
import { channelSubscription } from './channel-subscription.js';
import { closeWithin } from './close-within.js';
import { topologyRefresh } from './cluster-topology.js';
import type { CommandTarget } from './command-target.js';
import { ConnectionHealth } from './connection-health.js';
import { deleteByPrefix, unlinkAll } from './delete-by-prefix.js';
import type { RedisClusterOptions } from './deployment-options.js';
import { keepConnecting } from './keep-connecting.js';
import { keySlot, keysBySlot } from './key-slot.js';
import { connectionBounds, subscriberClientAt } from './owned-client.js';
import { stoppableReconnection } from './reconnect-backoff.js';
import { confirmSlotPrimary } from './slot-primary-check.js';
import type { StoreConnection, StoreConnectionSettings } from './store-connection-interface.js';

/**
 * A store's connection to a Redis Cluster, through node-redis's `createCluster`:
 *
 * - each command goes to the primary of its key's slot (never to a replica: a replica may still hold an
 *   answer a primary has just deleted); the stores send no multi-key command across slots;
 * - `MOVED` and `ASK` are followed by node-redis; when a node fails, the topology is read again (see
 *   {@link topologyRefresh}), so that its slots go to the replica promoted in its place;
 * - `deleteByPrefix` scans every primary and unlinks per slot;
 * - evictions go over sharded pub/sub (`SPUBLISH` / `SSUBSCRIBE`, Redis 7): the channel lives on the shard
 *   owning its name's slot, so an announcement costs one shard, not a broadcast over the cluster bus, and
 *   the subscriber follows that shard's primary through failovers and slot moves, and subscribes only on a
 *   node that says itself it is that primary (see {@link confirmSlotPrimary}).
 */
export function clusterConnection(
  settings: StoreConnectionSettings,
  options: RedisClusterOptions,
): StoreConnection {
  const reconnection = stoppableReconnection(settings.reconnectMaxDelay);
  const credentials = { username: options.username, password: options.password };
  const bounds = connectionBounds(settings.commandTimeout);
  const cluster = createCluster({
    rootNodes: options.rootNodes.map((node) => ({ socket: { host: node.host, port: node.port } })),
    // Every client node-redis creates for the cluster, the one reading its topology from a root node too.
    defaults: {
      ...credentials,
      // Commands for a node that is down fail at once instead of waiting, queued, for its return.
      disableOfflineQueue: true,
      pingInterval: bounds.pingInterval,
      socket: { ...bounds.socket, reconnectStrategy: reconnection.strategy },
    },
  });
  let closed = false;
  const health = new ConnectionHealth();
  const onError = (error: unknown) => {
    health.failed(error);
    if (!closed) settings.onConnectionError(error);
  };
  const topology = topologyRefresh(cluster, options.rootNodes);
  cluster.on('error', onError);
  cluster.on('node-error', (error: unknown) => {
    onError(error);
    if (!closed) void topology.refresh();
  });
  const connecting = keepConnecting(() => cluster.connect(), reconnection.strategy, onError);

  const target: CommandTarget = {
    get isReady() {
      return !closed && connecting.connected() && cluster.isOpen;
    },
    sendCommand: (args, commandOptions) =>
      cluster.sendCommand(routingKey(args), false, [...args], commandOptions),
  };
  const commands = boundedCommands(target, settings.commandTimeout, settings.maxPendingCommands);

  /**
   * SCAN on one primary, bounded like every other command. A primary that is not connected fails the
   * `clear()` at once (waiting for its connection could take as long as the outage).
   */
  function scanCommands(master: (typeof cluster.masters)[number]): BoundedCommands {
    const client = master.client;
    if (client === undefined || !client.isReady) {
      throw new Error(`SCAN not sent: primary ${master.address} is not connected`);
    }
    return boundedCommands(client, settings.commandTimeout, settings.maxPendingCommands);
  }

  return {
    commands,
    isReady: () => target.isReady,
    health: () => health.report(target.isReady),
    async deleteByPrefix(prefix, keep) {
      // One UNLINK per slot (a multi-key command across slots is refused), routed by the cluster client.
      const unlink = async (keys: readonly string[]) => {
        const counts = await Promise.all(keysBySlot(keys).map((group) => unlinkAll(commands, group)));
        return counts.reduce((sum, count) => sum + count, 0);
      };
      const deleted = await Promise.all(
        cluster.masters.map(async (master) => deleteByPrefix(scanCommands(master), prefix, unlink, keep)),
      );
      return deleted.reduce((sum, count) => sum + count, 0);
    },
    publishCommand: (channel, message) => ['SPUBLISH', channel, message],
    subscribe(handlers) {
      const slot = keySlot(handlers.channel);
      return channelSubscription(
        {
          sharded: true,
          moves: true,
          address() {
            const master = cluster.slots[slot]?.master;
            return master === undefined ? undefined : `${master.host}:${master.port}`;
          },
          create: (address, reconnectStrategy) =>
            subscriberClientAt(address, credentials, reconnectStrategy, bounds),
          confirm: (client) => confirmSlotPrimary(client, slot),
          onTrouble: (address) => topology.refresh(address),
        },
        handlers,
      );
    },
    async close(graceMs) {
      closed = true;
      // No further first connection: one started once the cluster is destroyed would open it again.
      const attemptsEnded = connecting.stop();
      // The listeners stay: an 'error' emitted with none would crash the process.
      await closeWithin(cluster, commands, graceMs);
      // The attempt under way ends once its client is cut, or answers: the cluster is closed, so it tries no
      // further root node. One that had read the topology by then has connected its nodes since.
      await attemptsEnded;
      // Guarded as in closeWithin: node-redis throws when destroying a cluster already closed.
      if (cluster.isOpen) cluster.destroy();
      await reconnection.stop();
    },
  };
}

/**
 * The key node-redis routes a command by. The stores' commands name their key first, except `EVAL`
 * (script, number of keys, then the key); `SPUBLISH` is routed by its channel, as Redis requires.
 */
function routingKey(args: readonly string[]): string | undefined {
  if (args[0] === 'EVAL' || args[0] === 'EVALSHA') return args[2] === '0' ? undefined : args[3];
  return args[1];
}
