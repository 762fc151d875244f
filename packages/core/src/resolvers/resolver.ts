import type { CacheIdentity } from '../crypto/cache-namespace.js';
import type { Outcome } from '../errors/failure.js';
import type { HealthReporter } from '../observability/dependency-health.js';
import type { RequestTrace } from '../observability/request-trace.js';
import type { RsRequest } from '../request.js';
import type { RevocationList } from '../revocation/revocation-list.js';
import type { TokenInfo } from '../token-info.js';

/** What a resolver may use besides the token. */
export interface ResolveContext {
  /** The request being decided (for resolvers that route on it). */
  readonly request: RsRequest;
  /** The current time, milliseconds since the epoch, from the resource server's clock. */
  readonly now: number;
  /**
   * Where cache lookups and introspection calls are told, when the resource server records telemetry
   * or audit events; absent otherwise. Resolvers that wrap others pass the context on unchanged.
   */
  readonly trace?: RequestTrace | undefined;
  /**
   * Set by the resource server when it already matched the token against the compact JWS alphabet
   * (three base64url segments, see `COMPACT_JWS_ALPHABET`) while extracting it, so that a JWT resolver
   * skips that scan. Leave it unset for a token from anywhere else.
   */
  readonly jwsAlphabetChecked?: boolean | undefined;
}

/**
 * Turns an access token into {@link TokenInfo}, or says why it cannot. Resolvers compose: a cache, a
 * router or a fallback is a resolver that wraps others.
 *
 * A resolver returns failures as values; it throws only for bugs. It must never put the token in a
 * failure description. Its `cacheNamespace` (see {@link CacheIdentity}) keeps a shared token cache from
 * serving its answers to another resolver: every resolver of @rs has one; give yours one too.
 * It checks the token's validity period (`exp`, `nbf`, `iat`) with the skew it allows; the resource
 * server refuses, whatever the resolver says, a token outside the widest skew @rs allows (300 s).
 * Its optional `health(now)` reports the dependencies it calls (see {@link ResourceServer.status});
 * resolvers that wrap others report theirs too.
 */
export interface AccessTokenResolver extends CacheIdentity, HealthReporter {
  /** Checks `token` and answers what it found, or why it refuses it (a failure, never a throw). */
  resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>>;
  /**
   * Optional: the answer for a token this resolver verified and remembered, character for character,
   * given synchronously, or `undefined` when only {@link resolve} can answer. The resource server asks
   * it first for a plain `Bearer` token, before checking the token's grammar (a remembered token passed
   * that check when it was first verified), and calls {@link resolve} when it gets no answer. It must
   * give the answer {@link resolve} would give. A JWT resolver with a verified-token cache has it.
   */
  recall?(token: string, context: ResolveContext): Outcome<TokenInfo> | undefined;
  /**
   * Optional: the revocation lists this resolver (or one it wraps) checks its answers against. A cache
   * wrapping it (`tokenCache`) attaches to each, so that a revocation also drops the answers the cache
   * holds, which would otherwise be served without the check until they expire.
   */
  readonly revocationLists?: readonly RevocationList[] | undefined;
  /**
   * Optional: the spellings of each issuer this resolver (or one it wraps) accepts as one, a list per
   * issuer (an `introspectionResolver` given `issuer: [a, b]` states `[[a, b]]`). A cache wrapping it
   * (`tokenCache`) lets a revocation naming one spelling reach the answers it holds stating another, and
   * only that cache: another resource server's resolver, in the same process, is told nothing of them.
   */
  readonly issuerSpellings?: readonly (readonly string[])[] | undefined;
}
