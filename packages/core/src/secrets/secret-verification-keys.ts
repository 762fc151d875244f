import type { JWK } from 'jose';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { success } from '../errors/failure.js';
import { JwkIndex } from '../keys/jwk-index.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';

/**
 * The verification keys of one secret, active first. Each key gets its own {@link JwkIndex}, so filtering
 * and import per algorithm stay in one place. The `kid` rule is the one of `staticDecryptionKeys`: a
 * token's `kid` picks the keys carrying it, else the keys that carry none (a key from a PEM file or a
 * keystore has no `kid`: the secret ID, not the token, chose it); a token without `kid` tries every key.
 *
 * The keys are those `verificationJwk` let through, which runs the check each index runs: a key its index
 * still leaves out is an error here (a `TypeError`, naming the key by position and saying why), never a key
 * kept to answer every token 401 `unknown_key`.
 */
export function secretVerificationKeys(jwks: readonly JWK[]): VerificationKeySource {
  const entries = jwks.map((jwk, position) => {
    const index = new JwkIndex({ keys: [jwk] }, { allowSymmetric: true });
    if (index.size === 0) {
      const reason = index.unusable[0]?.reason ?? 'it cannot verify signatures';
      throw new TypeError(`secretVerificationKeys: key #${position} is not a verification key: ${reason}`);
    }
    return { kid: jwk.kid, index };
  });
  return {
    symmetric: entries.some((entry) => entry.index.hasSymmetricKeys),
    algorithmsServed: new Set(entries.flatMap((entry) => [...entry.index.algorithmsServed()])),
    cacheNamespace: cacheNamespaceOf('secretVerificationKeys', jwks),
    async keysFor(selector) {
      const { kid, alg } = selector;
      const named = kid === undefined ? [] : entries.filter((entry) => entry.kid === kid);
      const candidates =
        named.length > 0 ? named : entries.filter((entry) => kid === undefined || entry.kid === undefined);
      const keys: CryptoKey[] = [];
      for (const entry of candidates) keys.push(...(await entry.index.keysFor({ alg, kid: entry.kid })));
      return success(keys);
    },
  };
}
