import { type CachedAnswer, RsConfigError, type TokenCacheStore } from '@rs/core';
import { LRUCache } from 'lru-cache';
import { type BoundedCommands, boundedCommands } from './bounded-commands.js';
import { decodeCachedAnswer, encodeCachedAnswer } from './cached-answer-codec.js';
import { deleteByPrefix } from './delete-by-prefix.js';
import { decodeEvictionMessage, type EvictionMessage, encodeEvictionMessage } from './eviction-message.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { ownedClient } from './owned-client.js';
import { RedisStoreError, type RedisStoreOperation, redisStoreError } from './redis-store-error.js';

/** Options of {@link redisTokenCacheStore}. Give exactly one of `client` and `url`. Durations are in ms. */
export interface RedisTokenCacheStoreOptions {
  /**
   * A node-redis v5 client that you create and connect. It stays yours: `close()` leaves it open. Give it
   * `disableOfflineQueue: true` and a `socket.reconnectStrategy` that never gives up ({@link reconnectBackoff}).
   */
  readonly client?: NodeRedisClient;
  /** A `redis://` or `rediss://` URL: the store creates, connects and, on `close()`, closes its own client. */
  readonly url?: string;
  /**
   * The prefix of the keys this store holds: the `keyPrefix` of the token cache using it (keys arrive
   * already prefixed). `clear()` deletes the Redis keys that start with it. Default `rs:token:`.
   */
  readonly keyPrefix?: string;
  /** The pub/sub channel on which instances tell each other to drop answers. Default `rs:token-cache:evict`. */
  readonly channel?: string;
  /** Size of the in-process tier in front of Redis. Default 1000. */
  readonly localMaxEntries?: number;
  /** The longest a request waits for one Redis command. Default 100 ms. */
  readonly commandTimeout?: number;
  /** The largest serialized answer read from or written to Redis. Default 64 KiB. */
  readonly maxValueBytes?: number;
  /** Commands awaiting an answer beyond which Redis is skipped (a hung Redis must not pile them up). Default 1000. */
  readonly maxPendingCommands?: number;
  /** The longest pause between two reconnection attempts of the store's own client (`url`). Default 2000 ms. */
  readonly reconnectMaxDelay?: number;
  /**
   * Told of every Redis problem: lost connections, failed or timed-out commands, refused values. Requests
   * carry on regardless. Operations skipped because Redis is known to be disconnected are only counted.
   */
  readonly onError?: (error: RedisStoreError) => void;
}

/** Counters and state of a {@link RedisTokenCacheStore}, for metrics and health checks. */
export interface RedisTokenCacheStoreStats {
  /** Lookups answered by the in-process tier. */
  readonly localHits: number;
  /** Lookups answered by Redis (and then kept in the in-process tier). */
  readonly redisHits: number;
  /** Lookups answered by neither. */
  readonly misses: number;
  /** Commands sent to Redis that failed or got no answer in time. */
  readonly redisErrors: number;
  /** Operations that did not try Redis: not connected, or too many commands awaiting answers. */
  readonly redisSkipped: number;
  /** Connection failures of the command client or the subscriber. */
  readonly connectionErrors: number;
  /** Values found in Redis and refused (too large, not JSON, wrong shape, no expiry): counted as misses. */
  readonly invalidValues: number;
  /** Answers too large to share, kept in the in-process tier only. */
  readonly unsharedAnswers: number;
  /** Evictions (one key, or everything) this instance announced to the others. */
  readonly publishedEvictions: number;
  /** Evictions announced by other instances and applied to the in-process tier. */
  readonly receivedEvictions: number;
  /** Times the in-process tier was emptied because the subscription (re)started and evictions may have been missed. */
  readonly localResyncs: number;
  /** Answers dropped from the in-process tier to make room. */
  readonly localEvictions: number;
  /** Answers in the in-process tier now. */
  readonly localEntries: number;
  /** Whether the command client is connected. */
  readonly connected: boolean;
  /** Whether this instance hears the others' evictions. */
  readonly subscribed: boolean;
}

/** A {@link TokenCacheStore} shared through Redis, with its counters and a way to let go of Redis. */
export interface RedisTokenCacheStore extends TokenCacheStore {
  /** Never throws: on a Redis problem the answer is the in-process tier's, or a miss. */
  get(key: string): Promise<CachedAnswer | undefined>;
  /** Keeps the answer in the in-process tier, then in Redis; throws a {@link RedisStoreError} if Redis was not updated. */
  set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void>;
  /** Forgets the answer here, in Redis and in every subscribed instance; throws if Redis could not be told. */
  delete(key: string): Promise<void>;
  /** Forgets every answer here, in Redis (keys under `keyPrefix`) and in every subscribed instance; throws likewise. */
  clear(): Promise<void>;
  evictions(): number;
  /** Closes the subscriber, and the client if the store created it. The store then serves its in-process tier only. */
  close(): Promise<void>;
  stats(): RedisTokenCacheStoreStats;
}

const DEFAULT_KEY_PREFIX = 'rs:token:';
const DEFAULT_CHANNEL = 'rs:token-cache:evict';
// How long close() lets the store's own client finish its last commands before cutting the connection.
const CLOSE_GRACE_MS = 1_000;

/**
 * A token-cache store shared by several resource-server instances through Redis, so that a token
 * introspected by one is known to all:
 *
 * - two tiers: a small in-process LRU in front of Redis; a Redis hit is kept locally for the rest of its
 *   Redis lifetime (PTTL), and answers expire by Redis TTL;
 * - revocation: `delete` and `clear` remove answers from Redis and announce it on a pub/sub channel; every
 *   instance drops its local copies, and empties its local tier whenever its subscription (re)starts;
 * - Redis never fails or slows a request: commands fail at once while disconnected, wait at most
 *   `commandTimeout`, and the client reconnects in the background. `get` then answers from the local tier
 *   (or misses); `set`, `delete` and `clear` update the local tier and then throw, which `tokenCache`
 *   counts as `storeErrors` and carries on;
 * - what Redis holds is checked before use: values are read at most `maxValueBytes` long and must have the
 *   shape this store writes; anything else is a miss.
 *
 * @example
 * ```ts
 * import { introspectionResolver, tokenCache } from '@rs/core';
 * import { redisTokenCacheStore } from '@rs/redis';
 *
 * const store = redisTokenCacheStore({ url: 'redis://cache:6379', onError: (e) => console.warn(e.message) });
 * const cache = tokenCache(introspectionResolver({ … }), { store, ttl: 60_000 });
 * await cache.evict(revokedToken); // every instance forgets it
 * await store.close();
 * ```
 */
export function redisTokenCacheStore(options: RedisTokenCacheStoreOptions): RedisTokenCacheStore {
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new RsConfigError('redisTokenCacheStore.client', 'give exactly one of `client` and `url`');
  }
  const keyPrefix = nonEmptyString(options.keyPrefix, DEFAULT_KEY_PREFIX, 'keyPrefix');
  const channel = nonEmptyString(options.channel, DEFAULT_CHANNEL, 'channel');
  const localMaxEntries = positiveInteger(options.localMaxEntries, 1_000, 'localMaxEntries');
  const commandTimeout = positiveInteger(options.commandTimeout, 100, 'commandTimeout');
  const maxValueBytes = positiveInteger(options.maxValueBytes, 64 * 1024, 'maxValueBytes');
  const maxPendingCommands = positiveInteger(options.maxPendingCommands, 1_000, 'maxPendingCommands');
  const reconnectMaxDelay = positiveInteger(options.reconnectMaxDelay, 2_000, 'reconnectMaxDelay');

  const ownsClient = options.client === undefined;
  const client = options.client ?? ownedClient(options.url!, reconnectMaxDelay);
  const subscriber = client.duplicate();
  const commands = boundedCommands(client, commandTimeout, maxPendingCommands);
  // Tells this instance's own announcements apart from the others' when they come back on the channel.
  const instanceId = globalThis.crypto.randomUUID();

  let localEvictions = 0;
  const local = new LRUCache<string, CachedAnswer>({
    max: localMaxEntries,
    ttlAutopurge: false,
    dispose: (_value, _key, reason) => {
      if (reason === 'evict') localEvictions++;
    },
  });

  let localHits = 0;
  let redisHits = 0;
  let misses = 0;
  let redisErrors = 0;
  let redisSkipped = 0;
  let connectionErrors = 0;
  let invalidValues = 0;
  let unsharedAnswers = 0;
  let publishedEvictions = 0;
  let receivedEvictions = 0;
  let localResyncs = 0;
  // Bumped by every eviction: a Redis read that started before one must not put back what it removed.
  let evictionEpoch = 0;
  let subscription: 'none' | 'subscribing' | 'active' = 'none';
  let closed = false;

  function report(error: RedisStoreError): void {
    try {
      options.onError?.(error);
    } catch {
      // An error handler that fails must not turn a Redis problem into a failed request.
    }
  }

  function onConnectionError(error: unknown): void {
    if (closed) return;
    connectionErrors++;
    report(redisStoreError('connection', error));
  }

  function dropLocal(key?: string): void {
    evictionEpoch++;
    if (key === undefined) local.clear();
    else local.delete(key);
  }

  function onEvictionMessage(text: string): void {
    const message = decodeEvictionMessage(text);
    if (message === undefined || message.from === instanceId) return;
    receivedEvictions++;
    dropLocal(message.clear ? undefined : message.key);
  }

  function onSubscriberReady(): void {
    if (closed) return;
    if (subscription === 'active') {
      // node-redis has already resubscribed; what was announced while disconnected is lost.
      resync();
      return;
    }
    if (subscription === 'subscribing') return;
    subscription = 'subscribing';
    subscriber.subscribe(channel, onEvictionMessage).then(
      () => {
        subscription = 'active';
        resync();
      },
      (error: unknown) => {
        // The next 'ready' (after the reconnection that follows) tries again.
        subscription = 'none';
        if (closed) return;
        redisErrors++;
        report(redisStoreError('subscribe', error));
      },
    );
  }

  function resync(): void {
    localResyncs++;
    dropLocal();
  }

  client.on('error', onConnectionError);
  subscriber.on('error', onConnectionError);
  subscriber.on('ready', onSubscriberReady);
  // A failed attempt is also emitted as 'error'; the reconnection strategy keeps trying in the background.
  if (ownsClient) client.connect().catch(() => undefined);
  subscriber.connect().catch(() => undefined);

  /** Runs the Redis half of a write; throws when Redis was not updated, after the local half is done. */
  async function writeThrough(operation: RedisStoreOperation, write: () => Promise<void>): Promise<void> {
    if (!commands.available()) {
      redisSkipped++;
      throw new RedisStoreError(
        operation,
        'Redis is unavailable (not connected, or too many commands awaiting answers): only this instance was updated',
      );
    }
    try {
      await write();
    } catch (cause) {
      redisErrors++;
      const error = redisStoreError(operation, cause);
      report(error);
      throw error;
    }
  }

  function refuse(problem: string): undefined {
    invalidValues++;
    report(new RedisStoreError('invalid_value', `refused ${problem} found in Redis; treated as a miss`));
    return undefined;
  }

  /** The answer Redis holds, checked, with its remaining lifetime; `undefined` for none or a refused one. */
  function storedAnswer(
    value: unknown,
    remainingMs: unknown,
  ): { answer: CachedAnswer; ttl: number } | undefined {
    if (value === '' || remainingMs === -2) return undefined;
    const text =
      typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
    if (text === undefined || typeof remainingMs !== 'number') return refuse('a reply of an unexpected type');
    // GETRANGE read one byte more than allowed: a value that long was cut, so it is too large.
    if (Buffer.byteLength(text) > maxValueBytes) return refuse(`a value larger than ${maxValueBytes} bytes`);
    if (remainingMs < 0) return refuse('a value that never expires');
    const answer = decodeCachedAnswer(text);
    if (answer === undefined) return refuse('a value that is not a cached answer');
    return { answer, ttl: Math.max(1, remainingMs) };
  }

  return {
    async get(key) {
      const cached = local.get(key);
      if (cached !== undefined) {
        localHits++;
        return cached;
      }
      if (!commands.available()) {
        redisSkipped++;
        misses++;
        return undefined;
      }
      const epoch = evictionEpoch;
      let stored: ReturnType<typeof storedAnswer>;
      try {
        // Sent in the same tick, so node-redis writes them together: one round trip. GETRANGE, not GET, so
        // that a huge value planted in Redis costs at most maxValueBytes + 1 bytes to read.
        const [value, remainingMs] = await Promise.all([
          commands.send(['GETRANGE', key, '0', String(maxValueBytes)]),
          commands.send(['PTTL', key]),
        ]);
        stored = storedAnswer(value, remainingMs);
      } catch (error) {
        redisErrors++;
        report(redisStoreError('get', error));
        stored = undefined;
      }
      if (stored === undefined) {
        misses++;
        return undefined;
      }
      redisHits++;
      // Redis's remaining lifetime, not `usableUntil`: that is on the writer's clock, which the token cache
      // checks on every hit anyway.
      if (epoch === evictionEpoch) local.set(key, stored.answer, { ttl: stored.ttl });
      return stored.answer;
    },

    async set(key, answer, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      local.set(key, answer, { ttl });
      const value = encodeCachedAnswer(answer);
      if (Buffer.byteLength(value) > maxValueBytes) {
        unsharedAnswers++;
        return;
      }
      await writeThrough('set', async () => {
        await commands.send(['SET', key, value, 'PX', String(ttl)]);
      });
    },

    async delete(key) {
      dropLocal(key);
      await writeThrough('delete', () => removeAndAnnounce(['UNLINK', key], { from: instanceId, key }));
    },

    async clear() {
      dropLocal();
      await writeThrough('clear', async () => {
        let failure: unknown;
        try {
          await deleteByPrefix(commands, keyPrefix);
        } catch (error) {
          failure = error;
        }
        // Announced even when deleting failed half-way: the others should at least drop their local copies.
        try {
          await announce({ from: instanceId, clear: true });
        } catch (error) {
          failure ??= error;
        }
        if (failure !== undefined) throw failure;
      });
    },

    evictions: () => localEvictions,

    async close() {
      if (closed) return;
      closed = true;
      subscriber.off('ready', onSubscriberReady);
      if (subscriber.isOpen) subscriber.destroy();
      if (ownsClient) {
        if (client.isOpen) await closeWithin(client, commands, CLOSE_GRACE_MS);
      } else {
        client.off('error', onConnectionError);
      }
    },

    stats: () => ({
      localHits,
      redisHits,
      misses,
      redisErrors,
      redisSkipped,
      connectionErrors,
      invalidValues,
      unsharedAnswers,
      publishedEvictions,
      receivedEvictions,
      localResyncs,
      localEvictions,
      localEntries: local.size,
      connected: !closed && client.isReady,
      subscribed: !closed && subscription === 'active' && subscriber.isReady,
    }),
  };

  async function removeAndAnnounce(remove: readonly string[], message: EvictionMessage): Promise<void> {
    // Both go out in one write, and Redis runs them in order: whoever hears the announcement and then
    // reads Redis finds the key gone.
    const [removed, announced] = await Promise.allSettled([commands.send(remove), announce(message)]);
    if (removed.status === 'rejected') throw removed.reason;
    if (announced.status === 'rejected') throw announced.reason;
  }

  async function announce(message: EvictionMessage): Promise<void> {
    await commands.send(['PUBLISH', channel, encodeEvictionMessage(message)]);
    publishedEvictions++;
  }
}

/**
 * Closes the store's own client once the commands it sent are answered, or cuts the connection after
 * `graceMs`: `close()` alone would wait forever for the answers of a hung Redis.
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

function nonEmptyString(value: string | undefined, fallback: string, option: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    throw new RsConfigError(`redisTokenCacheStore.${option}`, 'must be a non-empty string');
  }
  return value;
}

function positiveInteger(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RsConfigError(`redisTokenCacheStore.${option}`, 'must be a positive integer');
  }
  return value;
}
