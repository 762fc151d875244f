import type { SharedRevocation } from '@rs/core';
import { decodeEvictionMessage, type EvictionMessage, encodeEvictionMessage } from './eviction-message.js';
import type { StoreConnection } from './store-connection-interface.js';

/** What the channel needs from its store. */
export interface EvictionChannelSettings {
  /** The store's connection: announcements go out on its commands, the subscriber is its own. */
  readonly connection: StoreConnection;
  readonly channel: string;
  /** The longest pause between two reconnection attempts of the subscriber. */
  readonly reconnectMaxDelay: number;
  /** Another instance asked to drop one key (`key`), or everything (`undefined`). */
  readonly onEviction: (key: string | undefined) => void;
  /** Another instance dropped the entries indexed under a label (its hash). */
  readonly onLabelEviction: (labelHash: string) => void;
  /** Another instance published a revocation. */
  readonly onRevocation: (revocation: SharedRevocation) => void;
  /**
   * The subscription (re)started: evictions announced meanwhile were missed, so the store must drop
   * everything it holds locally.
   */
  readonly onResync: () => void;
  readonly onConnectionError: (error: unknown) => void;
  readonly onSubscribeError: (error: unknown) => void;
}

/** Counters of an {@link EvictionChannel}. */
export interface EvictionChannelStats {
  readonly publishedEvictions: number;
  readonly receivedEvictions: number;
  readonly localResyncs: number;
  readonly subscribed: boolean;
}

/** How the instances sharing one Redis tell each other to drop answers. */
export interface EvictionChannel {
  /** Announces an eviction to the other instances. */
  announce(
    message:
      | { readonly key: string }
      | { readonly clear: true }
      | { readonly label: string }
      | { readonly revocation: SharedRevocation },
  ): Promise<void>;
  /**
   * Runs `remove`, then announces `message` once Redis has answered it, so that whoever hears the
   * announcement and then reads Redis finds the keys gone (on a cluster the keys and the channel live on
   * different shards, so sending both in one write would not order them). Announced even when removing
   * failed: the others should at least drop their local copies. A revocation is announced the same way
   * once its marker is kept, so that an instance subscribing meanwhile hears it or reads it back. With
   * `onlyIfRemoved`, a removal that answered with nothing removed (`0`) is not announced. Throws the
   * first failure.
   */
  removeAndAnnounce(
    remove: () => Promise<unknown>,
    message:
      | { readonly key: string }
      | { readonly clear: true }
      | { readonly label: string }
      | { readonly revocation: SharedRevocation },
    onlyIfRemoved?: boolean,
  ): Promise<void>;
  stats(): EvictionChannelStats;
  /** Unsubscribes for good: closes the subscriber connection, and resolves when nothing of it is left running. */
  close(): Promise<void>;
}

/**
 * Pub/sub eviction between instances. The subscription is a connection of its own (see
 * {@link StoreConnection.subscribe}); whenever it (re)starts, evictions announced meanwhile were missed,
 * and the store is told to resync.
 */
export function evictionChannel(settings: EvictionChannelSettings): EvictionChannel {
  const { connection, channel } = settings;
  const { commands } = connection;
  // Tells this instance's own announcements apart from the others' when they come back on the channel.
  const instanceId = globalThis.crypto.randomUUID();
  let closed = false;
  let publishedEvictions = 0;
  let receivedEvictions = 0;
  let localResyncs = 0;

  const subscription = connection.subscribe({
    channel,
    reconnectMaxDelay: settings.reconnectMaxDelay,
    onMessage(text) {
      const message = decodeEvictionMessage(text);
      if (closed || message === undefined || message.from === instanceId) return;
      receivedEvictions++;
      if ('label' in message) settings.onLabelEviction(message.label);
      else if ('revocation' in message) settings.onRevocation(message.revocation);
      else settings.onEviction('clear' in message ? undefined : message.key);
    },
    onRestart() {
      if (closed) return;
      localResyncs++;
      settings.onResync();
    },
    onConnectionError: (error) => {
      if (!closed) settings.onConnectionError(error);
    },
    onSubscribeError: (error) => {
      if (!closed) settings.onSubscribeError(error);
    },
  });

  async function announce(message: EvictionMessage): Promise<void> {
    await commands.send(connection.publishCommand(channel, encodeEvictionMessage(message)));
    publishedEvictions++;
  }

  return {
    announce: (message) => announce({ ...message, from: instanceId }),
    async removeAndAnnounce(remove, message, onlyIfRemoved = false) {
      let failure: unknown;
      let removed: unknown;
      try {
        removed = await remove();
      } catch (error) {
        failure = error;
      }
      // A failed removal may have removed anything: it is announced whatever was asked.
      if (failure === undefined && onlyIfRemoved && removed === 0) return;
      try {
        await announce({ ...message, from: instanceId });
      } catch (error) {
        failure ??= error;
      }
      if (failure !== undefined) throw failure;
    },
    stats: () => ({
      publishedEvictions,
      receivedEvictions,
      localResyncs,
      subscribed: !closed && subscription.active(),
    }),
    async close() {
      if (closed) return;
      closed = true;
      await subscription.close();
    },
  };
}
