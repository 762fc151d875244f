import { requireOption } from '../config/config-error.js';
import {
  boolean,
  checkOptions,
  func,
  integerBetween,
  nonNegativeInteger,
  numberBetween,
  type OptionSchema,
  objectWith,
  timerMilliseconds,
  urlString,
} from '../config/option-schema.js';
import { nonNegativeOption } from '../config/option-values.js';
import { shownUrl } from '../config/shown-url.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { MAX_DOCUMENT_DEPTH, parseBoundedJsonDocument } from '../encoding/bounded-json.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { defaultHttpClient } from '../http/default-http-client.js';
import { validateEndpointUrl } from '../http/endpoint-url.js';
import type { HttpClient } from '../http/http-client.js';
import { sendWithinDeadline } from '../http/send-within-deadline.js';
import { describeError, type JwkSetHealth } from '../observability/dependency-health.js';
import { callUserHook } from '../observability/user-hook.js';
import type { JwkIndex } from './jwk-index.js';
import { indexJwkSet, type JwkSetDocument, listUnusable } from './jwk-set-document.js';
import { JwkSetError, type UnusableJwk } from './jwk-set-error.js';
import { jwkSetMisconfigurationReporter } from './jwk-set-misconfiguration.js';
import { RefetchPolicy, type RefetchSettings } from './refetch-policy.js';
import type { KeySelector, VerificationKeySource } from './verification-key-source.js';

/** Options of {@link remoteJwks}. Durations are in milliseconds. */
export interface RemoteJwksOptions {
  /** The authorization server's `jwks_uri`. HTTPS, or HTTP on a loopback host. Never taken from a token. */
  readonly url: string | URL;
  /**
   * Age after which the key set is refreshed. Requests the held keys can answer never wait for that
   * refresh: it runs in the background. Default 10 minutes, at most a day. The age is read on the
   * request clock; a clock that reads `cacheMaxAge` or more before the set was had (set back since)
   * leaves its age unknown, and the set is refreshed as if it were that old.
   */
  readonly cacheMaxAge?: number | undefined;
  /**
   * Least time from the start of a successful fetch to the next fetch, whatever its cause. Default 5 s,
   * at most an hour.
   */
  readonly minFetchInterval?: number | undefined;
  /**
   * Most fetches that tokens with an unknown `kid` may cause in any 60 seconds, so a flood of made-up
   * `kid`s costs a few fetches a minute. `0`: only `cacheMaxAge` refreshes the set. Default 6.
   */
  readonly unknownKidFetchesPerMinute?: number | undefined;
  /**
   * Wait after a failed fetch before the next attempt, counted from when it failed (a fetch that timed
   * out is not followed at once by the next), doubled after each further failure. Default 1 s.
   * This, `maxRetryDelay` and `timeout` take from 1 ms to 2 147 483 647 ms (the longest a timer waits).
   */
  readonly retryDelay?: number | undefined;
  /** Cap of that doubling: the longest wait between attempts while fetches fail. Default 10 s. */
  readonly maxRetryDelay?: number | undefined;
  /** Fetch timeout. Default 5 seconds. */
  readonly timeout?: number | undefined;
  /**
   * Largest accepted key-set document, in whole bytes: from 90 (the smallest set of one usable key) to
   * 16 MiB. Default 256 KiB.
   */
  readonly maxResponseBytes?: number | undefined;
  /** Allow plain `http:` to a non-loopback host. Default `false`. */
  readonly allowInsecureHttp?: boolean | undefined;
  /**
   * The HTTP client. Default: on Node with `undici` installed, one pooled undici client; else `fetch`. A
   * `send` of a client of your own that has not settled within `timeout` is given up as a failed fetch
   * (`HttpClientError` `ERR_RS_HTTP_TIMEOUT`), whatever it does after.
   */
  readonly httpClient?: HttpClient | undefined;
  /**
   * Told of every failed fetch (an `HttpClientError`, or a `JwkSetError` for a bad status, a document
   * that is not a JWK set, or a set without one usable key; the last good keys stay in use), and of
   * broken keys left out of a set that is in use (`JwkSetError` `ERR_RS_JWKS_KEYS_LEFT_OUT`). Called
   * outside any request; what it throws, or rejects with when it returns a promise, is ignored.
   *
   * Default: failures that mean a misconfiguration, which no retry mends, are written to
   * `console.error`, at most one line a minute for this set: a status that does not pass by itself
   * (`ERR_RS_JWKS_STATUS` with 404, 401, 403, a permanent redirect; not a 5xx, 408 or 429), a document
   * that is no usable JWK set (`ERR_RS_JWKS_MALFORMED`, such as an HTML page or the discovery document;
   * `ERR_RS_JWKS_NO_USABLE_KEY`; `ERR_RS_JWKS_AMBIGUOUS`), one larger than `maxResponseBytes`
   * (`ERR_RS_HTTP_TOO_LARGE`), and, for a set found by discovery, unusable metadata
   * (`ERR_RS_DISCOVERY_INVALID`). Outages are left to `status()`. Giving `onFetchError` replaces the
   * default: yours is told of everything, and nothing is written.
   */
  readonly onFetchError?: ((error: Error) => void) | undefined;
}

/** Every option of {@link remoteJwks} that has a default, with it: the one list of them. */
const REMOTE_JWKS_DEFAULTS = Object.freeze({
  cacheMaxAge: 600_000,
  minFetchInterval: 5_000,
  unknownKidFetchesPerMinute: 6,
  retryDelay: 1_000,
  maxRetryDelay: 10_000,
  timeout: 5_000,
  maxResponseBytes: 256 * 1024,
  allowInsecureHttp: false,
});

// `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"…"}]}`: the smallest document holding one usable key.
const MIN_JWK_SET_BYTES = 90;
// 64 times the default: real sets are a few KiB, and the 100 keys a set may hold fit many times over.
const MAX_JWK_SET_BYTES = 16 * 1024 * 1024;

// A day: keys the server withdrew (a compromised one) stay trusted until the set is refreshed, and a
// longer age is most often seconds given as milliseconds the other way round, or no refresh meant at all.
const MAX_CACHE_AGE_MS = 86_400_000;
// An hour: beyond it, a rotated key would go unseen that long, whatever tokens carry it.
const MAX_MIN_FETCH_INTERVAL_MS = 3_600_000;

const REMOTE_JWKS_OPTIONS: OptionSchema<RemoteJwksOptions> = {
  url: urlString,
  cacheMaxAge: numberBetween(0, MAX_CACHE_AGE_MS, 'milliseconds'),
  minFetchInterval: numberBetween(0, MAX_MIN_FETCH_INTERVAL_MS, 'milliseconds'),
  unknownKidFetchesPerMinute: nonNegativeInteger,
  retryDelay: timerMilliseconds,
  maxRetryDelay: timerMilliseconds,
  timeout: timerMilliseconds,
  maxResponseBytes: integerBetween(MIN_JWK_SET_BYTES, MAX_JWK_SET_BYTES),
  allowInsecureHttp: boolean,
  httpClient: objectWith('an HTTP client such as undiciHttpClient()', 'send'),
  onFetchError: func,
};

/** Counters of a {@link RemoteJwks}, for metrics. */
export interface RemoteJwksStats {
  /** Fetches of the set started. */
  readonly fetches: number;
  /** Fetches that failed. */
  readonly failures: number;
  /** Keys in the current set. */
  readonly keys: number;
}

/**
 * A remote JWK set: a {@link VerificationKeySource} with counters, and the set itself to load ahead of
 * the first request or to carry across cold starts (as aws-jwt-verify's `hydrate` / `cacheJwks`).
 */
export interface RemoteJwks extends VerificationKeySource {
  /** The counters so far, for metrics. */
  stats(): RemoteJwksStats;
  /** Its state for the resource server's `status()`: ready once a usable set is held. */
  health(now: number): readonly JwkSetHealth[];
  /**
   * Fetches the set now, e.g. during a Lambda function's initialization, so that the first request does
   * not wait for it. Resolves once a usable set is held (at once if one already is); rejects with the
   * fetch's error (an `HttpClientError` or a {@link JwkSetError}) otherwise. Honours the same back-off as
   * requests do, so calling it in a loop does not hammer the server.
   */
  preload(): Promise<void>;
  /**
   * Uses `jwks` (e.g. a set saved by {@link RemoteJwks.export} and bundled with the function) at once,
   * as a set due a refresh: when it was fetched cannot be told (a set saved at build time may be weeks
   * old, and hold keys the server withdrew since), so the first request it answers also starts a refresh
   * in the background, as for a set `cacheMaxAge` old. No request waits for that refresh; until one
   * succeeds the hydrated set stays in use (a failed one is retried with the fetch back-off), and a `kid`
   * it lacks causes a fetch at once.
   * The set is checked as a fetched one is; a set without one usable key throws a {@link JwkSetError}
   * and changes nothing.
   */
  hydrate(jwks: unknown): void;
  /** The set in use, as it was fetched or hydrated (public keys only), or `undefined` before the first. */
  export(): JwkSetDocument | undefined;
}

const UNAVAILABLE = 'The issuer signing keys are unavailable';

/**
 * Verification keys fetched from the authorization server's JWK set URL.
 *
 * - A request waits for a fetch only when no held key can answer it (its `kid`, or for a token without
 *   one, its algorithm); a set older than `cacheMaxAge`, or hydrated, is refreshed in the background.
 *   Fetches are coalesced into one.
 * - Each key is checked when the set arrives. A set without one usable key never replaces the last good
 *   keys; broken keys in a good set are left out. Both are reported to `onFetchError`.
 * - An unknown `kid` causes a fetch once `minFetchInterval` has passed since the last one, at most
 *   `unknownKidFetchesPerMinute` times a minute; failed fetches are retried after 1 s, 2 s, 4 s, … up to
 *   `maxRetryDelay`.
 * - Every fetch is sent with `Cache-Control: no-cache`, so an HTTP cache on the way (a runtime's `fetch`,
 *   a caching dispatcher or forward proxy) asks the server rather than answer with the copy it holds:
 *   the server's `max-age` never delays a rotated key nor keeps a withdrawn one. Its own `Cache-Control`
 *   is not read: `cacheMaxAge` alone says when the set is refreshed.
 * - A `kid` that a freshly fetched set does not hold is refused as `unknown_key` (401). When the set
 *   cannot be had (no keys held, or the fetch that should have found the `kid` failed) the request is
 *   answered 503 `keys_unavailable`: the server's problem, not the token's.
 * - Without `onFetchError`, a failure that means a misconfiguration (a 404, an HTML page or the discovery
 *   document at `url`, a TLS certificate the client refused) is written to `console.error`, at most once
 *   a minute.
 *
 * @example
 * ```ts
 * const keys = remoteJwks({
 *   url: 'https://as.example.com/.well-known/jwks.json',
 *   onFetchError: (error) => console.warn('JWK set:', error.message),
 * });
 * ```
 */
export function remoteJwks(options: RemoteJwksOptions): RemoteJwks {
  requireOption(
    (options as { cooldown?: unknown })?.cooldown === undefined,
    'remoteJwks.cooldown',
    'was replaced by minFetchInterval and unknownKidFetchesPerMinute',
  );
  checkOptions(options, REMOTE_JWKS_OPTIONS, 'remoteJwks');
  const url = validateEndpointUrl(options.url, 'remoteJwks.url', options.allowInsecureHttp).href;
  return jwksFromEndpoint(options, {
    endpoint: () => url,
    label: `JWK set ${shownUrl(url)}`,
    url,
    cacheNamespace: cacheNamespaceOf('remoteJwks', { url }),
    option: 'remoteJwks',
  });
}

/** The options of a remote JWK set other than where it is: shared with sets found by discovery. */
export type JwksFetchOptions = Omit<RemoteJwksOptions, 'url'>;

/** The rules of {@link JwksFetchOptions}, for the schema of a source that finds its URL elsewhere. */
export const JWKS_FETCH_OPTIONS: OptionSchema<JwksFetchOptions> = (({ url: _url, ...rest }) => rest)(
  REMOTE_JWKS_OPTIONS,
);

/** Where a {@link jwksFromEndpoint} set lives, and how it is named. */
export interface JwksEndpoint {
  /** The `jwks_uri`, validated; may be found on first use (a rejection then counts as a failed fetch). */
  readonly endpoint: () => string | Promise<string>;
  /** Names the set in reports, e.g. `JWK set https://as.example.com/jwks`. */
  readonly label: string;
  /** The `jwks_uri` when it is known before the first fetch (not when it is discovered). */
  readonly url?: string | undefined;
  readonly cacheNamespace: RemoteJwks['cacheNamespace'];
  /** The factory's name, prefixing option names in configuration errors. */
  readonly option: string;
}

/**
 * A remote JWK set over options already checked against {@link JWKS_FETCH_OPTIONS}: what
 * {@link remoteJwks} and `issuerJwks` share.
 */
export function jwksFromEndpoint(options: JwksFetchOptions, where: JwksEndpoint): RemoteJwks {
  const { label } = where;
  const prefix = where.option;
  const defaults = REMOTE_JWKS_DEFAULTS;
  const cacheMaxAge = nonNegativeOption(options.cacheMaxAge, defaults.cacheMaxAge, `${prefix}.cacheMaxAge`);
  const policy = new RefetchPolicy(refetchSettings(options, prefix));
  const timeout = options.timeout ?? defaults.timeout;
  const maxResponseBytes = options.maxResponseBytes ?? defaults.maxResponseBytes;
  const http = options.httpClient ?? defaultHttpClient();

  let index: JwkIndex | undefined;
  let document: JwkSetDocument | undefined;
  /** When the set in use was had, on the request clock (see {@link ageAt}). */
  let fetchedAt = Number.NEGATIVE_INFINITY;
  /**
   * When the set in use was had outside any request (`hydrate()`, `preload()`), whose clock may be
   * another (a test clock at a fixed date): on the system clock and on the monotonic one, placed on the
   * request clock at the first use (see {@link elapsedSinceHad}).
   */
  let hadOutsideRequest: { readonly wall: number; readonly monotonic: number } | undefined;
  /**
   * The set in use was hydrated, not fetched, and no fetch has succeeded since: its age is unknown, and
   * it is due a refresh whatever the clock says.
   */
  let ageUnknown = false;
  let inflight: Promise<void> | undefined;
  let fetches = 0;
  let failures = 0;
  let lastFailure: { at: number; error: string } | undefined;

  // Not silent by default: a wrong URL would otherwise answer 503 to every request and log nothing.
  const onFetchError = options.onFetchError ?? jwkSetMisconfigurationReporter(where.option);

  function report(error: unknown): void {
    // A throwing hook, or an `async` one that rejects, must not turn into an unhandled rejection of a
    // background refresh.
    callUserHook(onFetchError, error instanceof Error ? error : new Error(String(error)));
  }

  /**
   * The time since a set was had outside any request: the longer of what the system clock and the
   * monotonic clock count. Either may count too little: the system clock once set back (an NTP step),
   * the monotonic one across a process or virtual machine restored from a snapshot. Too little would keep
   * keys the server withdrew trusted that much longer; too much only refreshes the set sooner.
   */
  function elapsedSinceHad(had: { readonly wall: number; readonly monotonic: number }): number {
    return Math.max(0, Date.now() - had.wall, performance.now() - had.monotonic);
  }

  /** The age of the set in use at `now` (negative: the clock reads a time before it was had). */
  function ageAt(now: number): number {
    if (hadOutsideRequest !== undefined) {
      fetchedAt = now - elapsedSinceHad(hadOutsideRequest);
      hadOutsideRequest = undefined;
    }
    return now - fetchedAt;
  }

  /**
   * Whether the set in use is due a refresh at `now`: `cacheMaxAge` old, the clock reads that long
   * before it was had, or it was hydrated and no fetch has confirmed it yet. A clock set back since (an
   * NTP step, a restored snapshot) leaves the set's age unknown; taken as negative, it would keep keys
   * the server withdrew trusted for as long as the jump. A reading a little before it (a request that
   * read the clock just before a refresh landed) is no such jump.
   */
  function isStale(now: number): boolean {
    return Math.abs(ageAt(now)) >= cacheMaxAge || ageUnknown;
  }

  /** Starts a fetch; `onSystemClock`: `now` is `Date.now()`, read outside any request. */
  function refresh(now: number, forUnknownKid: boolean, onSystemClock = false): Promise<void> {
    policy.fetchStarted(now, forUnknownKid);
    inflight = fetchKeySet(now, onSystemClock).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function fetchKeySet(now: number, onSystemClock: boolean): Promise<void> {
    fetches++;
    // Real time, added to the request's clock: when the fetch ended on that clock, for the back-off.
    const started = performance.now();
    try {
      const fetched = await download();
      index = fetched.index;
      document = fetched.document;
      fetchedAt = now;
      hadOutsideRequest = onSystemClock ? { wall: now, monotonic: started } : undefined;
      ageUnknown = false;
      policy.fetchSucceeded();
      reportLeftOut(fetched.index);
    } catch (error) {
      failures++;
      const failedAt = now + Math.round(performance.now() - started);
      lastFailure = { at: failedAt, error: describeError(error) };
      policy.fetchFailed(failedAt);
      lastError = error;
      report(error);
    }
  }

  // A key of the set in use that the checks let through and WebCrypto still refused, at its first token.
  function reportImportFailure(key: UnusableJwk): void {
    report(
      new JwkSetError(
        'ERR_RS_JWKS_KEYS_LEFT_OUT',
        `${label}: broken key left out: ${key.key}: ${key.reason}`,
        [key],
      ),
    );
  }

  function reportLeftOut(fetched: JwkIndex): void {
    if (fetched.unusable.length === 0) return;
    report(
      new JwkSetError(
        'ERR_RS_JWKS_KEYS_LEFT_OUT',
        `${label}: broken keys left out: ${listUnusable(fetched)}`,
        fetched.unusable,
      ),
    );
  }

  // Known once the endpoint is (a discovered `jwks_uri` only after the metadata was read).
  let endpointUrl: string | undefined;

  async function download(): Promise<{ index: JwkIndex; document: JwkSetDocument }> {
    const url = await where.endpoint();
    endpointUrl = url;
    const response = await sendWithinDeadline(http, {
      method: 'GET',
      url,
      // Every fetch is made to learn what the server publishes now: a rotated key, a withdrawn one. An HTTP
      // cache on the way (the runtime's fetch, a caching dispatcher or forward proxy) would otherwise answer
      // with the copy it holds for as long as the server's `max-age` allows, however old.
      headers: { accept: 'application/jwk-set+json, application/json', 'cache-control': 'no-cache' },
      timeoutMs: timeout,
      maxResponseBytes,
    });
    if (response.status !== 200) {
      throw new JwkSetError(
        'ERR_RS_JWKS_STATUS',
        `${label} answered HTTP ${response.status}`,
        [],
        response.status,
      );
    }
    const read = parseBoundedJsonDocument(response.body, MAX_DOCUMENT_DEPTH);
    if (!read.ok) {
      throw new JwkSetError(
        'ERR_RS_JWKS_MALFORMED',
        read.problem === 'not-utf8'
          ? `${label} is not UTF-8`
          : read.problem === 'invalid'
            ? `${label} is not JSON`
            : `${label} nests objects and arrays deeper than ${MAX_DOCUMENT_DEPTH} levels`,
      );
    }
    return indexJwkSet(read.value, label, reportImportFailure);
  }

  let lastError: unknown;

  return {
    symmetric: false,
    cacheNamespace: where.cacheNamespace,
    async preload(): Promise<void> {
      if (index !== undefined) return;
      if (inflight === undefined && policy.mayFetch(Date.now())) void refresh(Date.now(), false, true);
      if (inflight !== undefined) await inflight;
      if (index === undefined) {
        throw lastError instanceof Error ? lastError : new JwkSetError('ERR_RS_JWKS_STATUS', UNAVAILABLE);
      }
    },
    hydrate(jwks: unknown): void {
      const hydrated = indexJwkSet(structuredClone(jwks), 'hydrated JWK set', reportImportFailure);
      index = hydrated.index;
      document = hydrated.document;
      hadOutsideRequest = { wall: Date.now(), monotonic: performance.now() };
      ageUnknown = true;
      reportLeftOut(hydrated.index);
    },
    export: () => (document === undefined ? undefined : structuredClone(document)),
    keysAtHand(selector: KeySelector, now: number): Outcome<readonly CryptoKey[]> | undefined {
      // Only the common case, held keys answering: everything else (a fetch to start or wait for) is
      // keysFor's.
      if (index === undefined) return undefined;
      const keys = index.readyKeysFor(selector);
      if (keys === undefined || (keys.length === 0 && !index.hasKeyFor(selector))) return undefined;
      if (isStale(now) && inflight === undefined && policy.mayFetch(now)) void refresh(now, false);
      return success(keys);
    },
    async keysFor(selector: KeySelector, now: number): Promise<Outcome<readonly CryptoKey[]>> {
      const stale = isStale(now);
      if (index?.hasKeyFor(selector)) {
        // Stale-while-revalidate: the held keys answer now, the refresh runs on its own.
        if (stale && inflight === undefined && policy.mayFetch(now)) void refresh(now, false);
        return success(await index.keysFor(selector));
      }
      // No held key can answer: nothing fetched yet, a stale set, a rotated key, or a made-up `kid`.
      if (inflight === undefined) {
        if (index === undefined || stale) {
          if (policy.mayFetch(now)) void refresh(now, false);
        } else if (policy.mayFetchForUnknownKid(now)) {
          void refresh(now, true);
        }
      }
      if (inflight !== undefined) await inflight;
      const held = index as JwkIndex | undefined;
      if (held?.hasKeyFor(selector)) return success(await held.keysFor(selector));
      // Whether the `kid` is unknown to the issuer or the set could not be had decides who is at fault.
      if (held === undefined || policy.lastFetchFailed) return refusal('keys_unavailable', UNAVAILABLE);
      return success([]);
    },
    stats: () => ({ fetches, failures, keys: index?.size ?? 0 }),
    health(now) {
      const held = index !== undefined;
      // A set had outside any request keeps its own times until a request places it: status() only
      // reads them.
      const lastFetchAt =
        hadOutsideRequest === undefined ? fetchedAt : now - elapsedSinceHad(hadOutsideRequest);
      // As messages show it: a query may hold an API key, and status() feeds health endpoints.
      const shownEndpoint = endpointUrl ?? where.url;
      const health: JwkSetHealth = {
        kind: 'jwk-set',
        ready: held,
        url: shownEndpoint === undefined ? label : shownUrl(shownEndpoint),
        keys: index?.size ?? 0,
        fetches,
        failures,
        ...(held && { lastFetchAt, ageMs: Math.max(0, now - lastFetchAt) }),
        ...(lastFailure && { lastFailureAt: lastFailure.at, lastError: lastFailure.error }),
      };
      return [health];
    },
  };
}

function refetchSettings(options: JwksFetchOptions, prefix: string): RefetchSettings {
  const defaults = REMOTE_JWKS_DEFAULTS;
  const unknownKidFetchesPerMinute = nonNegativeOption(
    options.unknownKidFetchesPerMinute,
    defaults.unknownKidFetchesPerMinute,
    `${prefix}.unknownKidFetchesPerMinute`,
  );
  requireOption(
    Number.isInteger(unknownKidFetchesPerMinute),
    `${prefix}.unknownKidFetchesPerMinute`,
    'must be a whole number',
  );
  const retryDelay = options.retryDelay ?? defaults.retryDelay;
  const maxRetryDelay = options.maxRetryDelay ?? defaults.maxRetryDelay;
  requireOption(maxRetryDelay >= retryDelay, `${prefix}.maxRetryDelay`, 'must not be below retryDelay');
  const minFetchInterval = nonNegativeOption(
    options.minFetchInterval,
    defaults.minFetchInterval,
    `${prefix}.minFetchInterval`,
  );
  return { minFetchInterval, unknownKidFetchesPerMinute, retryDelay, maxRetryDelay };
}
