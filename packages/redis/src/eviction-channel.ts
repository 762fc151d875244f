import type { SharedRevocation } from '@rs/core';
import type { BoundedCommands } from './bounded-commands.js';
import { decodeEvictionMessage, type EvictionMessage, encodeEvictionMessage } from './eviction-message.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { stoppableReconnection } from './reconnect-backoff.js';

/** What the channel needs from its store. */
export interface EvictionChannelSettings {
  /** The store's command client: announcements go out on it, the subscriber is its duplicate. */
  readonly client: NodeRedisClient;
  readonly commands: BoundedCommands;
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
   * Sends `remove` and the announcement of `key` together: both go out in one write and Redis runs them
   * in order, so whoever hears the announcement and then reads Redis finds the key gone.
   */
  removeAndAnnounce(remove: readonly string[], key: string): Promise<void>;
  stats(): EvictionChannelStats;
  /** Unsubscribes for good: closes the subscriber connection, and resolves when nothing of it is left running. */
  close(): Promise<void>;
}

/**
 * Pub/sub eviction between instances. The subscriber is a connection of its own (a subscribed connection
 * can send nothing else), a duplicate of the command client; it subscribes whenever it becomes ready and the subscription is not active, and
 * when node-redis resubscribes by itself after a reconnection, the store is told to resync all the same.
 */
export function evictionChannel(settings: EvictionChannelSettings): EvictionChannel {
  const { client, commands, channel } = settings;
  // The subscriber is the store's own connection, even on a client given by the application: it reconnects
  // with a strategy that close() can stop.
  const reconnection = stoppableReconnection(settings.reconnectMaxDelay);
  const subscriber = client.duplicate({
    socket: { ...client.options?.socket, reconnectStrategy: reconnection.strategy },
  });
  // Tells this instance's own announcements apart from the others' when they come back on the channel.
  const instanceId = globalThis.crypto.randomUUID();
  let subscription: 'none' | 'subscribing' | 'active' = 'none';
  let closed = false;
  let publishedEvictions = 0;
  let receivedEvictions = 0;
  let localResyncs = 0;

  function onMessage(text: string): void {
    const message = decodeEvictionMessage(text);
    if (message === undefined || message.from === instanceId) return;
    receivedEvictions++;
    if ('label' in message) settings.onLabelEviction(message.label);
    else if ('revocation' in message) settings.onRevocation(message.revocation);
    else settings.onEviction('clear' in message ? undefined : message.key);
  }

  function resync(): void {
    localResyncs++;
    settings.onResync();
  }

  function onReady(): void {
    if (closed) return;
    if (subscription === 'active') {
      // node-redis has already resubscribed; what was announced while disconnected is lost.
      resync();
      return;
    }
    if (subscription === 'subscribing') return;
    subscription = 'subscribing';
    subscriber.subscribe(channel, onMessage).then(
      () => {
        subscription = 'active';
        resync();
      },
      (error: unknown) => {
        // The next 'ready' (after the reconnection that follows) tries again.
        subscription = 'none';
        if (!closed) settings.onSubscribeError(error);
      },
    );
  }

  const onConnectionError = (error: unknown) => {
    if (!closed) settings.onConnectionError(error);
  };
  subscriber.on('error', onConnectionError);
  subscriber.on('ready', onReady);
  subscriber.connect().catch(() => undefined);

  async function announce(message: EvictionMessage): Promise<void> {
    await commands.send(['PUBLISH', channel, encodeEvictionMessage(message)]);
    publishedEvictions++;
  }

  return {
    announce: (message) => announce({ ...message, from: instanceId }),
    async removeAndAnnounce(remove, key) {
      const [removed, announced] = await Promise.allSettled([
        commands.send(remove),
        announce({ from: instanceId, key }),
      ]);
      if (removed.status === 'rejected') throw removed.reason;
      if (announced.status === 'rejected') throw announced.reason;
    },
    stats: () => ({
      publishedEvictions,
      receivedEvictions,
      localResyncs,
      subscribed: !closed && subscription === 'active' && subscriber.isReady,
    }),
    async close() {
      if (closed) return;
      closed = true;
      subscriber.off('ready', onReady);
      if (subscriber.isOpen) subscriber.destroy();
      await reconnection.stop();
    },
  };
}
