import type { CacheIdentity } from '../crypto/cache-namespace.js';
import type { Outcome } from '../errors/failure.js';
import type { HealthReporter } from '../observability/dependency-health.js';
import type { RequestTrace } from '../observability/request-trace.js';
import type { RsRequest } from '../request.js';
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
}

/**
 * Turns an access token into {@link TokenInfo}, or says why it cannot. Resolvers compose: a cache, a
 * router or a fallback is a resolver that wraps others.
 *
 * A resolver returns failures as values; it throws only for bugs. It must never put the token in a
 * failure description. Its `cacheNamespace` (see {@link CacheIdentity}) keeps a shared token cache from
 * serving its answers to another resolver: every resolver of @rs has one; give yours one too.
 * Its optional `health(now)` reports the dependencies it calls (see {@link ResourceServer.status});
 * resolvers that wrap others report theirs too.
 */
export interface AccessTokenResolver extends CacheIdentity, HealthReporter {
  resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>>;
}
