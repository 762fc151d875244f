import { reconnectBackoff, stoppableReconnection } from './reconnect-backoff.js';

/** The part of a node-redis client a subscriber uses. */
export interface SubscriberClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  sendCommand(args: string[]): Promise<unknown>;
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
  /**
   * Issued on the subscriber's connection in the same tick as the subscription: resolves when the node
   * serves the channel now, rejects when it does not (so {@link address} was stale). Only then does the
   * subscription count as active. Without it, any node `address` names is trusted.
   */
  confirm?(client: SubscriberClient): Promise<void>;
  /**
   * Told when the subscriber's node failed, or does not serve the channel (any more): a cluster re-reads
   * its topology, starting with `address` when given (that node knows why). Resolves when the reading is
   * over.
   */
  onTrouble?(address?: string): Promise<void> | void;
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
 *
 * When the source can confirm where the channel lives (a cluster), a connection whose node dropped the
 * subscription (`SUNSUBSCRIBE`: its slot left it) or that failed the confirmation is abandoned, not reused:
 * the source re-reads its topology, starting with that node, and only then does the subscription open
 * again, wherever the topology now says, and confirm there. So a stale topology costs a retry, never a
 * subscription parked on a node that no longer serves the channel. Retries wait like reconnections (50 ms,
 * doubling up to `reconnectMaxDelay`), so a node that keeps refusing is not asked in a loop.
 */
export function channelSubscription(source: SubscriberSource, handlers: SubscriptionHandlers): Subscription {
  // The subscriber reconnects with a strategy that close() can stop.
  const reconnection = stoppableReconnection(handlers.reconnectMaxDelay);
  let current: Subscriber | undefined;
  let closed = false;
  // The topology reading and the pause under way since a connection was abandoned: nothing opens meanwhile.
  let retrying: Promise<unknown> | undefined;
  const pauses = reconnectBackoff(handlers.reconnectMaxDelay);
  // Connections abandoned since the subscription was last active: each one waits longer before the next.
  let abandonedInARow = 0;
  let pauseTimer: ReturnType<typeof setTimeout> | undefined;

  function onReady(subscriber: Subscriber): void {
    if (closed || current !== subscriber) return;
    if (subscriber.state === 'active') {
      // node-redis has already resubscribed, unconfirmed: start again where the source says, and confirm.
      if (source.confirm !== undefined) {
        abandon(subscriber);
        return;
      }
      // What was published while disconnected is lost.
      handlers.onRestart();
      return;
    }
    if (subscriber.state === 'subscribing') return;
    subscriber.state = 'subscribing';
    const { client } = subscriber;
    // Issued first, in the same tick: node-redis writes both together (see SubscriberSource.confirm).
    const confirmed = source.confirm?.(client);
    const subscribed =
      source.sharded && client.sSubscribe !== undefined
        ? client.sSubscribe(handlers.channel, handlers.onMessage)
        : client.subscribe(handlers.channel, handlers.onMessage);
    Promise.all([confirmed, subscribed]).then(
      () => {
        if (closed || current !== subscriber) return;
        subscriber.state = 'active';
        abandonedInARow = 0;
        handlers.onRestart();
      },
      (error: unknown) => {
        subscriber.state = 'none';
        if (closed || current !== subscriber) return;
        handlers.onSubscribeError(error);
        // Subscribed, perhaps, on a node that does not serve the channel: never keep that connection.
        if (confirmed !== undefined) abandon(subscriber);
        // The next 'ready' (after the reconnection that follows) or the next move tries again.
        else source.onTrouble?.();
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
      abandon(subscriber);
    });
    subscriber.client.connect().catch(() => undefined);
  }

  function drop(): void {
    const previous = current;
    current = undefined;
    if (previous === undefined) return;
    // Later, not now: this may run inside node-redis's handling of that client's reply, which a
    // destroyed client would break half-way through.
    queueMicrotask(() => {
      if (previous.client.isOpen) previous.client.destroy();
    });
  }

  /**
   * Leaves `subscriber`'s connection, and opens again once the source has re-read where the channel lives
   * and a pause has passed.
   */
  function abandon(subscriber: Subscriber): void {
    if (current !== subscriber) return;
    drop();
    const paused = new Promise((resolve) => {
      pauseTimer = setTimeout(resolve, pauses(abandonedInARow++));
    });
    const reread = Promise.resolve(source.onTrouble?.(subscriber.address)).catch(() => undefined);
    const retry = Promise.all([reread, paused]);
    retrying = retry;
    retry.then(() => {
      if (closed || retrying !== retry) return;
      retrying = undefined;
      follow();
    });
  }

  function follow(): void {
    if (closed || retrying !== undefined) return;
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
      clearTimeout(pauseTimer);
      drop();
      await reconnection.stop();
    },
  };
}
