import { stoppableReconnection } from './reconnect-backoff.js';

/** The part of a node-redis client a subscriber uses. */
export interface SubscriberClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  subscribe(channel: string, listener: (message: string) => unknown): Promise<void>;
  /** Sharded pub/sub (Redis 7): present on node-redis v5 clients; used on a cluster. */
  sSubscribe?(channel: string, listener: (message: string) => unknown): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Where the subscriber connects, and how: one Redis, a cluster's shard, the primary Sentinel names. */
export interface SubscriberSource {
  /** `SSUBSCRIBE` (a cluster's sharded channel) rather than `SUBSCRIBE`. */
  readonly sharded: boolean;
  /**
   * Whether {@link address} can change (a failover, a moved slot): the subscription then checks it every
   * `followIntervalMs` and moves when it changed. A single Redis never moves.
   */
  readonly moves: boolean;
  /** The node the subscriber should be connected to now; `undefined` while unknown. */
  address(): string | undefined;
  /** A new client, not yet connected, for `address`, reconnecting with `reconnectStrategy`. */
  create(address: string, reconnectStrategy: (retries: number) => number | false): SubscriberClient;
  /** Told when the subscriber's node failed: a cluster re-reads its topology. */
  onTrouble?(): void;
}

/** What the subscription tells its channel. */
export interface SubscriptionHandlers {
  readonly channel: string;
  readonly reconnectMaxDelay: number;
  readonly onMessage: (text: string) => void;
  /** The subscription (re)started: whatever was published meanwhile was missed. */
  readonly onRestart: () => void;
  readonly onConnectionError: (error: unknown) => void;
  readonly onSubscribeError: (error: unknown) => void;
}

/** A subscription that keeps itself alive. */
export interface Subscription {
  /** Whether messages published now reach this instance. */
  active(): boolean;
  /** Unsubscribes for good, and resolves when nothing of it is left running. */
  close(): Promise<void>;
}

// How often a subscription that can move checks where it should be: a failover moves the channel once.
const FOLLOW_INTERVAL_MS = 250;

interface Subscriber {
  readonly client: SubscriberClient;
  readonly address: string;
  state: 'none' | 'subscribing' | 'active';
}

/**
 * Subscribes on a connection of its own (a subscribed connection can send nothing else), created by
 * `source`: it subscribes whenever it becomes ready and the subscription is not active, tells the channel
 * to resync when node-redis resubscribed by itself after a reconnection, and, when the source can move,
 * moves to wherever the channel lives now (the promoted replica after a failover, the new owner of a
 * sharded channel's slot), resyncing there too.
 */
export function channelSubscription(source: SubscriberSource, handlers: SubscriptionHandlers): Subscription {
  // The subscriber reconnects with a strategy that close() can stop.
  const reconnection = stoppableReconnection(handlers.reconnectMaxDelay);
  let current: Subscriber | undefined;
  let closed = false;

  function onReady(subscriber: Subscriber): void {
    if (closed || current !== subscriber) return;
    if (subscriber.state === 'active') {
      // node-redis has already resubscribed; what was published while disconnected is lost.
      handlers.onRestart();
      return;
    }
    if (subscriber.state === 'subscribing') return;
    subscriber.state = 'subscribing';
    const { client } = subscriber;
    const subscribed =
      source.sharded && client.sSubscribe !== undefined
        ? client.sSubscribe(handlers.channel, handlers.onMessage)
        : client.subscribe(handlers.channel, handlers.onMessage);
    subscribed.then(
      () => {
        if (closed || current !== subscriber) return;
        subscriber.state = 'active';
        handlers.onRestart();
      },
      (error: unknown) => {
        // The next 'ready' (after the reconnection that follows) or the next move tries again.
        subscriber.state = 'none';
        if (closed || current !== subscriber) return;
        handlers.onSubscribeError(error);
        source.onTrouble?.();
      },
    );
  }

  function open(address: string): void {
    const subscriber: Subscriber = {
      client: source.create(address, reconnection.strategy),
      address,
      state: 'none',
    };
    current = subscriber;
    subscriber.client.on('error', (error) => {
      if (closed || current !== subscriber) return;
      handlers.onConnectionError(error);
      source.onTrouble?.();
    });
    subscriber.client.on('ready', () => onReady(subscriber));
    // Redis drops a sharded subscription whose slot left the node (moved, or the node became a replica), and
    // node-redis reports it so: start again where the channel lives now, once the topology says where.
    subscriber.client.on('sharded-channel-moved', () => {
      if (closed || current !== subscriber) return;
      drop();
      source.onTrouble?.();
    });
    subscriber.client.connect().catch(() => undefined);
  }

  function drop(): void {
    const previous = current;
    current = undefined;
    if (previous?.client.isOpen) previous.client.destroy();
  }

  function follow(): void {
    if (closed) return;
    const address = source.address();
    if (address === undefined || address === current?.address) return;
    drop();
    open(address);
  }

  follow();
  const follower = source.moves ? setInterval(follow, FOLLOW_INTERVAL_MS) : undefined;
  follower?.unref?.();

  return {
    active: () => !closed && current?.state === 'active' && current.client.isReady,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(follower);
      drop();
      await reconnection.stop();
    },
  };
}
