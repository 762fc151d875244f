import { type CacheNamespace, cacheNamespaceOf } from '../crypto/cache-namespace.js';
import type { JwtResolverOptions } from './jwt-resolver-options.js';
import type { ResolverKeySources } from './resolver-key-sources.js';

/** The kind of a JWT resolver's namespace: how resolvers that combine others recognize one. */
export const JWT_RESOLVER_KIND = 'jwt';

/**
 * Every option that can change an answer, with the keys as their sources' namespaces (a secret ID names
 * keys that differ between deployments; the keys it resolved to do not).
 */
export function jwtCacheNamespace(
  options: JwtResolverOptions,
  keys: ResolverKeySources,
): CacheNamespace | undefined {
  const {
    keys: _keys,
    decryption: _decryption,
    secrets: _secrets,
    verificationSecretId: _verificationSecretId,
    decryptionSecretId: _decryptionSecretId,
    // How signatures are computed and whether verified tokens are remembered change no answer.
    signatureVerifier: _signatureVerifier,
    verifiedTokenCache: _verifiedTokenCache,
    // Revocations refuse tokens at every request, cached or not: they are not part of a cached answer.
    revocations: _revocations,
    ...settings
  } = options;
  return cacheNamespaceOf(JWT_RESOLVER_KIND, {
    settings,
    verification: keys.verification?.sources,
    decryption: keys.decryption?.sources,
  });
}
