import {
  type CachedAnswer,
  type RevocationSharing,
  RsConfigError,
  revocationLabels,
  type SharedRevocation,
  type StoreConnectionHealth,
  type StoreDeletion,
  type StoreLookup,
  type TokenCacheStore,
} from '@rs/core';
import {
  checkOptions,
  foreignKeyMaterialProblem,
  func,
  integerBetween,
  type OptionSchema,
  refuseGivenUndefined,
  stringOrBytes,
} from '@rs/core/adapter';
import {
  encodeCachedAnswer,
  readStoredAnswer,
  type StoredAnswer,
  ValueSignature,
} from './cached-answer-codec.js';
import type { RedisClusterOptions, RedisSentinelOptions } from './deployment-options.js';
import { evictionChannel } from './eviction-channel.js';
import { fixedPrefixMeeting } from './fixed-key-prefixes.js';
import { KeptRevocationMarkers, type MarkerBounds } from './kept-revocation-markers.js';
import { labelHash } from './label-hash.js';
import { LocalTier } from './local-tier.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { redisName } from './option-rules.js';
import { RedisLabelIndex } from './redis-label-index.js';
import { RedisStoreError, type RedisStoreOperation, redisStoreError } from './redis-store-error.js';
import { storeConnection } from './store-connection.js';
import { CONNECTION_OPTIONS, connectionSettings } from './store-options.js';

/**
 * Options of {@link redisTokenCacheStore}. Give exactly one of `client`, `url`, `cluster` and `sentinel`. Durations
 * are in ms.
 */
export interface RedisTokenCacheStoreOptions {
  /**
   * A node-redis v5 client that you create and connect. It stays yours: `close()` leaves it open. Give it
   * `disableOfflineQueue: true` and a `socket.reconnectStrategy` that never gives up ({@link reconnectBackoff}).
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
   * The prefix of the keys this store holds: the `keyPrefix` of the token cache using it (keys arrive
   * already prefixed). `clear()` deletes the Redis keys that start with it, and only those. No white space
   * or control characters. Default `rs:token:`. The store declares it (`store.keyPrefix`), and `tokenCache`
   * refuses the store at start-up unless its own `keyPrefix` is the same. Refused at start-up: a prefix
   * that begins with, or is the beginning of, one under which another component of @rs keeps its keys in
   * Redis (the replay store's `rs:dpop:` and `rs:set:`), such as `rs:`: `clear()` would delete those keys
   * too, and a used DPoP proof would be accepted again.
   */
  readonly keyPrefix?: string | undefined;
  /**
   * The pub/sub channel on which instances tell each other to drop answers and carry revocations (a
   * sharded channel on a cluster). No white space or control characters. Default `rs:token-cache:evict`.
   * APIs sharing one Redis should each have their own: a revocation by subject, client or session that
   * names no issuer applies to every API hearing it.
   */
  readonly channel?: string | undefined;
  /**
   * A secret every instance of the API shares, at least 32 bytes (a string is taken as UTF-8): each value
   * is then signed (HMAC-SHA-256, over the value and the key it is written under), and a value without a
   * valid signature is a miss. Without it, whoever can write the keys under `keyPrefix` can make any
   * token pass; with it, they can only delete or replay answers the instances wrote (a replayed answer is
   * still judged by the reading token cache's own lifetimes). A store without a secret accepts any value,
   * signed or not: give it to every instance. Instances with different secrets share no answers. Key
   * material of another kind (a PEM or JWK public key) is refused, as `sharedSecret` of @rs/core refuses
   * it: whoever has that key could sign values.
   */
  readonly signingSecret?: string | Uint8Array;
  /**
   * Size of the in-process tier in front of Redis, in answers: 1 to 1 000 000 (its memory is reserved
   * for this many when the store is built). Default 1000.
   */
  readonly localMaxEntries?: number | undefined;
  /**
   * The longest a request waits for one Redis command. Default 250 ms: a timeout only costs a cache miss,
   * while a hung Redis costs each miss a lookup and a write. Counted only while this process is
   * responsive: a busy event loop does not make a healthy Redis look slow.
   */
  readonly commandTimeout?: number | undefined;
  /**
   * The largest serialized answer read from or written to Redis, in bytes: 256 to 1 MiB. Larger answers
   * stay in the in-process tier. Default 64 KiB.
   */
  readonly maxValueBytes?: number | undefined;
  /**
   * Commands awaiting an answer beyond which Redis is skipped, so that a burst cannot pile them up without
   * bound. Default 10 000. A hung Redis is skipped sooner: as soon as one command has gone unanswered past
   * `commandTimeout`, until it is answered or its connection is cut. Counted in commands, not requests: a lookup sends 2, a write 1 plus 4 per revocation label of
   * the answer (13 for one with a `jti`, a subject and a client), so about 750 writes under way at once
   * reach the default; a lower value skips Redis, and counts a store error, on a healthy Redis as soon as
   * that many new tokens arrive at once.
   */
  readonly maxPendingCommands?: number | undefined;
  /**
   * The longest pause between two reconnection attempts of the store's own client (`url`) and of its
   * pub/sub subscriber. Default 2000 ms.
   */
  readonly reconnectMaxDelay?: number | undefined;
  /**
   * Told of every Redis problem: lost connections, failed or timed-out commands, refused values. Requests
   * carry on regardless. Operations skipped because Redis is known to be disconnected are only counted.
   */
  readonly onError?: ((error: RedisStoreError) => void) | undefined;
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
  /** Evictions (one key, a label, everything) and revocations this instance announced to the others. */
  readonly publishedEvictions: number;
  /** Evictions announced by other instances and applied to the in-process tier. */
  readonly receivedEvictions: number;
  /**
   * Revocation markers read back from Redis since the store was built: every live one, each time the
   * subscription (re)starts or a revocation list starts listening, so that revocations published while
   * this instance was not subscribed are not missed.
   */
  readonly markersRead: number;
  /**
   * Revocations made here that Redis did not take when they were made (unreachable, failing) and that
   * were shared once it did: each is retried every `reconnectMaxDelay` while its marker lives, the latest
   * 10 000 at most.
   */
  readonly revocationsSharedLate: number;
  /**
   * Deletions that repeated a revocation another instance had already applied and announced (see
   * `StoreDeletion`), counted when over, whether Redis answered or not; only those that found answers
   * stored meanwhile, or could not tell, were announced again.
   */
  readonly repeatedDeletions: number;
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

/** The state of a {@link RedisTokenCacheStore}'s connection, for the resource server's `status()`. */
export interface RedisTokenCacheStoreHealth extends StoreConnectionHealth {
  /**
   * Present while a revocation list shares through the store: whether this instance knows every live
   * revocation, that is, it is subscribed and has read the kept revocation markers back since its
   * subscription last (re)started. Until then it may accept a revoked token, and `ready` is `false`.
   */
  readonly revocationsCaughtUp?: boolean;
}

/**
 * A {@link TokenCacheStore} shared through Redis, with its counters and a way to let go of Redis. It is
 * also a {@link RevocationSharing}: give it to `revocationList({ share })` so that revocations reach
 * every instance.
 */
export interface RedisTokenCacheStore extends TokenCacheStore, RevocationSharing {
  /**
   * The prefix of every key this store holds and `clear()` deletes (the `keyPrefix` option, or its
   * default): `tokenCache` checks that its own `keyPrefix` is the same.
   */
  readonly keyPrefix: string;
  /**
   * Never throws: on a Redis problem the answer is the in-process tier's, or a miss. A Redis hit is kept
   * in the in-process tier for the rest of its Redis lifetime, at most `lookup.maxLifetime`.
   */
  get(key: string, lookup?: StoreLookup): Promise<CachedAnswer | undefined>;
  /** Keeps the answer in the in-process tier, then in Redis; throws a {@link RedisStoreError} if Redis was not updated. */
  set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void>;
  /**
   * Forgets the answer here, in Redis and in every subscribed instance; throws if Redis could not be told.
   * A deletion that repeats another instance's revocation (`alreadyAnnounced`) is announced only when it
   * still found the answer in Redis, or Redis could not say.
   */
  delete(key: string, deletion?: StoreDeletion): Promise<void>;
  /**
   * Forgets every answer here, in Redis (keys under `keyPrefix`) and in every subscribed instance; throws
   * likewise. The revocation markers stay, and the revocation index, to expire: an answer written while
   * the clear runs may be left, and a later revocation must still find it.
   */
  clear(): Promise<void>;
  /**
   * Forgets every answer indexed under a revocation label (`sub:alice`) here, in Redis and in every
   * subscribed instance; resolves how many Redis entries it deleted. Throws if Redis could not be told.
   * A deletion that repeats another instance's revocation (`alreadyAnnounced`) is announced only when it
   * still found entries in Redis, or Redis could not say.
   */
  deleteLabelled(label: string, deletion?: StoreDeletion): Promise<number>;
  evictions(): number;
  /**
   * The connection's state: `ready` when connected and, while a revocation list shares through the store,
   * caught up on revocations (`revocationsCaughtUp`).
   */
  health(): RedisTokenCacheStoreHealth;
  /**
   * Closes the subscriber, and the client if the store created it (once its commands are answered, or
   * after a grace period of 1 s, when the connection is cut). Leaves no socket or timer behind. The store
   * then serves its in-process tier only. Called again, during or after the first, it returns the same
   * closing.
   */
  close(): Promise<void>;
  /** The counters so far, for metrics. */
  stats(): RedisTokenCacheStoreStats;
}

/** What a token cache is told of a deletion another instance made (`TokenCacheStore.onDeletedElsewhere`). */
type DeletedElsewhere = Parameters<Parameters<NonNullable<TokenCacheStore['onDeletedElsewhere']>>[0]>[0];

const DEFAULT_KEY_PREFIX = 'rs:token:';
const DEFAULT_CHANNEL = 'rs:token-cache:evict';
// The most revocation markers read back from Redis: as many as a revocation list can keep.
const MAX_MARKERS_READ = 10_000_000;
// The most revocations kept to share again while Redis does not take them: a flood during an outage is
// still applied on this instance, and its oldest are shared no more.
const MAX_UNSHARED = 10_000;
// How long close() lets the store's own client finish its last commands before cutting the connection.
const CLOSE_GRACE_MS = 1_000;
const FACTORY = 'redisTokenCacheStore';
// lru-cache reserves its arrays for `max` entries at once: 10⁷ would cost 160 MB at start-up, 2³² throw.
// A million answers is far more than an in-process tier in front of a shared cache needs.
const MAX_LOCAL_ENTRIES = 1_000_000;
// Below this not even a small answer fits, so nothing would be shared. Above the maximum, every lookup may
// read that much (GETRANGE) for each of `maxPendingCommands` in flight, to share answers no introspection
// or token claims come near.
const MIN_VALUE_BYTES = 256;
const MAX_VALUE_BYTES = 1024 * 1024;
// As long as the HMAC-SHA-256 output: a shorter secret is easier to guess than the signature (RFC 2104 §3).
const MIN_SIGNING_SECRET_BYTES = 32;

/** The options {@link redisTokenCacheStore} knows: a misspelled one is refused at start-up. */
const REDIS_TOKEN_CACHE_STORE_OPTIONS: OptionSchema<RedisTokenCacheStoreOptions> = {
  ...CONNECTION_OPTIONS,
  onError: func,
  keyPrefix: redisName,
  channel: redisName,
  localMaxEntries: integerBetween(1, MAX_LOCAL_ENTRIES),
  maxValueBytes: integerBetween(MIN_VALUE_BYTES, MAX_VALUE_BYTES),
  signingSecret: stringOrBytes,
};

// White space at either end, or a control character anywhere; spaces inside a secret stay allowed.
const STRAY_AT_ENDS_OR_CONTROL = /^\s|\s$|\p{Cc}/u;

/**
 * The signature of values under `signingSecret`, if one is given; refused when it is too short, or key
 * material of another kind.
 */
function valueSignature(secret: string | Uint8Array | undefined): ValueSignature | undefined {
  if (secret === undefined) return undefined;
  // Copied: a caller's buffer reused or wiped later must not change what values are signed with.
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : Uint8Array.from(secret);
  if (bytes.byteLength < MIN_SIGNING_SECRET_BYTES) {
    throw new RsConfigError(
      `${FACTORY}.signingSecret`,
      `must be at least ${MIN_SIGNING_SECRET_BYTES} bytes (it has ${bytes.byteLength}): give a random secret shared by every instance`,
    );
  }
  refuseForeignKeyMaterial(bytes);
  // Every instance must sign with the same bytes: one reading the secret from a file with its line break,
  // another from a variable without, would refuse each other's values as forged, without a word on why.
  // After the key material check: a PEM file ends with a line break, and is refused for what it is.
  if (typeof secret === 'string' && STRAY_AT_ENDS_OR_CONTROL.test(secret)) {
    throw new RsConfigError(
      `${FACTORY}.signingSecret`,
      'begins or ends with white space or holds a control character (a line break read from a file with ' +
        'it?): give the secret without it',
    );
  }
  return new ValueSignature(bytes);
}

/**
 * Refuses a signing secret that is key material of another kind (a PEM or JWK public key), as
 * `sharedSecret` refuses it: whoever has that key could sign values, and so make any token pass.
 */
function refuseForeignKeyMaterial(bytes: Uint8Array): void {
  const foreign = foreignKeyMaterialProblem(bytes, SIGNING_SECRET_ADVICE);
  if (foreign !== undefined) throw new RsConfigError(`${FACTORY}.signingSecret`, `the secret is ${foreign}`);
}

const SIGNING_SECRET_ADVICE = 'give a random secret of at least 32 bytes, the same to every instance';

/**
 * Refuses a `keyPrefix` that meets a prefix under which another component of @rs keeps its keys in the
 * same Redis (`FIXED_KEY_PREFIXES`). `clear()` deletes every key under `keyPrefix`: one that covers
 * `rs:dpop:` (`rs:`, `rs`, `r`) deletes the replay store's markers, and the proofs they marked as used
 * are accepted again; one under it (`rs:dpop:x`) writes answers among the markers, and deletes those
 * whose hash happens to follow it.
 */
function refuseOtherComponentsKeys(keyPrefix: string): void {
  const met = fixedPrefixMeeting(keyPrefix);
  if (met === undefined) return;
  throw new RsConfigError(
    `${FACTORY}.keyPrefix`,
    `is ${JSON.stringify(keyPrefix)}, which meets ${JSON.stringify(met.prefix)} (one begins with the ` +
      `other), the prefix of ${met.keys} in the same Redis: clear() deletes every key under keyPrefix, so it would ` +
      `delete those, and ${met.ifDeleted}. Give the store and its token cache a keyPrefix of their own, ` +
      `such as the default ${JSON.stringify(DEFAULT_KEY_PREFIX)} or "orders:token:"`,
  );
}

/**
 * A token-cache store shared by several resource-server instances through Redis, so that a token
 * introspected by one is known to all:
 *
 * - two tiers: a small in-process LRU in front of Redis; a Redis hit is kept locally for the rest of its
 *   Redis lifetime (PTTL), at most as long as the reading token cache keeps any answer, and answers
 *   expire by Redis TTL;
 * - revocation: `delete` and `clear` remove answers from Redis and announce it on a pub/sub channel; every
 *   instance drops its local copies, and empties its local tier whenever its subscription (re)starts;
 * - revocation lists sharing through it (`revocationList({ share: store })`): each revocation's marker is
 *   kept in Redis for the list's `markerTtl` and announced; whenever the subscription (re)starts the live
 *   markers are read back (the store is not `ready` until then), so an instance that was not subscribed
 *   when a revocation was made refuses what it names too;
 * - Redis never fails or slows a request: commands fail at once while disconnected, wait at most
 *   `commandTimeout`, and the client reconnects in the background. `get` then answers from the local tier
 *   (or misses); `set`, `delete` and `clear` update the local tier and then throw, which `tokenCache`
 *   counts as `storeErrors` and carries on;
 * - what Redis holds is checked before use: values are read at most `maxValueBytes` long, must have the
 *   shape this store writes and name the key they are read from, and with `signingSecret` carry a valid
 *   signature; anything else is a miss. Whoever can write these keys without the secret can make any
 *   token pass: give a `signingSecret`, or let only the resource servers write to Redis (ACLs).
 *
 * @example
 * ```ts
 * import { introspectionResolver, tokenCache } from '@rs/core';
 * import { redisTokenCacheStore } from '@rs/redis';
 *
 * const store = redisTokenCacheStore({ url: 'redis://cache:6379', onError: (e) => console.debug(e.message) });
 * const cache = tokenCache(introspectionResolver({ … }), { store, ttl: 60_000 });
 * await cache.evict(revokedToken); // every instance forgets it
 * await store.close();
 * ```
 */
export function redisTokenCacheStore(options: RedisTokenCacheStoreOptions): RedisTokenCacheStore {
  checkOptions(options, REDIS_TOKEN_CACHE_STORE_OPTIONS, FACTORY);
  // A write sends 1 command plus 4 per revocation label (13 for an answer with a `jti`, a subject and a
  // client): 10 000 lets some 750 writes be under way at once on a healthy Redis (a cold start meeting
  // many new tokens) and still caps what a hung one piles up.
  const settings = connectionSettings(options, FACTORY, { commandTimeout: 250, maxPendingCommands: 10_000 });
  // checkOptions has checked what is given: only the defaults are left to fill in.
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  refuseOtherComponentsKeys(keyPrefix);
  const channel = options.channel ?? DEFAULT_CHANNEL;
  const localMaxEntries = options.localMaxEntries ?? 1_000;
  const maxValueBytes = options.maxValueBytes ?? 64 * 1024;
  // Written out but unset (`process.env.X` with X missing) would quietly sign nothing: refused.
  refuseGivenUndefined(
    options,
    'signingSecret',
    `${FACTORY}.signingSecret`,
    'is undefined: an unset variable? Leave it out to store values unsigned, or give the secret',
  );
  const signature = valueSignature(options.signingSecret);

  const counts = {
    localHits: 0,
    redisHits: 0,
    misses: 0,
    redisErrors: 0,
    redisSkipped: 0,
    connectionErrors: 0,
    invalidValues: 0,
    unsharedAnswers: 0,
    repeatedDeletions: 0,
    markersRead: 0,
    revocationsSharedLate: 0,
  };
  let closed = false;
  // The one closing, which every call of close() awaits: one made while another is under way resolves
  // only once the store is closed, not at once.
  let closing: Promise<void> | undefined;

  function report(error: RedisStoreError): void {
    try {
      options.onError?.(error);
    } catch {
      // An error handler that fails must not turn a Redis problem into a failed request.
    }
  }

  function onConnectionError(error: unknown): void {
    if (closed) return;
    counts.connectionErrors++;
    report(redisStoreError('connection', error));
  }

  const local = new LocalTier(localMaxEntries);
  const connection = storeConnection({ ...settings, onConnectionError });
  const { commands } = connection;
  const labelIndex = new RedisLabelIndex(commands, keyPrefix);
  const revocationListeners = new Set<(revocation: SharedRevocation, kept?: boolean) => void>();
  const keptMarkers = new KeptRevocationMarkers(commands, keyPrefix, signature);
  // The reading of kept markers under way (its number), whether one begun while subscribed has ended
  // since the subscription last (re)started, and the pause before the next attempt after one failed.
  let markerReading = 0;
  let markersReadSinceRestart = false;
  let markerRetry: ReturnType<typeof setTimeout> | undefined;

  /**
   * Reads back every live revocation marker kept in Redis and hands each to the revocation lists
   * listening, so that a revocation published while this instance was not subscribed (starting, or
   * reconnecting) still refuses what it names. Run whenever the subscription (re)starts and whenever a
   * list starts listening; a failure is reported and tried again after a pause. Until one reading begun
   * while subscribed has ended since the subscription (re)started, the store is not `ready` (`health()`):
   * one begun before (a list listening before the subscription is up) misses what is published between
   * its reading and the subscription.
   */
  function readKeptMarkers(): void {
    clearTimeout(markerRetry);
    markerRetry = undefined;
    if (closed || revocationListeners.size === 0) return;
    const reading = ++markerReading;
    const begunSubscribed = evictions.stats().subscribed;
    const retryLater = () => {
      if (closed || reading !== markerReading) return;
      markerRetry = setTimeout(readKeptMarkers, settings.reconnectMaxDelay);
      markerRetry.unref?.();
    };
    if (!commands.available()) {
      counts.redisSkipped++;
      retryLater();
      return;
    }
    keptMarkers.read(Date.now(), MAX_MARKERS_READ).then(
      ({ revocations, refused }) => {
        if (closed) return;
        for (const problem of refused) {
          counts.invalidValues++;
          report(new RedisStoreError('invalid_value', `refused ${problem} found in Redis; ignored`));
        }
        counts.markersRead += revocations.length;
        // Handed over even when a later reading has begun: a marker only ever refuses more.
        for (const revocation of revocations) heardRevocation(revocation, true);
        if (reading === markerReading && begunSubscribed) markersReadSinceRestart = true;
      },
      (error: unknown) => {
        if (closed) return;
        counts.redisErrors++;
        report(redisStoreError('read_markers', error));
        retryLater();
      },
    );
  }

  /** Keeps the marker of `revocation` in Redis, then announces it; throws when Redis was not updated. */
  async function shareRevocation(
    revocation: SharedRevocation,
    marker: MarkerBounds | undefined,
  ): Promise<void> {
    await writeThrough('publish', () =>
      // Announced once Redis has kept the marker: an instance subscribing meanwhile either hears the
      // announcement or reads the marker back.
      marker === undefined
        ? evictions.announce({ revocation })
        : evictions.removeAndAnnounce(() => Promise.all(keptMarkers.keep(revocation, marker, Date.now())), {
            revocation,
          }),
    );
  }

  // Revocations this instance could not share (Redis unreachable or failing), with their marker bounds:
  // the other instances would never hear of them, so they are shared again until Redis takes them.
  const unshared = new Map<SharedRevocation, MarkerBounds | undefined>();
  let shareRetry: ReturnType<typeof setTimeout> | undefined;

  /** Keeps `revocation` to share again after a pause; past {@link MAX_UNSHARED}, the oldest goes. */
  function shareLater(revocation: SharedRevocation, marker: MarkerBounds | undefined): void {
    if (closed || marker === undefined || revocation.revokedAt === undefined) return;
    unshared.set(revocation, marker);
    if (unshared.size > MAX_UNSHARED) unshared.delete(unshared.keys().next().value!);
    if (shareRetry === undefined) {
      shareRetry = setTimeout(shareAgain, settings.reconnectMaxDelay);
      shareRetry.unref?.();
    }
  }

  /**
   * Shares again, oldest first, the revocations Redis did not take, while their markers live; stops at
   * the first failure and tries again after a pause. Each failure is reported as the first one was.
   */
  async function shareAgain(): Promise<void> {
    shareRetry = undefined;
    for (const [revocation, marker] of unshared) {
      if (closed) return;
      unshared.delete(revocation);
      if (marker === undefined || revocation.revokedAt! + marker.markerTtl <= Date.now()) continue;
      try {
        await shareRevocation(revocation, marker);
        counts.revocationsSharedLate++;
      } catch {
        shareLater(revocation, marker);
        return;
      }
    }
  }

  /** Hands a revocation to every list listening; one that throws does not keep the others from it. */
  function heardRevocation(revocation: SharedRevocation, kept: boolean): void {
    for (const listener of revocationListeners) {
      try {
        listener(revocation, kept);
      } catch {
        // A listener that fails must not keep the others, or this store, from hearing.
      }
    }
  }

  const deletionListeners = new Set<(deletion: DeletedElsewhere) => void>();

  /** Tells the token caches on this store of a deletion another instance made. */
  function deletedElsewhere(deletion: DeletedElsewhere): void {
    for (const listener of deletionListeners) {
      try {
        listener(deletion);
      } catch {
        // A listener that fails must not keep the others, or this store, from hearing.
      }
    }
  }

  /**
   * Deletes again from Redis the answers this instance wrote that another instance's announced deletion
   * dropped here. Redis may have run this instance's write after that deletion (two connections, no
   * order between them), and the announcement reaches this instance only once Redis has answered the
   * deletion, often after this write's own answer: the answer deleted would otherwise be back in Redis,
   * for every instance to serve. Not announced: the others have dropped their copies already. Best
   * effort: a failure is reported, counted and otherwise ignored, as a missed message would be.
   */
  function deleteOwnWritesAgain(keys: readonly string[]): void {
    if (keys.length === 0 || closed) return;
    for (const key of keys) {
      // Checked for each: a clear heard from elsewhere may name the whole tier, more than
      // `maxPendingCommands` allows at once.
      if (!commands.available()) {
        counts.redisSkipped++;
        return;
      }
      commands.send(['UNLINK', key]).catch((cause: unknown) => {
        counts.redisErrors++;
        report(redisStoreError('delete', cause));
      });
    }
  }

  const evictions = evictionChannel({
    connection,
    channel,
    reconnectMaxDelay: settings.reconnectMaxDelay,
    onEviction: (key) => {
      deleteOwnWritesAgain(local.drop(key));
      deletedElsewhere(key === undefined ? { all: true } : { key });
    },
    onLabelEviction: (hash) => {
      deleteOwnWritesAgain(local.dropLabelled(hash));
      deletedElsewhere({ labelHash: hash });
    },
    onRevocation: (revocation) => heardRevocation(revocation, false),
    onResync: () => {
      // Revocations published while the subscription was down were missed: read back their markers.
      markersReadSinceRestart = false;
      readKeptMarkers();
      local.drop();
      // Deletions announced while the subscription was down were missed: any answer may be gone.
      deletedElsewhere({ all: true });
    },
    onConnectionError,
    onSubscribeError: (error) => {
      counts.redisErrors++;
      report(redisStoreError('subscribe', error));
    },
  });

  /** Runs the Redis half of a write; throws when Redis was not updated, after the local half is done. */
  async function writeThrough(operation: RedisStoreOperation, write: () => Promise<void>): Promise<void> {
    if (!commands.available()) {
      counts.redisSkipped++;
      throw new RedisStoreError(
        operation,
        'Redis is unavailable (not connected, or too many commands awaiting answers): only this instance was updated',
      );
    }
    try {
      await write();
    } catch (cause) {
      counts.redisErrors++;
      const error = redisStoreError(operation, cause);
      report(error);
      throw error;
    }
  }

  /**
   * Runs a deletion through Redis and announces it (see `removeAndAnnounce`). One that repeats another
   * instance's revocation is announced only when it removed something, and counted once Redis has
   * answered it or failed to. A failure throws like any write: `tokenCache` counts it in `storeErrors`.
   */
  async function deleteAndAnnounce(
    remove: () => Promise<unknown>,
    message: { readonly key: string } | { readonly label: string },
    deletion: StoreDeletion | undefined,
  ): Promise<void> {
    const repeat = deletion?.alreadyAnnounced === true;
    try {
      await writeThrough('delete', () => evictions.removeAndAnnounce(remove, message, repeat));
    } finally {
      if (repeat) counts.repeatedDeletions++;
    }
  }

  /** The answer Redis holds, checked, with its remaining lifetime; `undefined` for none or a refused one. */
  function storedAnswer(key: string, value: unknown, remainingMs: unknown): StoredAnswer | undefined {
    const read = readStoredAnswer(key, value, remainingMs, maxValueBytes, signature);
    if (read === undefined || 'answer' in read) return read;
    counts.invalidValues++;
    report(new RedisStoreError('invalid_value', `refused ${read.refused} found in Redis; treated as a miss`));
    return undefined;
  }

  return {
    keyPrefix,

    async get(key, lookup) {
      const cached = local.get(key);
      if (cached !== undefined) {
        counts.localHits++;
        return cached;
      }
      if (!commands.available()) {
        counts.redisSkipped++;
        counts.misses++;
        return undefined;
      }
      const epoch = local.epoch();
      let stored: ReturnType<typeof storedAnswer>;
      try {
        // Sent in the same tick, so node-redis writes them together: one round trip. GETRANGE, not GET, so
        // that a huge value planted in Redis costs at most maxValueBytes + 1 bytes to read.
        const [value, remainingMs] = await Promise.all([
          commands.send(['GETRANGE', key, '0', String(maxValueBytes)]),
          commands.send(['PTTL', key]),
        ]);
        stored = storedAnswer(key, value, remainingMs);
      } catch (error) {
        counts.redisErrors++;
        report(redisStoreError('get', error));
        stored = undefined;
      }
      if (stored === undefined) {
        counts.misses++;
        return undefined;
      }
      counts.redisHits++;
      // Redis's remaining lifetime, not `usableUntil` (on the writer's clock), and no longer than the
      // reading cache keeps any answer: the lifetime in Redis is the writer's choice, or a planted value's.
      // The token cache judges every hit by its own settings anyway; this bounds what the tier holds.
      const localTtl = Math.floor(Math.min(stored.ttl, lookup?.maxLifetime ?? stored.ttl));
      if (localTtl >= 1) local.setIfUnchangedSince(epoch, key, stored.answer, localTtl);
      return stored.answer;
    },

    async set(key, answer, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      local.set(key, answer, ttl, true);
      const value = encodeCachedAnswer(key, answer, signature);
      if (Buffer.byteLength(value) > maxValueBytes) {
        counts.unsharedAnswers++;
        return;
      }
      const labels = answer.info === undefined ? [] : revocationLabels(answer.info).map(labelHash);
      await writeThrough('set', async () => {
        const now = Date.now();
        // One expiry for the entry and its index members, at a time rather than after a delay: the
        // entry's command may reach Redis later than theirs, and must not outlive them.
        const expiresAt = now + ttl;
        // The index members first, then the entry, never both at once: a revocation of one of its labels
        // by another instance, coming between, must find the entry (see RedisLabelIndex). An entry whose
        // members were not all written is not written: no revocation could find it.
        if (labels.length > 0) await Promise.all(labelIndex.add(key, labels, expiresAt, now));
        await commands.send(['SET', key, value, 'PXAT', String(expiresAt)]);
      });
    },

    async delete(key, deletion) {
      local.drop(key);
      await deleteAndAnnounce(() => commands.send(['UNLINK', key]), { key }, deletion);
    },

    async clear() {
      local.drop();
      // Deleted on every primary, then announced (even when deleting failed half-way).
      await writeThrough('clear', () =>
        evictions.removeAndAnnounce(
          () =>
            connection.deleteByPrefix(
              keyPrefix,
              // The revocation markers stay: forgetting answers revokes nothing back. The revocation
              // index stays, to expire: an answer written while the clear runs may be left, and a later
              // revocation must still find it.
              (name) => name === keptMarkers.key || labelIndex.isIndexKey(name),
            ),
          { clear: true },
        ),
      );
    },

    async deleteLabelled(label, deletion) {
      const hash = labelHash(label);
      local.dropLabelled(hash);
      let deleted = 0;
      // Announced even when deleting failed half-way: the others should at least drop their local copies.
      await deleteAndAnnounce(
        async () => (deleted = await labelIndex.deleteLabelled(hash, Date.now())),
        { label: hash },
        deletion,
      );
      return deleted;
    },

    async publishRevocation(revocation, marker) {
      try {
        await shareRevocation(revocation, marker);
      } catch (error) {
        shareLater(revocation, marker);
        throw error;
      }
    },

    onRevocation(listener) {
      revocationListeners.add(listener);
      // A list built after the subscription started has missed what was read back then.
      readKeptMarkers();
      return () => revocationListeners.delete(listener);
    },

    onDeletedElsewhere(listener) {
      deletionListeners.add(listener);
      return () => deletionListeners.delete(listener);
    },

    evictions: () => local.evictions(),
    health: () => {
      const health = connection.health();
      if (revocationListeners.size === 0) return health;
      // Not ready while revocations published before this instance subscribed may still be unknown to
      // it, nor while it is not subscribed: those published meanwhile are missed until it is again.
      const revocationsCaughtUp = markersReadSinceRestart && !closed && evictions.stats().subscribed;
      return { ...health, ready: health.ready && revocationsCaughtUp, revocationsCaughtUp };
    },

    close() {
      if (closing !== undefined) return closing;
      closed = true;
      clearTimeout(markerRetry);
      clearTimeout(shareRetry);
      closing = Promise.all([evictions.close(), connection.close(CLOSE_GRACE_MS)]).then(() => undefined);
      return closing;
    },

    stats: () => {
      const channelStats = evictions.stats();
      return {
        ...counts,
        publishedEvictions: channelStats.publishedEvictions,
        receivedEvictions: channelStats.receivedEvictions,
        localResyncs: channelStats.localResyncs,
        localEvictions: local.evictions(),
        localEntries: local.size(),
        connected: !closed && connection.isReady(),
        subscribed: !closed && channelStats.subscribed,
      };
    },
  };
}
