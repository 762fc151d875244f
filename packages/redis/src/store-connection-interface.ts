import type { StoreConnectionHealth } from '@rs/core';
import type { BoundedCommands } from './bounded-commands.js';
import type { Subscription, SubscriptionHandlers } from './channel-subscription.js';
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
  /** Deletes the keys starting with `prefix` on every primary, but those `keep` names; how many were deleted. */
  deleteByPrefix(prefix: string, keep?: (key: string) => boolean): Promise<number>;
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
  /** Whether the connection is ready now, and its last error, for the resource server's `status()`. */
  health(): StoreConnectionHealth;
}
