import { clockOption, readClock } from '../clock.js';
import {
  checkOptions,
  entryCount,
  func,
  numberBetween,
  type OptionRule,
  type OptionSchema,
  objectWith,
} from '../config/option-schema.js';
import { callUserHook } from '../observability/user-hook.js';
import type { TokenInfo } from '../token-info.js';
import type { IssuerSpellings } from './issuer-spellings.js';
import { type Revocation, type SharedRevocation, sharedRevocation } from './revocation.js';
import { RevocationMarkers } from './revocation-markers.js';

/** A cache that drops what a revocation names (`tokenCache`, a JWT resolver's verified-token cache). */
export interface RevocableCache {
  /** Drops every entry `revocation` names; `fromAnotherInstance` when it was heard from the sharing. */
  dropRevoked(revocation: SharedRevocation, fromAnotherInstance: boolean): Promise<void> | void;
}

/**
 * How revocations reach the other instances of an API. `@rs/redis`'s `redisTokenCacheStore` is one:
 * it publishes them on its eviction channel.
 */
export interface RevocationSharing {
  /**
   * Tells every other instance. A `token` revocation carries the token's hash, never the token. `marker`
   * says how long, and how many, the list keeps its markers: a sharing that also keeps the marker (as
   * `@rs/redis` does) keeps it no longer, and no more of them, so that instances that were not listening
   * (starting, or reconnecting) still hear it.
   */
  publishRevocation(
    revocation: SharedRevocation,
    marker?: { readonly markerTtl: number; readonly maxMarkers: number },
  ): Promise<void>;
  /**
   * Calls `listener` with every revocation another instance published; returns how to stop. `kept` is
   * `true` for a revocation read back from what the sharing keeps (this instance was not listening when it
   * was published): only its marker is recorded, since the caches it named were dropped when it was made
   * and every cached answer is checked against the markers anyway.
   */
  onRevocation(listener: (revocation: SharedRevocation, kept?: boolean) => void): () => void;
}

/** Options of {@link revocationList}. Durations in milliseconds. */
export interface RevocationListOptions {
  /**
   * How long tokens issued before a revocation stay refused by JWT resolvers: set it to at least the
   * longest lifetime of the access tokens, or a revoked JWT is accepted again once its marker is gone.
   * Default 1 hour; at least 1 minute, so that seconds given for milliseconds are refused.
   */
  readonly markerTtl?: number | undefined;
  /**
   * Most markers kept; past it the oldest go first (`stats().droppedMarkers`). Default 100 000; at most
   * 10 000 000 (`MAX_ENTRIES_CEILING`), beyond which the process runs out of memory first.
   */
  readonly maxMarkers?: number | undefined;
  /** Shares revocations with the other instances (`redisTokenCacheStore` of `@rs/redis`). */
  readonly share?: RevocationSharing | undefined;
  /** Milliseconds since the epoch; default `Date.now`. Revocation times are taken from it. */
  readonly clock?: (() => number) | undefined;
  /** Told when a cache or the sharing failed to apply a revocation (it is applied everywhere else). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** Counters of a {@link RevocationList}. */
export interface RevocationListStats {
  /** Revocations made here ({@link RevocationList.revoke}). */
  readonly revocations: number;
  /** Evictions made here ({@link RevocationList.evict}). */
  readonly evictions: number;
  /** Revocations and evictions heard from other instances. */
  readonly received: number;
  /** Live and not yet swept "revoked before" markers. */
  readonly markers: number;
  /** Markers dropped before their time to stay within `maxMarkers`. */
  readonly droppedMarkers: number;
  /** Tokens refused because a marker named them. */
  readonly refused: number;
  /** Failures to publish to the other instances. */
  readonly shareErrors: number;
  /** Failures of an attached cache to drop entries. */
  readonly cacheErrors: number;
}

/**
 * Revocation that reaches every cache, here and on the other instances, without the application
 * evicting tokens one by one. Caches and JWT resolvers given the list (`tokenCache(…, { revocations })`,
 * `jwtResolver({ revocations })`) drop what it names; a revocation feed (a Security Event Token receiver
 * or your own) calls {@link RevocationList.revoke}.
 */
export interface RevocationList {
  /**
   * Revokes the tokens `revocation` names: drops their cached answers everywhere, and marks them so that
   * JWT resolvers refuse those issued until now (`token_revoked`) for `markerTtl`. Rejects with
   * `RsConfigError` (nothing revoked) for a key other than `by`, `value` and `issuer` (`iss` for `issuer`
   * would otherwise revoke for every issuer) or a value of the wrong type.
   */
  revoke(revocation: Revocation): Promise<void>;
  /**
   * Drops the cached answers `revocation` names everywhere, refusing nothing: for claims that changed
   * (CAEP `token-claims-change`), so that the next request reads them anew. Checked as {@link revoke} checks.
   */
  evict(revocation: Revocation): Promise<void>;
  /**
   * Whether a marker names this token: its info, and when {@link needsTokenHash}, its hash and the hash
   * of the signing input of the JWS it is or holds (see `SharedRevocation.signingInputHash`).
   */
  refuses(info: TokenInfo, now: number, tokenHash?: string, signingInputHash?: string): boolean;
  /**
   * Whether a marker names this token by itself (its hash, or the hash of the signing input of the JWS it
   * is or holds), whatever its claims. A cache asks it before serving an answer for a token that was
   * stored under another spelling of a token revoked since.
   */
  namesToken(now: number, issuer: string | undefined, tokenHash: string, signingInputHash?: string): boolean;
  /** Whether some token was revoked by itself, so that resolvers must hash tokens to check them. */
  needsTokenHash(): boolean;
  /** Registers a cache; returns how to unregister it. Caches given `revocations` do it themselves. */
  attach(cache: RevocableCache): () => void;
  /** The counters so far, for metrics. */
  stats(): RevocationListStats;
  /** Stops hearing the other instances. */
  close(): void;
}

// A minute: no access token lives shorter, and seconds given for milliseconds (3 600) fall below it.
const MIN_MARKER_TTL_MS = 60_000;

/** The `markerTtl` rule: one rule, so one message whatever the mistake (0, 3 600, NaN). */
const MARKER_TTL: OptionRule = numberBetween(MIN_MARKER_TTL_MS, Number.POSITIVE_INFINITY, 'milliseconds');

const REVOCATION_LIST_OPTIONS: OptionSchema<RevocationListOptions> = {
  markerTtl: MARKER_TTL,
  maxMarkers: entryCount('markers'),
  share: objectWith('a revocation sharing', 'publishRevocation', 'onRevocation'),
  clock: func,
  onError: func,
};

/**
 * Builds a {@link RevocationList}.
 *
 * @example
 * ```ts
 * const revocations = revocationList({ markerTtl: 3_600_000 });
 * const resolver = jwtResolver({ issuer, audience, keys, revocations });
 * await revocations.revoke({ by: 'sub', value: 'alice' }); // her tokens issued until now are refused
 * ```
 */
export function revocationList(options: RevocationListOptions = {}): RevocationList {
  checkOptions(options, REVOCATION_LIST_OPTIONS, 'revocationList');
  const markerTtl = options.markerTtl ?? 3_600_000;
  const maxMarkers = options.maxMarkers ?? 100_000;
  const clock = clockOption(options.clock, 'revocationList.clock');
  const clockConfigured = options.clock !== undefined;
  const markers = new RevocationMarkers(maxMarkers, markerTtl);
  const caches = new Set<RevocableCache>();
  const counts = { revocations: 0, evictions: 0, received: 0, refused: 0, shareErrors: 0, cacheErrors: 0 };

  // A failing handler (one that throws, or rejects when it is `async`) must not stop a revocation
  // half-way, nor leave an unhandled rejection.
  function tell(error: unknown): void {
    callUserHook(options.onError, error);
  }

  async function apply(revocation: SharedRevocation, fromAnotherInstance: boolean): Promise<void> {
    markers.add(revocation);
    await Promise.all(
      [...caches].map(async (cache) => {
        try {
          await cache.dropRevoked(revocation, fromAnotherInstance);
        } catch (error) {
          counts.cacheErrors++;
          tell(error);
        }
      }),
    );
  }

  async function applyAndShare(revocation: SharedRevocation): Promise<void> {
    await apply(revocation, false);
    if (options.share === undefined) return;
    try {
      await options.share.publishRevocation(revocation, { markerTtl, maxMarkers });
    } catch (error) {
      counts.shareErrors++;
      tell(error);
    }
  }

  const stopListening = options.share?.onRevocation((revocation, kept) => {
    // Read back on (re)subscribing, maybe once more each time: a marker, not a revocation heard.
    if (kept === true) {
      markers.add(revocation);
      return;
    }
    counts.received++;
    apply(revocation, true).catch(tell);
  });

  const list: RevocationList = {
    async revoke(revocation) {
      // Checked: a revocation dated 1970 (a clock that stood still when the list was built) or NaN would
      // refuse no token issued before it.
      const revokedAt = readClock(clock, 'revocationList.clock', clockConfigured);
      const shared = await sharedRevocation(revocation, revokedAt, 'revocationList.revoke');
      counts.revocations++;
      await applyAndShare(shared);
    },
    async evict(revocation) {
      const shared = await sharedRevocation(revocation, undefined, 'revocationList.evict');
      counts.evictions++;
      await applyAndShare(shared);
    },
    refuses(info, now, tokenHash, signingInputHash) {
      const refused = markers.refuses(info, now, tokenHash, signingInputHash);
      if (refused) counts.refused++;
      return refused;
    },
    namesToken(now, issuer, tokenHash, signingInputHash) {
      const named = markers.namesToken(issuer, now, tokenHash, signingInputHash);
      if (named) counts.refused++;
      return named;
    },
    needsTokenHash: () => markers.hasTokenMarkers(),
    attach(cache) {
      caches.add(cache);
      return () => caches.delete(cache);
    },
    stats: () => ({ ...counts, markers: markers.size, droppedMarkers: markers.dropped }),
    close() {
      stopListening?.();
    },
  };
  // Asked directly, uncounted, by the caches (uncountedChecks).
  markersOfLists.set(list, markers);
  return list;
}

/**
 * The checks a cache asks of a revocation list about an answer it holds. `refuses` judges as a resolver
 * checking the list does. `namesAnswer` is `refuses`, except that an answer without an issuer is named
 * by the markers of every issuer: the cache only asks its resolver again, which an answer that may be of
 * a revoked issuer's token must be. `namesAnswer` and `namesToken` also take a marker naming another
 * spelling of the answer's issuer, among those the cache's resolver accepts together.
 */
export type RevocationChecks = Pick<RevocationList, 'refuses' | 'namesToken'> & {
  readonly namesAnswer: RevocationList['refuses'];
};

// The markers of each list built by revocationList, asked directly by uncountedChecks.
const markersOfLists = new WeakMap<RevocationList, RevocationMarkers>();

/**
 * The checks of `list` that leave its `stats().refused` alone: for a list built by {@link revocationList},
 * its markers asked directly; a list of the application's own is asked itself. A cache checks the answers
 * it holds with them: those checks refuse nothing (the cache asks its resolver again, which refuses the
 * token when the list names it), so they must not count as refusals. `spellings` are those of the
 * resolver the cache wraps (its `issuerSpellings`), given by the cache, which makes these checks once: a
 * list of the application's own is not told them.
 *
 * @internal
 */
export function uncountedChecks(list: RevocationList, spellings?: IssuerSpellings): RevocationChecks {
  const markers = markersOfLists.get(list);
  if (markers !== undefined)
    return {
      refuses: (info, now, tokenHash, signingInputHash) =>
        markers.refuses(info, now, tokenHash, signingInputHash),
      namesToken: (now, issuer, tokenHash, signingInputHash) =>
        markers.namesToken(issuer, now, tokenHash, signingInputHash, spellings),
      namesAnswer: (info, now, tokenHash, signingInputHash) =>
        markers.namesAnswer(info, now, tokenHash, signingInputHash, spellings),
    };
  // A list of the application's own knows only `refuses`: it is asked that for every answer.
  return {
    refuses: (info, now, tokenHash, signingInputHash) => list.refuses(info, now, tokenHash, signingInputHash),
    namesToken: (now, issuer, tokenHash, signingInputHash) =>
      list.namesToken(now, issuer, tokenHash, signingInputHash),
    namesAnswer: (info, now, tokenHash, signingInputHash) =>
      list.refuses(info, now, tokenHash, signingInputHash),
  };
}
