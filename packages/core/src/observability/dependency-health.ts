import { RsError } from '../errors/rs-error.js';

/**
 * The state of a remote JWK set ({@link remoteJwks}). `ready` once a set with at least one usable key
 * is held: a failing refresh keeps the last good keys, so a server that has keys stays ready.
 */
export interface JwkSetHealth {
  readonly kind: 'jwk-set';
  readonly ready: boolean;
  readonly url: string;
  /** Usable keys held. */
  readonly keys: number;
  readonly fetches: number;
  readonly failures: number;
  /** When the held set was fetched (ms since the epoch, the resource server's clock). */
  readonly lastFetchAt?: number | undefined;
  /** How old the held set is, in ms. */
  readonly ageMs?: number | undefined;
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
  readonly ready: boolean;
  /** The configured endpoint, or the issuer it is discovered from. */
  readonly endpoint: string;
  readonly calls: number;
  readonly failures: number;
  readonly lastSuccessAt?: number | undefined;
  readonly lastFailureAt?: number | undefined;
  readonly lastError?: string | undefined;
}

/**
 * The connection of a shared store (`@rs/redis`), reported through the store's optional `health()` and
 * shown inside the {@link TokenCacheHealth} or {@link ReplayStoreHealth} that uses it.
 */
export interface StoreConnectionHealth {
  /** What the store is, e.g. `redis`. */
  readonly store: string;
  readonly ready: boolean;
  readonly connected: boolean;
  readonly lastError?: string | undefined;
  readonly lastErrorAt?: number | undefined;
}

/**
 * A token cache ({@link tokenCache}). Always `ready`: when its store fails, the cache asks the
 * resolver it wraps instead (`storeFailing` says so, and `store` why).
 */
export interface TokenCacheHealth {
  readonly kind: 'token-cache';
  readonly ready: true;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly revocations: number;
  readonly storeErrors: number;
  readonly storeFailing: boolean;
  readonly store?: StoreConnectionHealth | undefined;
}

/**
 * The DPoP replay store. Not `ready` while it fails (or its store reports it is not): every DPoP
 * request is then refused with 503 `replay_check_unavailable`.
 */
export interface ReplayStoreHealth {
  readonly kind: 'replay-store';
  readonly ready: boolean;
  readonly failures: number;
  readonly lastFailureAt?: number | undefined;
  readonly lastError?: string | undefined;
  readonly store?: StoreConnectionHealth | undefined;
}

/** What a resource server depends on, as {@link ResourceServer.status} reports it. Never holds a secret. */
export type DependencyHealth = JwkSetHealth | IntrospectionHealth | TokenCacheHealth | ReplayStoreHealth;

/**
 * Something with dependencies to report: resolvers, key sources and stores may implement it. `now` is
 * the resource server's clock, for ages.
 */
export interface HealthReporter {
  health?(now: number): readonly DependencyHealth[];
}

/** A store that can tell how its connection is (`@rs/redis` stores do). */
export interface StoreHealthReporter {
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
  if (error instanceof RsError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? `${error.name} ${code}` : error.name;
  }
  return 'unknown error';
}
