import type { ReplayStore } from '@rs/core';
import type { NodeRedisClient } from './node-redis-client.js';
import { RedisStoreError, redisStoreError } from './redis-store-error.js';
import { storeConnection } from './store-connection.js';
import { positiveInteger, requireOneConnection } from './store-options.js';

const FACTORY = 'redisReplayStore';

/** Options of {@link redisReplayStore}. Give exactly one of `client` and `url`. Durations are in ms. */
export interface RedisReplayStoreOptions {
  /**
   * A node-redis v5 client that you create and connect (it may be the token cache's). It stays yours:
   * `close()` leaves it open. Give it `disableOfflineQueue: true`, so that a check never waits for a
   * reconnection.
   */
  readonly client?: NodeRedisClient;
  /** A `redis://` or `rediss://` URL: the store creates, connects and, on `close()`, closes its own client. */
  readonly url?: string;
  /** The longest a request waits for Redis before it is refused with 503. Default 100 ms. */
  readonly commandTimeout?: number;
  /** Checks awaiting an answer beyond which new ones fail at once. Default 1000. */
  readonly maxPendingCommands?: number;
  /** The longest pause between two reconnection attempts of the store's own client (`url`). Default 2000 ms. */
  readonly reconnectMaxDelay?: number;
  /** Told of every Redis problem; the request it happened to is refused regardless. */
  readonly onError?: (error: RedisStoreError) => void;
}

/** A {@link ReplayStore} in Redis, with a way to let go of Redis. */
export interface RedisReplayStore extends ReplayStore {
  /**
   * `SET key 1 NX PX ttlMs`: `true` when Redis set the key (first use), `false` when it held it (a
   * replay). Throws a {@link RedisStoreError} when Redis cannot say, so core refuses the request with
   * 503 `replay_check_unavailable` rather than accept a proof that might be a replay.
   */
  remember(key: string, ttlMs: number): Promise<boolean>;
  /** Closes the client if the store created it. */
  close(): Promise<void>;
}

/**
 * The DPoP replay store for several resource-server instances: a proof used at one instance is refused
 * at all of them (RFC 9449 §11.1). One atomic `SET NX PX` per accepted proof; keys are core's
 * `rs:dpop:<hash>`, holding no proof data, and expire by themselves once the proof would be stale.
 *
 * Unlike the token cache, this store fails closed: with Redis down or slow, DPoP requests get 503 until
 * it answers again, because accepting unchecked proofs would let a stolen one be replayed.
 *
 * @example
 * ```ts
 * import { createResourceServer } from '@rs/core';
 * import { redisReplayStore } from '@rs/redis';
 *
 * const replayStore = redisReplayStore({ url: 'redis://cache:6379' });
 * const rs = createResourceServer({ resolver, dpop: { replayStore } });
 * ```
 */
export function redisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  requireOneConnection(options, FACTORY);
  const commandTimeout = positiveInteger(options.commandTimeout, 100, FACTORY, 'commandTimeout');
  const maxPendingCommands = positiveInteger(
    options.maxPendingCommands,
    1_000,
    FACTORY,
    'maxPendingCommands',
  );
  const reconnectMaxDelay = positiveInteger(options.reconnectMaxDelay, 2_000, FACTORY, 'reconnectMaxDelay');
  let closed = false;

  function report(error: RedisStoreError): RedisStoreError {
    try {
      options.onError?.(error);
    } catch {
      // A failing handler must not change the answer: the request is refused either way.
    }
    return error;
  }
  const connection = storeConnection({
    client: options.client,
    url: options.url,
    commandTimeout,
    maxPendingCommands,
    reconnectMaxDelay,
    onConnectionError: (error) => report(redisStoreError('connection', error)),
  });
  const { commands } = connection;

  return {
    async remember(key, ttlMs) {
      if (closed) throw report(new RedisStoreError('remember', 'the store is closed'));
      if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
        throw report(new RedisStoreError('remember', 'the lifetime must be a positive integer of ms'));
      }
      let reply: unknown;
      try {
        reply = await commands.send(['SET', key, '1', 'NX', 'PX', String(ttlMs)]);
      } catch (cause) {
        throw report(redisStoreError('remember', cause));
      }
      // Redis answers OK when it set the key and nil when the key existed; anything else is not an answer.
      if (reply === 'OK') return true;
      if (reply === null) return false;
      throw report(new RedisStoreError('remember', 'Redis gave an unexpected answer to SET NX'));
    },
    async close() {
      if (closed) return;
      closed = true;
      // Waits for every answer, as node-redis's close() does.
      await connection.close(Number.POSITIVE_INFINITY);
    },
  };
}
