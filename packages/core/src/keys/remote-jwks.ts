import { cacheNamespaceOf } from '../cache/cache-namespace.js';
import { nonNegativeOption, positiveOption } from '../config/option-values.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { validateEndpointUrl } from '../http/endpoint-url.js';
import { fetchHttpClient } from '../http/fetch-http-client.js';
import type { HttpClient } from '../http/http-client.js';
import { JwkIndex } from './jwk-index.js';
import type { KeySelector, VerificationKeySource } from './verification-key-source.js';

/** Options of {@link remoteJwks}. Durations are in milliseconds. */
export interface RemoteJwksOptions {
  /** The authorization server's `jwks_uri`. HTTPS, or HTTP on a loopback host. Never taken from a token. */
  readonly url: string | URL;
  /** How long a fetched key set is used before it is fetched again. Default 10 minutes. */
  readonly cacheMaxAge?: number;
  /**
   * The least time between two fetches caused by an unknown `kid` or by a failed fetch, so that a flood
   * of tokens with random `kid`s costs at most one fetch per cooldown. Default 30 seconds.
   */
  readonly cooldown?: number;
  /** Fetch timeout. Default 5 seconds. */
  readonly timeout?: number;
  /** Largest accepted key-set document. Default 256 KiB. */
  readonly maxResponseBytes?: number;
  /** Allow plain `http:` to a non-loopback host. Default `false`. */
  readonly allowInsecureHttp?: boolean;
  /** The HTTP client. Default: the runtime's `fetch`. `@rs/core/node` offers a pooled undici client. */
  readonly httpClient?: HttpClient;
  /** Told of every failed fetch (the last good keys stay in use). */
  readonly onFetchError?: (error: Error) => void;
}

/** Counters of a {@link RemoteJwks}, for metrics. */
export interface RemoteJwksStats {
  readonly fetches: number;
  readonly failures: number;
  /** Keys in the current set. */
  readonly keys: number;
}

/** A remote JWK set: a {@link VerificationKeySource} with counters. */
export interface RemoteJwks extends VerificationKeySource {
  stats(): RemoteJwksStats;
}

/**
 * Verification keys fetched from the authorization server's JWK set URL, cached for `cacheMaxAge`.
 *
 * - An unknown `kid` triggers one refetch, at most once per `cooldown`.
 * - Concurrent fetches are coalesced into one.
 * - When a fetch fails, the last good key set stays in use; with none, tokens are refused
 *   (`keys_unavailable`), never accepted.
 *
 * @example
 * ```ts
 * const keys = remoteJwks({ url: 'https://as.example.com/.well-known/jwks.json' });
 * ```
 */
export function remoteJwks(options: RemoteJwksOptions): RemoteJwks {
  const url = validateEndpointUrl(options.url, 'remoteJwks.url', options.allowInsecureHttp).href;
  const cacheMaxAge = nonNegativeOption(options.cacheMaxAge, 600_000, 'remoteJwks.cacheMaxAge');
  const cooldown = nonNegativeOption(options.cooldown, 30_000, 'remoteJwks.cooldown');
  const timeout = positiveOption(options.timeout, 5_000, 'remoteJwks.timeout');
  const maxResponseBytes = positiveOption(
    options.maxResponseBytes,
    256 * 1024,
    'remoteJwks.maxResponseBytes',
  );
  const http = options.httpClient ?? fetchHttpClient();

  let index: JwkIndex | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let lastAttemptFailed = false;
  let inflight: Promise<void> | undefined;
  let fetches = 0;
  let failures = 0;

  function refresh(now: number): Promise<void> {
    inflight ??= fetchKeySet(now).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function fetchKeySet(now: number): Promise<void> {
    attemptedAt = now;
    fetches++;
    try {
      const response = await http.send({
        method: 'GET',
        url,
        headers: { accept: 'application/jwk-set+json, application/json' },
        timeoutMs: timeout,
        maxResponseBytes,
      });
      if (response.status !== 200) throw new Error(`JWK set ${url} answered HTTP ${response.status}`);
      let document: unknown;
      try {
        document = JSON.parse(new TextDecoder().decode(response.body));
      } catch {
        throw new Error(`JWK set ${url} is not JSON`);
      }
      const fetched = new JwkIndex(document, { allowSymmetric: false });
      // A set without one usable key is a broken publication, not a rotation: keep the last good keys.
      if (fetched.size === 0) throw new Error(`JWK set ${url} holds no usable verification key`);
      index = fetched;
      fetchedAt = now;
      lastAttemptFailed = false;
    } catch (error) {
      failures++;
      lastAttemptFailed = true;
      options.onFetchError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function mayFetch(now: number): boolean {
    return now - attemptedAt >= cooldown;
  }

  return {
    symmetric: false,
    cacheNamespace: cacheNamespaceOf('remoteJwks', { url }),
    async keysFor(selector: KeySelector, now: number): Promise<Outcome<readonly CryptoKey[]>> {
      const fresh = index !== undefined && now - fetchedAt < cacheMaxAge;
      const known = fresh && (selector.kid === undefined || index!.hasKid(selector.kid));
      // Requests the current keys can answer never wait for a fetch, even one already under way.
      if (!known) {
        if (inflight !== undefined) await inflight;
        else if (!fresh && (!lastAttemptFailed || mayFetch(now))) {
          // A failed attempt waits out the cooldown, so an unreachable server is not hammered per request.
          await refresh(now);
        }
      }
      if (index === undefined) return refusal('keys_unavailable', 'The issuer signing keys are unavailable');
      if (selector.kid !== undefined && !index.hasKid(selector.kid) && mayFetch(now)) {
        await refresh(now);
      }
      return success(await index.keysFor(selector));
    },
    stats: () => ({ fetches, failures, keys: index?.size ?? 0 }),
  };
}
