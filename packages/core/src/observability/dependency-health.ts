import { RsError } from '../errors/rs-error.js';

/**
 * The state of a remote JWK set ({@link remoteJwks}). `ready` once a set with at least one usable key
 * is held: a failing refresh keeps the last good keys, so a server that has keys stays ready.
 */
export interface JwkSetHealth {
  readonly kind: 'jwk-set';
  /** A set with at least one usable key is held. */
  readonly ready: boolean;
  /** The JWK set URL fetched. */
  readonly url: string;
  /** Usable keys held. */
  readonly keys: number;
  /** Fetches of the set so far, failed ones included. */
  readonly fetches: number;
  /** Fetches that failed (network, status, an unusable document) so far. */
  readonly failures: number;
  /** When the held set was fetched (ms since the epoch, the resource server's clock). */
  readonly lastFetchAt?: number | undefined;
  /** How old the held set is, in ms. */
  readonly ageMs?: number | undefined;
  /** When the last fetch failed (ms since the epoch); absent when none has. */
  readonly lastFailureAt?: number | undefined;
  /** What the last failed fetch reported (see {@link describeError}). */
  readonly lastError?: string | undefined;
}

/**
 * The state of an introspection endpoint ({@link introspectionResolver}). Not `ready` while its last
 * exchange failed (network, 5xx, a refused client): the requests it should answer get 503 meanwhile.
 * An answer that the token is inactive is a success of the endpoint.
 */
export interface IntrospectionHealth {
  readonly kind: 'introspection';
  /**
   * No exchange failed since the last success, or the failure is older than the longest retry pause (after
   * which a request is let through to ask again). `true` before any exchange.
   */
  readonly ready: boolean;
  /** The configured endpoint, or the issuer it is discovered from. */
  readonly endpoint: string;
  /** Introspection requests made so far. */
  readonly calls: number;
  /** Exchanges that failed (network, 5xx, a refused client) so far. */
  readonly failures: number;
  /** When the last exchange succeeded (ms since the epoch); absent when none has. */
  readonly lastSuccessAt?: number | undefined;
  /** When the last exchange failed (ms since the epoch); absent when none has. */
  readonly lastFailureAt?: number | undefined;
  /** What the last failed exchange reported (see {@link describeError}). */
  readonly lastError?: string | undefined;
}

/**
 * The connection of a shared store (`@rs/redis`), reported through the store's optional `health()` and
 * shown inside the {@link TokenCacheHealth} or {@link ReplayStoreHealth} that uses it.
 */
export interface StoreConnectionHealth {
  /** What the store is, e.g. `redis`. */
  readonly store: string;
  /** The store can answer now (connected, and for `@rs/redis` caches, caught up on revocations). */
  readonly ready: boolean;
  /** The connection is open and usable. */
  readonly connected: boolean;
  /** What the last connection error reported (see {@link describeError}); absent when there was none. */
  readonly lastError?: string | undefined;
  /** When the last connection error happened (ms since the epoch). */
  readonly lastErrorAt?: number | undefined;
}

/**
 * A token cache ({@link tokenCache}). Always `ready`: when its store fails, the cache asks the
 * resolver it wraps instead (`storeFailing` says so, and `store` why).
 */
export interface TokenCacheHealth {
  readonly kind: 'token-cache';
  readonly ready: true;
  /** Requests answered from the cache. */
  readonly hits: number;
  /** Requests the wrapped resolver had to answer. */
  readonly misses: number;
  /** Answers dropped by the store to make room. */
  readonly evictions: number;
  /** Evictions and revocations applied (`evict`, `revoke`, a revocation list). */
  readonly revocations: number;
  /** Store operations that failed since the cache was created. */
  readonly storeErrors: number;
  /** The store is failing (since a failure, until a write succeeds); the resolver answers meanwhile. */
  readonly storeFailing: boolean;
  /** The store's connection, when the store reports one (`@rs/redis`). */
  readonly store?: StoreConnectionHealth | undefined;
}

/**
 * The DPoP replay store. Not `ready` while it fails (or its store reports it is not): every DPoP
 * request is then refused with 503 `replay_check_unavailable`.
 */
export interface ReplayStoreHealth {
  readonly kind: 'replay-store';
  /** The last check did not fail and the store (if it reports a connection) is ready. */
  readonly ready: boolean;
  /** Replay checks that failed so far. */
  readonly failures: number;
  /** When the last check failed (ms since the epoch); absent once a check succeeds again. */
  readonly lastFailureAt?: number | undefined;
  /** What the failing check reported (see {@link describeError}); absent once a check succeeds again. */
  readonly lastError?: string | undefined;
  /** The store's connection, when the store reports one (`@rs/redis`). */
  readonly store?: StoreConnectionHealth | undefined;
}

/** What a resource server depends on, as {@link ResourceServer.status} reports it. Never holds a secret. */
export type DependencyHealth = JwkSetHealth | IntrospectionHealth | TokenCacheHealth | ReplayStoreHealth;

/**
 * Something with dependencies to report: resolvers, key sources and stores may implement it. `now` is
 * the resource server's clock, for ages.
 */
export interface HealthReporter {
  /** The state of each dependency this part calls, `now` being the resource server's clock (ms). */
  health?(now: number): readonly DependencyHealth[];
}

/** A store that can tell how its connection is (`@rs/redis` stores do). */
export interface StoreHealthReporter {
  /** The state of the store's connection now. */
  health?(): StoreConnectionHealth;
}

/** The health of every part that reports one, in order; parts without `health()` add nothing. */
export function collectHealth(now: number, parts: Iterable<unknown>): DependencyHealth[] {
  const found: DependencyHealth[] = [];
  for (const part of parts) {
    const reporter = part as HealthReporter | undefined;
    if (typeof reporter?.health === 'function') found.push(...reporter.health(now));
  }
  return found;
}

/**
 * One line about a failure, safe to show on a health route. Errors of @rs carry messages written
 * never to hold a token or a secret; any other error (a driver's, a runtime's) may echo what it was
 * given (a connection string with a password), so only its name and code are kept.
 */
export function describeError(error: unknown): string {
  // Reading an error is application code too (a getter): what it throws must not replace the failure
  // being described, in the catch block of the store call that failed.
  try {
    if (error instanceof RsError) return `${error.code}: ${error.message}`;
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? `${error.name} ${code}` : error.name;
    }
  } catch {
    // Described as any other value is.
  }
  return 'unknown error';
}
