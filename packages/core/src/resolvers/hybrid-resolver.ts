import { requireOption } from '../config/config-error.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import type { AccessTokenResolver } from './resolver.js';
import { tokenShape } from './token-shape.js';

/** Options of {@link hybridResolver}. */
export interface HybridResolverOptions {
  /** Resolves JWT-shaped tokens (JWS, and JWE when it can decrypt), locally. */
  readonly jwt: AccessTokenResolver;
  /** Resolves every other token, usually by introspection. */
  readonly opaque: AccessTokenResolver;
}

/**
 * Sends JWT-shaped tokens to a local resolver and opaque ones to another (usually introspection), for
 * authorization servers that issue both kinds.
 *
 * @example
 * ```ts
 * const resolver = hybridResolver({ jwt: jwtResolver({ … }), opaque: introspectionResolver({ … }) });
 * ```
 */
export function hybridResolver(options: HybridResolverOptions): AccessTokenResolver {
  requireOption(typeof options?.jwt?.resolve === 'function', 'hybrid.jwt', 'must be a token resolver');
  requireOption(typeof options?.opaque?.resolve === 'function', 'hybrid.opaque', 'must be a token resolver');
  const { jwt, opaque } = options;
  return {
    cacheNamespace: cacheNamespaceOf('hybrid', { jwt, opaque }),
    resolve: (token, context) => (tokenShape(token) === 'opaque' ? opaque : jwt).resolve(token, context),
  };
}
