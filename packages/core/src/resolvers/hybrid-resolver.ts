import { requireOption } from '../config/config-error.js';
import { checkOptions, type OptionSchema, objectWith } from '../config/option-schema.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { collectHealth } from '../observability/dependency-health.js';
import { distinctRevocationLists } from '../revocation/distinct-revocation-lists.js';
import { issuerSpellingGroups } from '../revocation/issuer-spellings.js';
import { JWT_RESOLVER_KIND } from './jwt-cache-namespace.js';
import type { AccessTokenResolver } from './resolver.js';
import { tokenShape } from './token-shape.js';

/** Options of {@link hybridResolver}. */
export interface HybridResolverOptions {
  /** Resolves JWT-shaped tokens (JWS, and JWE when it can decrypt), locally. */
  readonly jwt: AccessTokenResolver;
  /** Resolves every other token, usually by introspection. */
  readonly opaque: AccessTokenResolver;
}

const tokenResolver = objectWith('a token resolver', 'resolve');
const HYBRID_RESOLVER_OPTIONS: OptionSchema<HybridResolverOptions> = {
  jwt: tokenResolver,
  opaque: tokenResolver,
};

/**
 * Sends JWT-shaped tokens to a local resolver and opaque ones to another (usually introspection), for
 * authorization servers that issue both kinds. The shape is read from the header alone: a JWT of any
 * length goes to `jwt`, whose `maxTokenLength` decides whether it is too large.
 *
 * @example
 * ```ts
 * const resolver = hybridResolver({ jwt: jwtResolver({ … }), opaque: introspectionResolver({ … }) });
 * ```
 */
export function hybridResolver(options: HybridResolverOptions): AccessTokenResolver {
  checkOptions(options, HYBRID_RESOLVER_OPTIONS, 'hybridResolver');
  requireOption(typeof options.jwt?.resolve === 'function', 'hybridResolver.jwt', 'must be a token resolver');
  requireOption(
    typeof options.opaque?.resolve === 'function',
    'hybridResolver.opaque',
    'must be a token resolver',
  );
  const { jwt, opaque } = options;
  // Only tokens that are not JWTs reach `opaque`: a JWT resolver there refuses every one of them, with
  // the same answer as for a forged token. The options swapped build as well as right ones otherwise.
  const opaqueNamespace = opaque.cacheNamespace;
  requireOption(
    typeof opaqueNamespace !== 'object' || opaqueNamespace.kind !== JWT_RESOLVER_KIND,
    'hybridResolver.opaque',
    'is a jwtResolver, which would refuse every opaque token: give it the resolver for opaque tokens ' +
      '(introspectionResolver(…)) and the jwtResolver as hybridResolver.jwt',
  );
  return {
    cacheNamespace: cacheNamespaceOf('hybrid', { jwt, opaque }),
    resolve: (token, context) => (tokenShape(token) === 'opaque' ? opaque : jwt).resolve(token, context),
    health: (now) => collectHealth(now, [jwt, opaque]),
    revocationLists: distinctRevocationLists(jwt.revocationLists, opaque.revocationLists),
    issuerSpellings: issuerSpellingGroups(jwt.issuerSpellings, opaque.issuerSpellings),
  };
}
