import { RsConfigError } from '../config/config-error.js';
import { checkOptions, type OptionSchema } from '../config/option-schema.js';
import { validateIssuerUrl } from '../http/endpoint-url.js';
import { encryptedJwtReader } from '../jose/encrypted-jwt-reader.js';
import { JWE_DECRYPTION_OPTIONS, jweDecryptor } from '../jose/jwe-decryptor.js';
import { buildJwtResolver, type JwtResolverFeatures } from './build-jwt-resolver.js';
import { issuerJwks } from './issuer-jwks.js';
import { jwtCacheNamespace } from './jwt-cache-namespace.js';
import { JWT_VERIFICATION_OPTIONS, type JwtResolverOptions } from './jwt-resolver-options.js';
import { rememberedTokens } from './remembered-tokens.js';
import type { AccessTokenResolver } from './resolver.js';
import { RESOLVER_KEY_OPTIONS, resolverKeySources } from './resolver-key-sources.js';

export type { JwtResolverOptions } from './jwt-resolver-options.js';

const JWT_RESOLVER_OPTIONS: OptionSchema<JwtResolverOptions> = {
  ...JWT_VERIFICATION_OPTIONS,
  ...RESOLVER_KEY_OPTIONS,
  ...JWE_DECRYPTION_OPTIONS,
};

/** Every optional part: what `@rs/core`'s JWT resolver runs. */
const EVERY_FEATURE: JwtResolverFeatures = {
  decryption: { decryptor: jweDecryptor, reader: encryptedJwtReader },
  keyDiscovery: withDiscoveredKeys,
  keySources: resolverKeySources,
  cacheNamespace: jwtCacheNamespace,
  verifiedTokens: rememberedTokens,
};

/**
 * Validates JWT access tokens locally: signed (JWS), encrypted (JWE) or both (a signed JWT inside a JWE),
 * then issuer, audience, validity period and the optional profile. Any failure is `invalid_token` with a
 * description of what failed. Whatever the profile, a JWT that says it is another kind of token is
 * refused (`token_type_invalid`): by its header `typ` (`logout+jwt`, `dpop+jwt`, any `…+jwt` but
 * `at+jwt`, any `…+sd-jwt`), by a claim naming a refresh or ID token (`token_type`, Keycloak's `typ`,
 * `tokenName`, `token_use`), or by an `events` object (a logout token or another security event token).
 *
 * Without a key source, the keys are discovered from the one issuer's metadata (`jwks_uri`); until the
 * metadata and the set are had, requests are answered 503 `keys_unavailable`, and metadata or a set
 * that cannot be used (no metadata under the issuer, or naming it otherwise) is written to
 * `console.error` at most once a minute. Give `keys: issuerJwks({ issuer, … })` to tune that set, preload
 * it, or report its failures with `onFetchError` instead.
 *
 * @example
 * ```ts
 * const resolver = jwtResolver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
 *   profile: 'rfc9068',
 * });
 * // Keys from the issuer's metadata:
 * const discovering = jwtResolver({ issuer: 'https://as.example.com', audience: 'https://api.example.com' });
 * ```
 */
export function jwtResolver(options: JwtResolverOptions): AccessTokenResolver {
  checkOptions(options, JWT_RESOLVER_OPTIONS, 'jwtResolver');
  return buildJwtResolver(options, EVERY_FEATURE);
}

/** The options as given, or with the keys of the issuer's metadata when no key source is given. */
function withDiscoveredKeys(options: JwtResolverOptions, issuers: ReadonlySet<string>): JwtResolverOptions {
  const { keys, decryption, secrets, verificationSecretId, decryptionSecretId } = options;
  const anySource = [keys, decryption, secrets, verificationSecretId, decryptionSecretId].some(
    (source) => source !== undefined,
  );
  if (anySource) return options;
  if (issuers.size !== 1) {
    throw new RsConfigError(
      'jwtResolver.keys',
      'is required with several issuers (keys are discovered for one issuer only): give keys, or one ' +
        'jwtResolver per issuer under issuerRouter',
    );
  }
  const issuer = [...issuers][0]!;
  // Checked here first, so that an issuer discovery cannot use is refused under the option written.
  validateIssuerUrl(issuer, 'jwtResolver.issuer');
  return { ...options, keys: issuerJwks({ issuer }) };
}
