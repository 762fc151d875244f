import type { JSONWebKeySet } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { success } from '../errors/failure.js';
import { JwkIndex } from './jwk-index.js';
import type { VerificationKeySource } from './verification-key-source.js';

/**
 * Verification keys from a JWK set given in configuration (public keys, or `oct` shared secrets).
 *
 * @example
 * ```ts
 * const keys = staticJwks({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: '…', y: '…' }] });
 * ```
 */
export function staticJwks(jwks: JSONWebKeySet): VerificationKeySource {
  let index: JwkIndex;
  try {
    index = new JwkIndex(jwks, { allowSymmetric: true });
  } catch (error) {
    // The JwkSetError as `cause`: its code (`ERR_RS_JWKS_AMBIGUOUS`, …) says which check refused the set.
    throw new RsConfigError('staticJwks', (error as Error).message, { cause: error });
  }
  // A key in configuration that cannot be used is a mistake to report now, not a key to skip quietly.
  const [broken] = index.unusable;
  if (broken !== undefined) throw new RsConfigError('staticJwks', `key ${broken.key}: ${broken.reason}`);
  requireOption(index.size > 0, 'staticJwks', 'the JWK set holds no key usable for signature verification');
  return {
    symmetric: index.hasSymmetricKeys,
    algorithmsServed: index.algorithmsServed(),
    cacheNamespace: cacheNamespaceOf('staticJwks', jwks),
    keysFor: async (selector) => success(await index.keysFor(selector)),
    keysAtHand(selector) {
      const keys = index.readyKeysFor(selector);
      return keys === undefined ? undefined : success(keys);
    },
  };
}
