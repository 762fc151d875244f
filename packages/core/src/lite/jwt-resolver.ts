import { RsConfigError } from '../config/config-error.js';
import { notInLite } from '../config/lite-refusal.js';
import { checkOptions, type OptionSchema } from '../config/option-schema.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';
import { buildJwtResolver } from '../resolvers/build-jwt-resolver.js';
import {
  JWT_VERIFICATION_OPTIONS,
  type JwtResolverOptions,
  type JwtVerificationOptions,
} from '../resolvers/jwt-resolver-options.js';
import type { AccessTokenResolver } from '../resolvers/resolver.js';
import { RESOLVER_KEY_OPTIONS } from '../resolvers/resolver-key-sources.js';

/**
 * Options of the lite `jwtResolver`: those of `@rs/core`'s for signed tokens, with `keys` required.
 * Encrypted tokens (`decryption`, `decryptionSecretId` and the JWE algorithm options), secrets providers
 * (`secrets`, `verificationSecretId`), issuer discovery (no `keys`) and `verifiedTokenCache` are left out.
 */
export interface LiteJwtResolverOptions extends Omit<JwtVerificationOptions, 'verifiedTokenCache'> {
  /** The verification keys: `remoteJwks({ url })`, `staticJwks({ keys })`, `sharedSecret(…)`, or several. */
  readonly keys: VerificationKeySource | readonly VerificationKeySource[];
}

const LITE_JWT_RESOLVER_OPTIONS: OptionSchema<JwtResolverOptions> = {
  ...JWT_VERIFICATION_OPTIONS,
  keys: RESOLVER_KEY_OPTIONS.keys,
  verifiedTokenCache: notInLite,
  secrets: notInLite,
  verificationSecretId: notInLite,
  decryption: notInLite,
  decryptionSecretId: notInLite,
  keyManagementAlgorithms: notInLite,
  contentEncryptionAlgorithms: notInLite,
  maxDecompressedBytes: notInLite,
};

const NO_FEATURES = {};

/**
 * Validates signed JWT access tokens locally, exactly as `@rs/core`'s `jwtResolver` does, without its
 * code for encrypted tokens, secrets providers and issuer discovery: a JWE (five-part token) is refused
 * `invalid_token`. Every signature is checked (no `verifiedTokenCache`), and the resolver has no
 * `cacheNamespace`, so `tokenCache` does not take it.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core/lite';
 *
 * const resolver = jwtResolver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
 * });
 * ```
 */
export function jwtResolver(options: LiteJwtResolverOptions): AccessTokenResolver {
  checkOptions(options, LITE_JWT_RESOLVER_OPTIONS, 'jwtResolver');
  if (options.keys === undefined) {
    throw new RsConfigError(
      'jwtResolver.keys',
      'is required in the lite entry, which does not discover keys from the issuer; give keys, or ' +
        'import jwtResolver from @rs/core to discover them',
    );
  }
  return buildJwtResolver(options, NO_FEATURES);
}
