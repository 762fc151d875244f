import { freezeSharedAnswer } from '../claims/frozen-claims.js';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  checkOptions,
  entryCount,
  exactName,
  func,
  nonNegativeNumber,
  type OptionSchema,
  objectWith,
} from '../config/option-schema.js';
import { CacheNamespace } from '../crypto/cache-namespace.js';
import { tokenHash } from '../crypto/token-hash.js';
import { type Failure, type FailureCode, type Outcome, refusal } from '../errors/failure.js';
import { schemeOfRefusedRequest } from '../extract/extract-token.js';
import { collectHealth } from '../observability/dependency-health.js';
import { callUserHook } from '../observability/user-hook.js';
import type { AccessTokenResolver, ResolveContext } from '../resolvers/resolver.js';
import { distinctRevocationLists } from '../revocation/distinct-revocation-lists.js';
import { type IssuerSpellingGroups, IssuerSpellings } from '../revocation/issuer-spellings.js';
import {
  type Revocation,
  revocationLabel,
  revocationLabels,
  type SharedRevocation,
  sharedRevocation,
} from '../revocation/revocation.js';
import {
  type RevocableCache,
  type RevocationChecks,
  type RevocationList,
  uncountedChecks,
} from '../revocation/revocation-list.js';
import { REVOCATION_LIST_METHODS } from '../revocation/revocation-list-methods.js';
import { tokenRevocationHashes } from '../revocation/signing-input.js';
import type { TokenInfo } from '../token-info.js';
import { isCachedAnswer } from './cached-answer-shape.js';
import { memoryTokenCacheStore } from './memory-token-cache-store.js';
import { settledWithin } from './store-operation-bound.js';
import type { CachedAnswer, StoreLookup, TokenCacheStore } from './token-cache-store.js';

/** Options of {@link tokenCache}. Durations are in milliseconds. */
export interface TokenCacheOptions {
  /**
   * Where answers are kept. Default: an in-process LRU of `maxEntries`. A store must drop each answer
   * when its lifetime (`ttlMs`) ends: a built-in `Map` (or `WeakMap`, `Set`, `WeakSet`) is refused, as
   * it would keep every answer forever; give `memoryTokenCacheStore(maxEntries)` or a shared store.
   */
  readonly store?: TokenCacheStore | undefined;
  /**
   * Size of the default in-process store: 1 to 10 000 000 (already more than one process sensibly
   * holds; a larger count is refused as a slip). Default 10 000. Accepted answers may fill it; refusals
   * take at most a tenth of it (at least one place, so half of a store of 2) and never push out an
   * accepted answer (see {@link memoryTokenCacheStore}).
   */
  readonly maxEntries?: number | undefined;
  /** How long an accepted token's answer is kept. Default 60 s. Never past the token's `exp`. */
  readonly ttl?: number | undefined;
  /** An upper bound on any answer's lifetime, whatever `ttl` says. Default 5 minutes. */
  readonly maxTtl?: number | undefined;
  /** How long a refusal (inactive, bad signature, expired, …) is kept; 0 keeps none. Default 5 s. */
  readonly negativeTtl?: number | undefined;
  /**
   * Prefix of the store keys, without white space or control characters. Default `rs:token:`. Sharing a
   * store needs no prefix of its own: keys are
   * also namespaced by the resolver's `cacheNamespace` (`<prefix><namespace>:<token hash>`). A store that
   * declares the prefix it owns ({@link TokenCacheStore.keyPrefix}, such as `@rs/redis`'s `keyPrefix`)
   * must be given this very prefix, or the cache refuses the store at start-up: the store's `clear()`
   * deletes every key under its own prefix, so it would miss every answer stored under another one, and
   * under a longer one it would also delete keys that are not this cache's.
   */
  readonly keyPrefix?: string | undefined;
  /**
   * Told when the store starts failing and when it works again: once per change, not once per request,
   * so that an outage of a shared store (Redis) does not log at every cache miss. The cache carries on
   * without the store meanwhile; `stats().storeErrors` counts every failure. What it throws, or rejects
   * with when it returns a promise, is ignored.
   */
  readonly onStoreError?: ((change: TokenCacheStoreHealth) => void) | undefined;
  /**
   * A revocation list whose revocations (here and, through its sharing, on every instance) drop the
   * answers they name from this cache, found by token, `jti`, subject, client or session. The lists the
   * wrapped resolver reports (`AccessTokenResolver.revocationLists`, e.g. `jwtResolver({ revocations })`)
   * are attached without being named here; naming one again is harmless. Each answer read from the
   * store is also checked against the lists' markers, so that one whose deletion failed, or that an
   * instance unaware of the revocation stored again, is not served: an answer a marker names is asked
   * for again (a JWT resolver checking the list then refuses the token, an authorization server says
   * whether it is still active). For a list only the cache is given, that is an answer stored at or
   * before the revocation, or less than 5 s after it (instances' clocks may differ that much), and any
   * answer for a token revoked by itself or by its `jti` while the marker lives. These checks refuse
   * nothing by themselves, and are not counted in the list's `stats().refused`.
   */
  readonly revocations?: RevocationList | undefined;
}

/**
 * A change in the health of a token cache's store. `failing`: the first failure after the store worked
 * (or at the first use). `recovered`: the first write (`set`, `delete` or `clear`) that succeeded after
 * failures, with how many there were; reads are not proof, as a store may answer them from a local tier.
 */
export type TokenCacheStoreHealth =
  | {
      readonly state: 'failing';
      /** What the store threw. */
      readonly error: unknown;
      /** Store failures since the cache was created, this one included. */
      readonly storeErrors: number;
    }
  | {
      readonly state: 'recovered';
      /** Store failures while it was failing. */
      readonly failures: number;
      /** How long it was failing, in ms. */
      readonly failingForMs: number;
      /** What the last failure threw. */
      readonly lastError: unknown;
      /** Store failures since the cache was created. */
      readonly storeErrors: number;
    };

const TOKEN_CACHE_OPTIONS: OptionSchema<TokenCacheOptions> = {
  store: objectWith('a token cache store', 'get', 'set', 'delete', 'clear'),
  maxEntries: entryCount(),
  ttl: nonNegativeNumber,
  maxTtl: nonNegativeNumber,
  negativeTtl: nonNegativeNumber,
  keyPrefix: exactName,
  onStoreError: func,
  revocations: objectWith('a revocation list', ...REVOCATION_LIST_METHODS),
};

// The built-in collections: none drops an entry when its lifetime ends, and a Map has every method a
// store needs, so the schema alone would take one.
const BUILT_IN_COLLECTIONS = [Map, WeakMap, Set, WeakSet] as const;

/**
 * Refuses a built-in collection as the store. A `Map` passes for one (`get`, `set`, `delete`, `clear`)
 * but ignores the lifetime `set` is given: answers are never evicted, and tokens made up by anyone
 * (each refusal is kept too) would grow memory without bound.
 */
function refuseBuiltInCollection(store: unknown): void {
  const collection = BUILT_IN_COLLECTIONS.find((type) => store instanceof type);
  if (collection === undefined) return;
  throw new RsConfigError(
    'tokenCache.store',
    `is a ${collection.name}, which keeps every answer forever (it ignores the lifetime each answer is ` +
      'stored with): give a TokenCacheStore that honours it, such as memoryTokenCacheStore(maxEntries) ' +
      "(or leave store out for the cache's own), or a shared one such as @rs/redis's",
  );
}

/**
 * Refuses a store that owns the keys under its own prefix ({@link TokenCacheStore.keyPrefix}) unless this
 * cache's `keyPrefix` is that very prefix. The store's `clear()` deletes every key under its prefix, and
 * only those. Under another prefix, every answer this cache stored would outlive a `clear()`, and stay
 * served by every instance. Under a longer one, `clear()` would also delete whatever else lies under the
 * store's prefix, which is not this cache's to forget: in a shared Redis, a store given `rs:` beside the
 * default `rs:token:` would delete the DPoP replay markers (`rs:dpop:`), and used proofs would be accepted
 * again. Checked where the two meet, as neither option is wrong by itself.
 */
function requireStorePrefixMatches(
  store: TokenCacheStore,
  keyPrefix: string,
  keyPrefixIsDefault: boolean,
): void {
  const storePrefix: unknown = store.keyPrefix;
  if (storePrefix === undefined) return;
  requireOption(
    typeof storePrefix === 'string',
    'tokenCache.store.keyPrefix',
    'must be a string, the prefix of every key the store holds, or absent for a store that holds any key',
  );
  if (keyPrefix === storePrefix) return;
  const consequence = keyPrefix.startsWith(storePrefix)
    ? "the store's clear() deletes every key under its own prefix: it would delete, with this cache's " +
      `answers, every other key under ${JSON.stringify(storePrefix)} (another API's answers, or in a ` +
      "shared Redis another component's keys, such as the DPoP replay markers under rs:dpop:)"
    : "the store's clear() deletes only the keys under its own prefix, so every answer this cache stores " +
      'would outlive it';
  throw new RsConfigError(
    'tokenCache.keyPrefix',
    `is ${JSON.stringify(keyPrefix)}${keyPrefixIsDefault ? ' (the default)' : ''}, not the store's ` +
      `keyPrefix ${JSON.stringify(storePrefix)}: ${consequence}. Give the cache and the store the same keyPrefix ` +
      `(set tokenCache's keyPrefix to ${JSON.stringify(storePrefix)}, or the store's to ` +
      `${JSON.stringify(keyPrefix)})`,
  );
}

/** Counters of a {@link TokenCache}, for metrics. */
export interface TokenCacheStats {
  /** Requests answered from the cache. */
  readonly hits: number;
  /** Requests the wrapped resolver had to answer. */
  readonly misses: number;
  /** Requests that waited for a call already under way for the same token instead of making their own. */
  readonly coalesced: number;
  /** Answers dropped by the store to make room. */
  readonly evictions: number;
  /** Evictions and revocations applied ({@link TokenCache.evict}, {@link TokenCache.revoke}, a revocation list). */
  readonly revocations: number;
  /** Store operations that failed (the resolver answered instead). */
  readonly storeErrors: number;
}

/** A caching resolver, with revocation and counters. */
export interface TokenCache extends AccessTokenResolver {
  /** Forgets the answer for one token (after revoking it), so the next request asks again. */
  evict(token: string): Promise<void>;
  /**
   * Forgets the answers for every token `revocation` names: one token, or all those with a `jti`,
   * subject, client or session. A store that cannot find answers by claim is cleared instead. Only this
   * cache (and the instances sharing its store) forget: a {@link RevocationList} reaches every cache and
   * also refuses JWTs issued before the revocation. A revocation with a member it does not know (`iss`
   * for `issuer`) or of the wrong type throws an `RsConfigError`, and nothing is forgotten.
   */
  revoke(revocation: Revocation): Promise<void>;
  /** Forgets every answer. */
  clear(): Promise<void>;
  /** The counters so far, for metrics. */
  stats(): TokenCacheStats;
}

// Refusals that will not change if asked again soon. Unavailability and misconfiguration are never
// cached: the next request must try again.
const NEGATIVE_CACHEABLE: ReadonlySet<FailureCode> = new Set<FailureCode>([
  'token_inactive',
  'token_malformed',
  'token_too_large',
  'token_unsupported',
  'algorithm_not_allowed',
  'critical_header_unsupported',
  'signature_invalid',
  'token_type_invalid',
  'token_expired',
  'issuer_mismatch',
  'audience_mismatch',
  'claim_missing',
  'claim_invalid',
]);

/**
 * Wraps a resolver with a cache of its answers (ForgeRock Identity Gateway's CacheAccessTokenResolver, done better):
 *
 * - keys are SHA-256 hashes of tokens, never tokens;
 * - an answer lives `min(ttl, exp − now, maxTtl)`: never past the token's expiry (RFC 7662 §4), never
 *   before its `nbf`, and never past a signed introspection answer's own `exp` (RFC 9701);
 * - refusals are kept for `negativeTtl`, unavailability never;
 * - an answer read from the store is judged by this cache's settings and clock, whoever stored it (another
 *   instance with a longer `ttl` or a wrong clock, or anyone who could write into a shared store): see
 *   {@link CachedAnswer};
 * - concurrent requests for one token share one call to the wrapped resolver, and all of them get its
 *   answer, unless a revocation overtook it (below), or the token, valid when the call began, had
 *   expired (or was not yet valid) at the time of a request that joined it: that request asks for itself. Requests presenting the token with the DPoP scheme
 *   share a call of their own: a resolver may refuse a token differently for each scheme (an
 *   introspection answer binding it to a DPoP key it does not name);
 * - `evict(token)`, `revoke({ by, value })` (by token, `jti`, subject, client or session) and `clear()`
 *   for revocation, or a {@link RevocationList} (`revocations`) that revokes in every cache at once. Once
 *   a revocation has completed, no answer asked for before it and named by it is served, stored or
 *   handed to a request that was waiting for it or reading it from the store: those requests ask again,
 *   as a request arriving after the revocation does (three times at most, then 503). So do the
 *   deletions another instance made, which a shared store tells of
 *   ({@link TokenCacheStore.onDeletedElsewhere}). A revocation costs the same, in memory and in work,
 *   however many calls are under way: it is logged once, and each
 *   answer is checked against what was logged since its call began. The log keeps the claims revoked
 *   since the oldest call (or store read) under way began (so a resolver's `timeout` bounds it), 10 000
 *   at most: past that, the calls older than the oldest claim kept are asked again;
 * - a failing store never fails a request (nor one whose `get` answers something that is no
 *   {@link CachedAnswer}: a miss, counted as a failure), and its outages are told once when they start and once when
 *   they end (`onStoreError`). A store operation that has not settled within 5 s (the default timeout
 *   of the calls a cache saves) counts as a failure: a read is a miss, a write is dropped, and a
 *   store that never answers holds no request or revocation longer than that.
 *
 * What a cache returns still goes through the confirm and authorize stages on every request. Answers are
 * keyed by the token and the wrapped resolver's `cacheNamespace` (a digest of its issuer, audience, keys
 * and every other setting that changes an answer, computed by WebCrypto at the first request and kept
 * from then on), so two APIs sharing one store, in memory or in Redis, never serve each other's
 * answers. A resolver without a namespace may only use the cache's own in-process store. Wrap resolvers whose answer depends only on the token, not on the request.
 *
 * @example
 * ```ts
 * const cache = tokenCache(introspectionResolver({ … }), { ttl: 60_000 });
 * const rs = createResourceServer({ resolver: cache });
 * await cache.evict(revokedToken);
 * ```
 */
export function tokenCache(resolver: AccessTokenResolver, options: TokenCacheOptions = {}): TokenCache {
  requireOption(typeof resolver?.resolve === 'function', 'tokenCache.resolver', 'must be a token resolver');
  // Before the schema, which would refuse a WeakMap or a Set without saying why, and accept a Map.
  refuseBuiltInCollection(options?.store);
  checkOptions(options, TOKEN_CACHE_OPTIONS, 'tokenCache');
  const ttl = duration(options.ttl, 60_000, 'tokenCache.ttl');
  const maxTtl = duration(options.maxTtl, 300_000, 'tokenCache.maxTtl');
  const negativeTtl = duration(options.negativeTtl, 5_000, 'tokenCache.negativeTtl');
  requireOption(
    options.store === undefined || options.maxEntries === undefined,
    'tokenCache.maxEntries',
    'sizes the in-process store only: size the given store itself',
  );
  const keyPrefix = options.keyPrefix ?? 'rs:token:';
  const store = options.store ?? memoryTokenCacheStore(options.maxEntries);
  requireStorePrefixMatches(store, keyPrefix, options.keyPrefix === undefined);
  // The longest this cache keeps any answer: a store with an in-process tier in front of a shared one
  // keeps what it reads there no longer, whatever lifetime another instance gave it.
  const lookup: StoreLookup = { maxLifetime: Math.min(maxTtl, Math.max(ttl, negativeTtl)) };
  const namespace = resolver.cacheNamespace;
  if (namespace !== undefined)
    requireOption(
      (typeof namespace === 'string' && namespace.length > 0) || namespace instanceof CacheNamespace,
      'tokenCache.resolver.cacheNamespace',
      'must be a non-empty string or the namespace of a resolver of @rs (from this release or a later one, when several copies of @rs/core are loaded)',
    );
  if (namespace === undefined && options.store !== undefined) {
    throw new RsConfigError(
      'tokenCache.resolver.cacheNamespace',
      'is missing: a store that may be shared needs the resolver to say what it accepts, so that no ' +
        'other resolver is served its answers (give your resolver, or its custom key source, a stable ' +
        'cacheNamespace naming its configuration)',
    );
  }
  // Only this cache uses its own in-process store: no namespace is needed there. A namespace of @rs is
  // digested at the first request (WebCrypto's digest is asynchronous); from then on the key base is a
  // plain string and requests do not wait for it.
  let keyBase: string | undefined =
    namespace === undefined
      ? keyPrefix
      : typeof namespace === 'string'
        ? `${keyPrefix}${namespace}:`
        : undefined;
  let keyBaseDigest: Promise<string> | undefined;

  function digestKeyBase(): Promise<string> {
    keyBaseDigest ??= (namespace as CacheNamespace).digest().then(
      (digest) => (keyBase = `${keyPrefix}${digest}:`),
      (error: unknown) => {
        keyBaseDigest = undefined;
        throw error;
      },
    );
    return keyBaseDigest;
  }

  async function keyOf(token: string): Promise<string> {
    return (keyBase ?? (await digestKeyBase())) + (await tokenHash(token));
  }
  // Calls under way, by key. The revocations made while they run are written once, into `log`, not into
  // each call: when an answer comes, the revocations logged since its call began say whether it is stale
  // (`overtaken`). An answer one names is neither stored (or revocation would be undone by a stale
  // answer) nor handed to anyone, and every request waiting for it asks again. A call that
  // `evict`, `clear` or a revocation of its token forgot is also detached: later requests make a call of
  // their own at once instead of joining one whose answer nobody will get (`joinable`).
  const inflight = new Map<string, Flight>();
  const log = new RevocationLog();
  let hits = 0;
  let misses = 0;
  let coalesced = 0;
  let revocations = 0;
  let storeErrors = 0;
  // The outage under way, if any: told once when it starts and once when it ends.
  let outage: { since: number; failures: number; lastError: unknown } | undefined;

  function tell(change: TokenCacheStoreHealth): void {
    // A failing handler, or an `async` one that rejects, must not turn a store problem into a failed request.
    callUserHook(options.onStoreError, change);
  }

  function storeFailed(error: unknown): undefined {
    storeErrors++;
    if (outage !== undefined) {
      outage.failures++;
      outage.lastError = error;
      return undefined;
    }
    outage = { since: Date.now(), failures: 1, lastError: error };
    tell({ state: 'failing', error, storeErrors });
    return undefined;
  }

  function storeWrote(): void {
    if (outage === undefined) return;
    const { since, failures, lastError } = outage;
    outage = undefined;
    tell({ state: 'recovered', failures, failingForMs: Date.now() - since, lastError, storeErrors });
  }

  /**
   * What the store holds for `key`, unless a revocation made while the store was answering names it
   * (`evict` or a revocation of this token, `clear()`, a revocation by a claim of the answer): a shared
   * store answers asynchronously, and may hand back what it held before the revocation deleted it. The
   * read holds the log meanwhile, as a call does, so that such a revocation is logged and found.
   */
  async function readUnrevoked(key: string): Promise<CachedAnswer | undefined> {
    const start = log.begin();
    try {
      const cached = await read(key);
      let hashes: readonly string[] | undefined;
      // Checked again after hashing the answer's labels: a revocation may come meanwhile.
      for (;;) {
        if (cached === undefined || log.forgottenSince(start)) return undefined;
        if (!log.labelRevokedSince(start)) return cached;
        if (log.revokedSince(keyLabel(key), start)) return undefined;
        if (cached.info === undefined) return cached;
        const labels = revocationLabels(cached.info);
        if (labels.some((label) => log.revokedSince(label, start))) return undefined;
        if (!log.labelHashRevokedSince(start)) return cached;
        if (hashes === undefined) {
          hashes = await labelHashes(labels);
          continue;
        }
        return hashes.some((hash) => log.revokedSince(hashedLabel(hash), start)) ? undefined : cached;
      }
    } finally {
      log.end(start);
    }
  }

  async function read(key: string): Promise<CachedAnswer | undefined> {
    let answer: unknown;
    try {
      answer = await settledWithin('get', store.get(key, lookup));
    } catch (error) {
      return storeFailed(error);
    }
    // A cache problem never fails a request: an answer of another shape is a miss, told as a failure.
    if (answer === undefined || isCachedAnswer(answer)) return answer;
    return storeFailed(
      new TypeError(`the token cache store's get() answered ${answerKind(answer)}, not a cached answer`),
    );
  }

  async function remember(key: string, outcome: Outcome<TokenInfo>, now: number): Promise<void> {
    const lifetime = outcome.ok ? acceptedLifetime(outcome.value, now) : refusedLifetime(outcome.failure);
    if (lifetime <= 0) return;
    const answer: CachedAnswer = outcome.ok
      ? { info: outcome.value, usableUntil: now + lifetime, storedAt: now }
      : { failure: outcome.failure, usableUntil: now + lifetime, storedAt: now };
    try {
      await settledWithin('set', store.set(key, answer, lifetime));
      storeWrote();
    } catch (error) {
      storeFailed(error);
    }
  }

  function acceptedLifetime(info: TokenInfo, now: number): number {
    if (!validAt(info, now)) return 0;
    const untilExpiry = info.expiresAt === undefined ? Number.POSITIVE_INFINITY : info.expiresAt * 1000 - now;
    // A signed introspection answer (RFC 9701) may say it is good for less time than the token.
    const untilAnswerExpiry =
      info.answerExpiresAt === undefined ? Number.POSITIVE_INFINITY : info.answerExpiresAt * 1000 - now;
    return Math.min(ttl, maxTtl, untilExpiry, untilAnswerExpiry);
  }

  /**
   * Whether an answer read from the store may be served at `now`, judged by this cache's own settings and
   * clock, not by whoever stored it: an instance with a longer `ttl`, one whose clock is wrong, or anyone
   * able to write into a shared store. An accepted answer is served only while its token is valid here
   * (`nbf` ≤ now < `exp`), and any answer only while it is younger than this cache keeps answers of its
   * kind: `min(ttl, maxTtl)`, or `min(negativeTtl, maxTtl)` for a refusal this cache would keep at all.
   *
   * An answer stored by a clock ahead of this one by more than {@link STORED_AT_TOLERANCE_MS} is of
   * unknown age: asked again. Within it, clocks that NTP keeps close still share answers the moment they
   * are stored (counted as stored now). That also re-judges a shared `token_expired` refusal on this clock
   * without the token's `exp`: it is served only once this clock is within that tolerance of the moment
   * it was stored at, when the token had expired.
   */
  function servable(cached: CachedAnswer, now: number): boolean {
    if (!(now < cached.usableUntil)) return false;
    let maxAge: number;
    if (cached.info !== undefined) {
      if (acceptedLifetime(cached.info, now) <= 0) return false;
      maxAge = Math.min(ttl, maxTtl);
    } else {
      maxAge = refusedLifetime(cached.failure);
    }
    // From a store that does not keep `storedAt`: its age is unknown, so at least no longer than this
    // cache would keep it from now.
    if (cached.storedAt === undefined) return cached.usableUntil - now <= maxAge;
    const age = now - cached.storedAt;
    return age >= -STORED_AT_TOLERANCE_MS && age < maxAge;
  }

  function refusedLifetime(failure: Failure): number {
    return NEGATIVE_CACHEABLE.has(failure.code) ? Math.min(negativeTtl, maxTtl) : 0;
  }

  /**
   * Whether a revocation overtook the answer of `flight` ({@link overtakenAfterAll}), at once when none
   * was made since it began, as for most calls. Such an answer is neither stored nor handed to anyone:
   * every request that waited for it asks again (the store first, then one new call shared by all of them), and so gets what a request arriving after
   * the revocation gets: a JWT resolver checking the revocation list refuses the token, an authorization
   * server says whether it is still active. Whether a revocation makes a token refused is the wrapped
   * resolver's to say, not the cache's: `evict` and `clear` only forget, and a revocation by claim names
   * only tokens issued before it, which an answer does not always tell. A request asks at most
   * {@link MAX_ASKS} times, then is answered 503: revocations that keep naming a token while it is being
   * asked (`clear()` in a loop) neither hold a request forever nor let an answer they overtook through.
   */
  function overtaken(
    flight: Flight,
    token: string,
    outcome: Outcome<TokenInfo>,
    now: number,
  ): Promise<boolean> | boolean {
    // Most calls see no revocation: no further wait for them.
    if (
      !forgotten(flight) &&
      !log.labelRevokedSince(flight.start) &&
      log.tokenRevocations === flight.tokenRevocationsAtStart
    )
      return false;
    return overtakenAfterAll(flight, token, outcome, now);
  }

  /**
   * The answer of `flight` for a request that waited for it, or `undefined` when a revocation overtook it
   * (the request asks again). The request holds the call's part of the log until it has checked.
   */
  async function answerOf(
    flight: Flight,
    token: string,
    now: number,
  ): Promise<Outcome<TokenInfo> | undefined> {
    flight.holders++;
    try {
      const outcome = await flight.call;
      if (await overtaken(flight, token, outcome, now)) return undefined;
      // A request that joined once the token was no longer valid on its own clock (its `exp` came while
      // the call ran) is not handed an answer the store would not serve it either: it asks for itself.
      // Only an answer valid when asked for: one a resolver accepted within its clock-skew allowance is
      // that resolver's judgement, which asking again at a later time would not make stricter.
      if (
        outcome.ok &&
        now !== flight.now &&
        validAt(outcome.value, flight.now) &&
        !validAt(outcome.value, now)
      )
        return undefined;
      return outcome;
    } finally {
      letGo(flight);
    }
  }

  function startFlight(token: string, key: string, sharedAs: string, context: ResolveContext): Flight {
    const flight: Flight = {
      call: undefined as never,
      forgotten: false,
      now: context.now,
      start: log.begin(),
      tokenRevocationsAtStart: log.tokenRevocations,
      // The call itself, until it ends; then only the requests still checking its answer.
      holders: 1,
    };
    flight.call = resolveAndRemember(token, key, context, flight).finally(() => {
      if (inflight.get(sharedAs) === flight) inflight.delete(sharedAs);
      letGo(flight);
    });
    inflight.set(sharedAs, flight);
    return flight;
  }

  /** One holder of `flight` is done with it; the last one lets the log drop what only it still needed. */
  function letGo(flight: Flight): void {
    flight.holders--;
    if (flight.holders === 0) log.end(flight.start);
  }

  /** Whether `evict`, `clear` or a revocation of its token forgot `flight`. */
  function forgotten(flight: Flight): boolean {
    return flight.forgotten || log.forgottenSince(flight.start);
  }

  /**
   * The call under way for `key` that a request may wait for: not one that was forgotten. One forgotten by
   * `clear()` is detached here, when next looked for, so that `clear()` does not visit every call.
   */
  function joinable(key: string): Flight | undefined {
    const flight = inflight.get(key);
    if (flight === undefined || !forgotten(flight)) return flight;
    inflight.delete(key);
    return undefined;
  }

  async function resolveAndRemember(
    token: string,
    key: string,
    context: ResolveContext,
    flight: Flight,
  ): Promise<Outcome<TokenInfo>> {
    const outcome = await resolver.resolve(token, context);
    // Handed to every request waiting for this call, then to each that finds it stored: none may change
    // it for the others.
    if (outcome.ok) freezeSharedAnswer(outcome.value);
    if (await overtaken(flight, token, outcome, context.now)) return outcome;
    await remember(key, outcome, context.now);
    // A revocation made between the check and the write may have deleted before this write: undone.
    if (await overtaken(flight, token, outcome, context.now))
      await storeWrite('delete', () => store.delete(key));
    return outcome;
  }

  /**
   * Whether a revocation made since `flight` began names its answer, as it would have named the answer
   * had it been stored: every answer of a call that was forgotten (`evict`, `clear`, a revocation of its
   * token), and an accepted answer carrying a revoked `jti`, subject, client or session, or whose token a
   * revocation list names by itself (the same claims under another signature, or inside a JWE). A
   * refusal is never overtaken by a revocation that did not forget its call: revocation refuses more,
   * never less. Checked again after each wait, for a revocation made meanwhile. The cost is that of the
   * answer's few labels, whatever the number of revocations or of calls under way.
   */
  async function overtakenAfterAll(
    flight: Flight,
    token: string,
    outcome: Outcome<TokenInfo>,
    now: number,
  ): Promise<boolean> {
    let tokenRevocationsChecked = flight.tokenRevocationsAtStart;
    let hashes: readonly string[] | undefined;
    for (;;) {
      if (forgotten(flight)) return true;
      if (!outcome.ok) return false;
      const labels = revocationLabels(outcome.value);
      if (labels.some((label) => log.revokedSince(label, flight.start))) return true;
      // A revocation by claim heard from another instance, which names its label by hash only.
      if (log.labelHashRevokedSince(flight.start)) {
        if (hashes === undefined) {
          hashes = await labelHashes(labels);
          continue;
        }
        if (hashes.some((hash) => log.revokedSince(hashedLabel(hash), flight.start))) return true;
      }
      if (log.tokenRevocations === tokenRevocationsChecked) return false;
      tokenRevocationsChecked = log.tokenRevocations;
      if (someTokenRevoked() && (await namedByTokenRevocation(token, outcome.value, now))) return true;
    }
  }

  /** Forgets the calls under way for `key`: whatever they answer is stale, and they are joined no more. */
  function forget(key: string): void {
    for (const sharedAs of [key, key + DPOP_PRESENTATION]) {
      const flight = inflight.get(sharedAs);
      if (flight === undefined) continue;
      flight.forgotten = true;
      inflight.delete(sharedAs);
    }
  }

  async function storeWrite(operation: string, write: () => unknown): Promise<void> {
    try {
      await settledWithin(operation, write());
      storeWrote();
    } catch (error) {
      storeFailed(error);
    }
  }

  async function dropRevoked(revocation: SharedRevocation, fromAnotherInstance = false): Promise<void> {
    revocations++;
    const base = keyBase ?? (await digestKeyBase());
    // Heard from another instance, which deleted and announced already when it had a cache on this
    // store. Deleted once more all the same, for an answer this instance (or one that has not heard yet)
    // stored meanwhile; the store announces only what it still finds.
    const deletion = { alreadyAnnounced: fromAnotherInstance };
    if (revocation.by === 'token') {
      const key = base + revocation.value;
      forget(key);
      log.labelRevoked(keyLabel(key));
      // The other calls may be for the same token spelled otherwise: checked once they answer.
      log.tokenRevoked();
      await storeWrite('delete', () => store.delete(key, deletion));
      return;
    }
    // Which claims a call under way will answer with is not known until it does: each answer is checked
    // then, against the log. The calls stay joinable: most answers are named by no revocation.
    const label = revocationLabel(revocation.by, revocation.value);
    log.labelRevoked(label);
    await storeWrite(store.deleteLabelled === undefined ? 'clear' : 'deleteLabelled', () =>
      store.deleteLabelled === undefined ? store.clear() : store.deleteLabelled(label, deletion),
    );
  }

  /**
   * Whether a list's marker names this cached token by itself. A revocation by token drops the entry of
   * the token it names, but the same claims may be held under another key: the token's other valid ECDSA
   * signature, or the JWS inside a JWE, stored before the revocation. Asked only while some token has
   * been revoked by itself ({@link someTokenRevoked}), so that the common hit hashes and waits for nothing
   * more.
   */
  async function namedByTokenRevocation(token: string, info: TokenInfo, now: number): Promise<boolean> {
    const hashes = await tokenRevocationHashes(token, info.claims);
    // Uncounted: this check refuses nothing by itself.
    return revocationLists!.some(
      (list) =>
        list.needsTokenHash() &&
        checksOf(list).namesToken(now, info.issuer, hashes.tokenHash, hashes.signingInputHash),
    );
  }

  function someTokenRevoked(): boolean {
    return revocationLists?.some((list) => list.needsTokenHash()) ?? false;
  }

  /**
   * Whether a revocation list names an accepted answer read from the store, which is then not served.
   * Deleting what a revocation names is not enough: the deletion may have failed (a shared store down at
   * that moment, which never fails the revocation), and an instance that did not hear of the revocation
   * (restarted since, or not sharing the list) may store the answer again afterwards. So every hit is
   * checked against the lists, at the cost of a few label lookups, and none while no list holds a marker:
   *
   * - a JWT's answer, under a list the wrapped resolver checks itself (`jwtResolver({ revocations })`), is
   *   named as the token is (by itself, its `jti`, or its subject, client or session if issued at or
   *   before the revocation): the resolver would refuse the token with `token_revoked`, so the cache must
   *   not accept it;
   * - any other answer (an introspected token, even beside a JWT resolver in a `hybridResolver`, or under
   *   a list given to the cache only) is named when it was stored at or before the revocation, as the
   *   deletion would have named it, or less than {@link STORED_AT_TOLERANCE_MS} after it (the instances'
   *   clocks may differ that much): asked again, the authorization server says whether the token is still
   *   active, and that answer is kept once stored that long after the revocation. An answer of unknown
   *   age (from a store that does not keep `storedAt`) is judged by the token's own `iat`. A marker
   *   naming one token (by itself or its `jti`) names it whenever it was stored, as the other instances'
   *   clocks need not agree with this one: such a token is asked for at every request while the marker
   *   lives.
   *
   * These checks refuse nothing by themselves (the resolver, asked again, does), so they do not count in
   * the list's `stats().refused`.
   */
  async function namedByRevocationList(
    token: string,
    cached: CachedAnswer & { readonly info: TokenInfo },
    now: number,
  ): Promise<boolean> {
    if (revocationLists === undefined) return false;
    const hashes = someTokenRevoked() ? await tokenRevocationHashes(token, cached.info.claims) : undefined;
    const { info, storedAt } = cached;
    // Judged as a token issued when the answer was stored: a marker names it when it came at or after.
    // Another instance's `storedAt` is read on its clock, which may be ahead of the one that dated the
    // revocation by as much as `servable` accepts: an answer stored that much after a revocation is asked
    // for again too, or one stored before it by a clock a few seconds ahead would be served.
    const asStored =
      storedAt === undefined ? info : { ...info, issuedAt: (storedAt - STORED_AT_TOLERANCE_MS) / 1000 };
    return revocationLists.some((list) => {
      const checks = checksOf(list);
      // A JWT's answer under a list its resolver checks is named as the resolver would refuse it; any
      // other is asked for again also when it does not say its issuer and some issuer's marker names it.
      return info.source === 'jwt' && listsCheckedByResolver.has(list)
        ? checks.refuses(info, now, hashes?.tokenHash, hashes?.signingInputHash)
        : checks.namesAnswer(asStored, now, hashes?.tokenHash, hashes?.signingInputHash);
    });
  }

  const revocable: RevocableCache = { dropRevoked };
  // The lists the wrapped resolver checks too: an answer held here skips its check, so each of their
  // revocations must drop what it names from this cache as well, or a revoked token stays served.
  const revocationLists = distinctRevocationLists(
    options.revocations === undefined ? undefined : [options.revocations],
    resolver.revocationLists,
  );
  // The resolver's lists are checked as the option is: a custom resolver may report a list of its own.
  for (const list of resolver.revocationLists ?? [])
    requireOption(
      REVOCATION_LIST_METHODS.every((method) => typeof list?.[method] === 'function'),
      'tokenCache.resolver.revocationLists',
      `must hold revocation lists (objects with ${REVOCATION_LIST_METHODS.join(', ')})`,
    );
  // The spellings of each issuer the wrapped resolver accepts as one, as it states them: a revocation
  // naming one reaches the answers held here stating another. This cache's own, read once: no other
  // resource server's resolver widens its revocations, nor this one theirs.
  const statedSpellings: unknown = resolver.issuerSpellings;
  requireOption(
    statedSpellings === undefined ||
      (Array.isArray(statedSpellings) &&
        statedSpellings.every(
          (group) => Array.isArray(group) && group.every((spelling) => typeof spelling === 'string'),
        )),
    'tokenCache.resolver.issuerSpellings',
    'must be a list of lists of issuer identifiers (strings), one list per issuer',
  );
  const issuerSpellings =
    statedSpellings === undefined ? undefined : new IssuerSpellings(statedSpellings as IssuerSpellingGroups);
  // The uncounted checks of each list, with those spellings: made once, here, not per check.
  const checksOfLists = new Map<RevocationList, RevocationChecks>(
    (revocationLists ?? []).map((list) => [list, uncountedChecks(list, issuerSpellings)]),
  );
  function checksOf(list: RevocationList): RevocationChecks {
    return checksOfLists.get(list)!;
  }
  // Attached once nothing more can refuse the set-up: a cache refused at start-up hears of nothing.
  for (const list of revocationLists ?? []) list.attach(revocable);
  // The lists whose markers the wrapped resolver turns into refusals (`token_revoked`).
  const listsCheckedByResolver: ReadonlySet<RevocationList> = new Set(resolver.revocationLists ?? []);

  const cache: TokenCache = {
    // A cache answers exactly as the resolver it wraps.
    cacheNamespace: namespace,
    revocationLists,
    issuerSpellings: resolver.issuerSpellings,
    async resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
      const key = await keyOf(token);
      // Counted, and traced, once per request: the first time round. Going round again is `overtaken`'s
      // to decide: the store first (a call made after the revocation may have answered), then a call.
      for (let asked = 1; ; asked++) {
        const first = asked === 1;
        let cached = await readUnrevoked(key);
        if (cached?.info !== undefined && (await namedByRevocationList(token, cached, context.now))) {
          // Named by a revocation its deletion did not reach: not served again, asked again. The calls
          // under way for the token are not forgotten: each began after the revocation (its answer is
          // then the resolver's word since) or is checked against the log as any call is. Forgetting
          // them would let every request that reads the stale answer (while its deletion keeps
          // failing) discard the others' calls, until all of them ran out of asks (503).
          await storeWrite('delete', () => store.delete(key));
          cached = undefined;
        }
        if (cached !== undefined && servable(cached, context.now)) {
          if (first) {
            hits++;
            context.trace?.cacheLookup(true);
          }
          return cached.info !== undefined
            ? { ok: true, value: cached.info }
            : { ok: false, failure: cached.failure };
        }
        // Shared only between requests presenting the token the same way: a resolver may refuse a token
        // differently for each scheme (introspection, for a DPoP-bound token whose key it is not told).
        // Such refusals are never kept, so stored answers need no such split.
        // (A context without its request, from a caller outside the pipeline, is shared as bearer.)
        const sharedAs =
          context.request !== undefined && schemeOfRefusedRequest(context.request, true) === 'DPoP'
            ? key + DPOP_PRESENTATION
            : key;
        let flight = joinable(sharedAs);
        if (flight === undefined) {
          if (first) {
            misses++;
            context.trace?.cacheLookup(false);
          }
          flight = startFlight(token, key, sharedAs, context);
        } else if (first) {
          coalesced++;
        }
        const outcome = await answerOf(flight, token, context.now);
        if (outcome !== undefined) return outcome;
        if (asked >= MAX_ASKS) return OVERTAKEN_TOO_OFTEN;
      }
    },
    async evict(token: string): Promise<void> {
      revocations++;
      const key = await keyOf(token);
      forget(key);
      log.labelRevoked(keyLabel(key));
      await storeWrite('delete', () => store.delete(key));
    },
    async revoke(revocation: Revocation): Promise<void> {
      await dropRevoked(await sharedRevocation(revocation, undefined, 'tokenCache.revoke'));
    },
    async clear(): Promise<void> {
      // Every call under way at once, without visiting them: each is detached when next looked for.
      log.forgetAll();
      await storeWrite('clear', () => store.clear());
    },
    stats: () => ({ hits, misses, coalesced, evictions: store.evictions?.() ?? 0, revocations, storeErrors }),
    health(now) {
      const connection = store.health?.();
      return [
        {
          kind: 'token-cache',
          ready: true,
          hits,
          misses,
          evictions: store.evictions?.() ?? 0,
          revocations,
          storeErrors,
          storeFailing: outage !== undefined,
          ...(connection && { store: connection }),
        },
        ...collectHealth(now, [resolver]),
      ];
    },
  };
  // Deletions made by another instance sharing the store forget the calls under way here as this
  // instance's own would: a call begun before one would otherwise store again, for every instance, the
  // answer it deleted (an introspection answer given before the token was revoked).
  if (typeof store.onDeletedElsewhere === 'function') {
    store.onDeletedElsewhere((deletion) => {
      if ('key' in deletion) {
        forget(deletion.key);
        log.labelRevoked(keyLabel(deletion.key));
      } else if ('labelHash' in deletion) {
        log.labelHashRevoked(hashedLabel(deletion.labelHash));
      } else {
        log.forgetAll();
      }
    });
  }
  revocationLogs.set(cache, log);
  return cache;
}

/**
 * How many revocations by claim `cache`'s log holds (see {@link RevocationLog}), for the tests: not
 * exported by the package. `undefined` for a cache not made by {@link tokenCache}.
 *
 * @internal
 */
export function revocationLogSize(cache: TokenCache): number | undefined {
  return revocationLogs.get(cache)?.size;
}

/**
 * One call to the wrapped resolver, shared by the requests for one token that arrive while it runs. The
 * revocations made since it began, read from the cache's {@link RevocationLog}, decide whether its answer
 * may still be used (`overtaken`).
 */
interface Flight {
  call: Promise<Outcome<TokenInfo>>;
  /** Set by `evict` and a revocation of this token: whatever the call answers is stale. */
  forgotten: boolean;
  /** The time of the request that began the call, which the resolver judged the token at. */
  readonly now: number;
  /** The log's sequence number when the call began: the revocations numbered from it on came after. */
  readonly start: number;
  /** The log's count of revocations by token when the call began. */
  readonly tokenRevocationsAtStart: number;
  /** The call while it runs, and each request checking its answer: the log keeps `start` on while any is. */
  holders: number;
}

/**
 * Most labels a {@link RevocationLog} keeps. Past it, the oldest is dropped and the calls that began
 * before it are treated as forgotten (as by `clear()`): they are asked again, never let through.
 */
const MAX_LOGGED_LABELS = 10_000;

/**
 * The revocations a token cache made while calls to its resolver were under way, written once for all
 * of them: a revocation costs the same, in memory and in work, however many calls are under way. Each
 * revocation takes the next sequence number; a call records the number when it begins
 * ({@link RevocationLog.begin}), and its answer is stale when a revocation numbered from there on names
 * it. Revocations by claim are kept as labels (`sub:alice`) with the number of their latest revocation,
 * oldest first; revocations by token only as a count (the answer's token is then looked up in the lists);
 * `clear()` as a number: every call that began at or before it is forgotten.
 *
 * Bound: the log holds one label per distinct `jti`, subject, client or session revoked since the oldest
 * call still held began (held while it runs, and until every request that waited for it has checked its
 * answer), and nothing while no call is under way. A storm of revocations while one call hangs until its
 * resolver's `timeout` leaves at most the labels revoked during that call, and never more than
 * {@link MAX_LOGGED_LABELS}: past that, the oldest label is dropped and every call that began before it
 * is forgotten, so the bound costs a call asked again, never a missed revocation.
 */
class RevocationLog {
  /** The sequence number of the next revocation. */
  private next = 0;
  /** Labels revoked by claim, by the number of their latest revocation, in that order (oldest first). */
  private readonly revokedAt = new Map<string, number>();
  /** The number of the latest label revoked, for the common check that nothing was. */
  private latestLabel = -1;
  /** The number of the latest label revoked by its hash ({@link hashedLabel}), likewise. */
  private latestLabelHash = -1;
  /** Every call that began at or before this number is forgotten (`clear()`, or a label dropped for room). */
  private forgottenThrough = -1;
  /**
   * How many calls hold each start number. Calls begin with the current number, which only grows, and a
   * number is held from its first call to its last: the map's first key is the oldest held.
   */
  private readonly held = new Map<number, number>();
  /** Revocations of a token by itself, counted: which answers they name is asked of the lists. */
  tokenRevocations = 0;

  /** Records a call beginning, and returns the number it began at (to give to {@link end}). */
  begin(): number {
    const start = this.next;
    this.held.set(start, (this.held.get(start) ?? 0) + 1);
    return start;
  }

  /** A call that began at `start` is held no more: what only it still needed is dropped. */
  end(start: number): void {
    const holders = (this.held.get(start) ?? 1) - 1;
    if (holders > 0) {
      this.held.set(start, holders);
      return;
    }
    this.held.delete(start);
    this.dropUnneeded();
  }

  /** A revocation by claim (`sub:alice`): logged while some call is held. */
  labelRevoked(label: string): void {
    const revocation = this.next++;
    // No call under way: there is no answer for it to overtake.
    if (this.held.size === 0) return;
    this.latestLabel = revocation;
    // Deleted first, so that the labels stay in the order of their latest revocation.
    this.revokedAt.delete(label);
    this.revokedAt.set(label, revocation);
    if (this.revokedAt.size <= MAX_LOGGED_LABELS) return;
    const [oldest, revokedAt] = this.revokedAt.entries().next().value as [string, number];
    this.revokedAt.delete(oldest);
    this.forgottenThrough = Math.max(this.forgottenThrough, revokedAt);
  }

  /**
   * A revocation by claim heard from another instance by the hash of its label only
   * ({@link hashedLabel}): an answer is named by it when one of its labels hashes to it.
   */
  labelHashRevoked(label: string): void {
    this.labelRevoked(label);
    if (this.held.size > 0) this.latestLabelHash = this.next - 1;
  }

  /** A revocation of a token by itself (the call for its own key is forgotten by the cache). */
  tokenRevoked(): void {
    this.tokenRevocations++;
  }

  /** `clear()`: every call under way is forgotten, and no label logged so far is needed any more. */
  forgetAll(): void {
    this.forgottenThrough = this.next++;
    this.revokedAt.clear();
  }

  /** Whether a call that began at `start` was forgotten by `clear()` or for room since. */
  forgottenSince(start: number): boolean {
    return start <= this.forgottenThrough;
  }

  /** Whether any claim was revoked since `start`: when not, no answer of a call begun then is named. */
  labelRevokedSince(start: number): boolean {
    return this.latestLabel >= start;
  }

  /** Whether a label was revoked by its hash since `start`: only then are an answer's labels hashed. */
  labelHashRevokedSince(start: number): boolean {
    return this.latestLabelHash >= start;
  }

  /** Whether `label` was revoked at or after `start` (a held call's, whose labels are all kept). */
  revokedSince(label: string, start: number): boolean {
    return (this.revokedAt.get(label) ?? -1) >= start;
  }

  /** How many labels are logged: for the tests, through {@link revocationLogSize}. */
  get size(): number {
    return this.revokedAt.size;
  }

  /**
   * Drops the labels that no held call may need: those revoked before the oldest held call began, and
   * those of calls all forgotten already.
   */
  private dropUnneeded(): void {
    const oldestHeld: number | undefined = this.held.keys().next().value;
    if (oldestHeld === undefined) {
      this.revokedAt.clear();
      return;
    }
    const neededFrom = Math.max(oldestHeld, this.forgottenThrough + 1);
    for (const [label, revokedAt] of this.revokedAt) {
      if (revokedAt >= neededFrom) return;
      this.revokedAt.delete(label);
    }
  }
}

// The log of each cache, for the tests' size accessor only.
const revocationLogs = new WeakMap<TokenCache, RevocationLog>();

/**
 * The {@link RevocationLog} label of a revocation of one store key (`evict`, a revocation by token), for
 * the store reads under way; never the label of a claim (`jti:…`, `sub:…`, `client:…`, `sid:…`).
 */
function keyLabel(key: string): string {
  return `key:${key}`;
}

/**
 * The {@link RevocationLog} label of a revocation by claim that another instance announced by the hash of
 * its label (as `@rs/redis` does, so that no identifier is written to Redis in clear); never a claim's
 * label, nor a key's.
 */
function hashedLabel(labelHash: string): string {
  return `hash:${labelHash}`;
}

/** The hashes of `labels` as a shared store announces them: base64url SHA-256, the token cache key's hash. */
function labelHashes(labels: readonly string[]): Promise<string[]> {
  return Promise.all(labels.map((label) => tokenHash(label)));
}

/**
 * Appended to a store key to name the call under way for a token presented with the DPoP scheme (every
 * store key ends with a token hash, which holds no space): it is not shared with requests presenting the
 * token as a bearer token.
 */
const DPOP_PRESENTATION = ' DPoP';

/**
 * How many times one request asks the wrapped resolver when revocations keep overtaking the answers:
 * once, then again for each answer a revocation named while it was asked for, up to this bound.
 */
const MAX_ASKS = 3;

/**
 * The answer to a request whose every answer a revocation overtook: 503, as when the resolver cannot be
 * reached, for the token could not be checked through no fault of the client, who may try again.
 */
const OVERTAKEN_TOO_OFTEN: Outcome<TokenInfo> = refusal(
  'introspection_unavailable',
  `The token was revoked or evicted while it was being checked, ${MAX_ASKS} times: try again`,
);

/**
 * How far ahead of this clock another instance's `storedAt` may be and still be shared: instances whose
 * clocks differ by a few hundred milliseconds would otherwise each ask the authorization server again for
 * every token another one had just cached.
 */
const STORED_AT_TOLERANCE_MS = 5_000;

/** What a store answered instead of a cached answer, named by its type only: it may hold a token's claims. */
function answerKind(answer: unknown): string {
  if (answer === null) return 'null';
  if (Array.isArray(answer)) return 'an array';
  return typeof answer === 'object' ? 'an object of another shape' : `a ${typeof answer}`;
}

/**
 * Whether a token is valid at `now` by its own `nbf` and `exp`, without allowance: no answer is kept or
 * served outside them. A date claim that is present but not a number (which no resolver of @rs accepts)
 * is not taken for an absent one.
 */
function validAt(info: TokenInfo, now: number): boolean {
  const { claims, expiresAt, notBefore } = info;
  if (claims.exp !== undefined && expiresAt === undefined) return false;
  if (claims.nbf !== undefined && notBefore === undefined) return false;
  return (
    (expiresAt === undefined || now < expiresAt * 1000) &&
    (notBefore === undefined || notBefore * 1000 <= now)
  );
}

function duration(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  requireOption(
    Number.isFinite(value) && value >= 0,
    option,
    'must be a non-negative number of milliseconds',
  );
  return value;
}
