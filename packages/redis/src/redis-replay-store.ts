import type { ReplayStore } from '@rs/core';
import { checkOptions, func, type OptionSchema } from '@rs/core/adapter';
import type { RedisClusterOptions, RedisSentinelOptions } from './deployment-options.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { RedisStoreError, redisStoreError } from './redis-store-error.js';
import { storeConnection } from './store-connection.js';
import { CONNECTION_OPTIONS, connectionSettings } from './store-options.js';
import { releaseCommand, UnsettledClaims } from './unsettled-claims.js';

const FACTORY = 'redisReplayStore';

/** The options {@link redisReplayStore} knows: a misspelled one is refused at start-up. */
const REDIS_REPLAY_STORE_OPTIONS: OptionSchema<RedisReplayStoreOptions> = {
  ...CONNECTION_OPTIONS,
  onError: func,
};
// How long close() lets the store's own client finish its last commands before cutting the connection.
const CLOSE_GRACE_MS = 1_000;

/**
 * Options of {@link redisReplayStore}. Give exactly one of `client`, `url`, `cluster` and `sentinel`. Durations
 * are in ms.
 */
export interface RedisReplayStoreOptions {
  /**
   * A node-redis v5 client that you create and connect (it may be the token cache's). It stays yours:
   * `close()` leaves it open. Give it `disableOfflineQueue: true`, so that a check never waits for a
   * reconnection.
   */
  readonly client?: NodeRedisClient | undefined;
  /** A `redis://` or `rediss://` URL: the store creates, connects and, on `close()`, closes its own client. */
  readonly url?: string | undefined;
  /**
   * A Redis Cluster: the store creates its own cluster client (`createCluster`), sends each key to its
   * slot's primary, follows `MOVED`, `ASK` and failovers, and closes it on `close()`.
   */
  readonly cluster?: RedisClusterOptions | undefined;
  /**
   * A primary and replicas behind Redis Sentinel: the store creates its own Sentinel client
   * (`createSentinel`), sends every command to the primary the sentinels name, follows their failovers,
   * and closes it on `close()`.
   */
  readonly sentinel?: RedisSentinelOptions | undefined;
  /**
   * The longest a request waits for Redis before it is refused with 503. Default 1000 ms. Counted only
   * while this process is responsive: a busy event loop does not make a healthy Redis look slow.
   */
  readonly commandTimeout?: number | undefined;
  /** Checks awaiting an answer beyond which new ones fail at once. Default 1000. */
  readonly maxPendingCommands?: number | undefined;
  /** The longest pause between two reconnection attempts of the store's own client (`url`). Default 2000 ms. */
  readonly reconnectMaxDelay?: number | undefined;
  /** Told of every Redis problem; the request it happened to is refused regardless. */
  readonly onError?: ((error: RedisStoreError) => void) | undefined;
}

/** A {@link ReplayStore} in Redis, with a way to let go of Redis. */
export interface RedisReplayStore extends ReplayStore {
  /**
   * `SET key <random token> NX PX ttlMs`: `true` when Redis set the key (first use), `false` when it held
   * it (a replay). Throws a {@link RedisStoreError} when Redis cannot say, so core refuses the request
   * with 503 `replay_check_unavailable` rather than accept a proof that might be a replay; the key that
   * request may have set is then released (see the README), so it never makes a later use a replay.
   */
  remember(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Closes the client if the store created it: once its commands are answered, or after a grace period of
   * 1 s, when the connection is cut (a hung Redis never answers). Leaves no socket or timer behind.
   * Called again, during or after the first, it returns the same closing.
   */
  close(): Promise<void>;
}

/**
 * The DPoP replay store for several resource-server instances: a proof used at one instance is refused
 * at all of them (RFC 9449 §11.1). One atomic `SET NX PX` per accepted proof; keys are core's
 * `rs:dpop:<hash>` (`rs:set:<hash>` for security event tokens), holding no proof data, and expire by
 * themselves once the proof would be stale. Those prefixes are listed in `FIXED_KEY_PREFIXES`
 * (fixed-key-prefixes.ts): `redisTokenCacheStore` refuses a `keyPrefix` that meets them, so that its
 * `clear()` never deletes these keys.
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
  checkOptions(options, REDIS_REPLAY_STORE_OPTIONS, FACTORY);
  const settings = connectionSettings(options, FACTORY, { commandTimeout: 1_000, maxPendingCommands: 1_000 });
  let closed = false;
  // The one closing, which every call of close() awaits: one made while another is under way resolves
  // only once the store is closed, not at once.
  let closing: Promise<void> | undefined;

  function report(error: RedisStoreError): RedisStoreError {
    try {
      options.onError?.(error);
    } catch {
      // A failing handler must not change the answer: the request is refused either way.
    }
    return error;
  }
  const connection = storeConnection({
    ...settings,
    onConnectionError: (error) => report(redisStoreError('connection', error)),
  });
  const { commands } = connection;
  const unsettled = new UnsettledClaims(settings.maxPendingCommands);

  /** A claim that got no answer in time has one after all: release the key if it set it for nothing. */
  function settleLate(key: string, token: string, late: PromiseSettledResult<unknown>): void {
    if (late.status === 'rejected') return; // still unknown: released by the next use of the key here
    if (late.value !== 'OK') {
      unsettled.settle(key, token);
      return;
    }
    commands.send(releaseCommand(key, [token])).then(
      () => unsettled.settle(key, token),
      () => undefined,
    );
  }

  return {
    async remember(key, ttlMs) {
      if (closed) throw report(new RedisStoreError('remember', 'the store is closed'));
      if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
        throw report(new RedisStoreError('remember', 'the lifetime must be a positive integer of ms'));
      }
      const token = globalThis.crypto.randomUUID();
      // Keys this instance may have set for requests it refused: released first, in the same write (Redis
      // runs them in order), so that a refused request never makes this use a replay.
      const earlier = unsettled.take(key);
      const [released, claimed] = await Promise.allSettled([
        earlier === undefined ? undefined : commands.send(releaseCommand(key, earlier)),
        commands.send(['SET', key, token, 'NX', 'PX', String(ttlMs)], (late) => settleLate(key, token, late)),
      ]);
      const stillUnsettled = released.status === 'rejected' ? (earlier ?? []) : [];
      if (claimed.status === 'rejected') {
        unsettled.add(key, [...stillUnsettled, token], ttlMs);
        throw report(redisStoreError('remember', claimed.reason));
      }
      // Redis answers OK when it set the key and nil when the key existed; anything else is not an answer.
      if (claimed.value === 'OK') return true;
      if (claimed.value === null) {
        if (stillUnsettled.length === 0) return false;
        // The key may be held by a refused request of this instance: neither first use nor replay is known.
        unsettled.add(key, stillUnsettled, ttlMs);
        throw report(
          new RedisStoreError(
            'remember',
            'the key may be held by a request this instance refused, and releasing it failed',
          ),
        );
      }
      throw report(new RedisStoreError('remember', 'Redis gave an unexpected answer to SET NX'));
    },
    health: () => connection.health(),
    close() {
      closed = true;
      closing ??= connection.close(CLOSE_GRACE_MS);
      return closing;
    },
  };
}
