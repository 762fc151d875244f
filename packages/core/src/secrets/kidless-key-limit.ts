import type { JWK } from 'jose';
import { RsConfigError } from '../config/config-error.js';
import { JwkIndex } from '../keys/jwk-index.js';
import { MAX_KEYS_TRIED } from '../keys/verification-key-source.js';
import { secretIdInMessage } from './shown-in-messages.js';

/** A key that can serve the purpose, with where it came from. */
export interface UsableKey {
  readonly jwk: JWK;
  readonly origin: string;
}

/**
 * Refuses a secret whose verification keys without `kid` are more than a token is checked against for
 * one algorithm ({@link MAX_KEYS_TRIED}, the first ones listed): the keys past them could never verify a
 * token, whatever its `kid` (keys without `kid` serve tokens naming none of the secret's kids), so a
 * keystore mapping four aliases for a rotation would refuse, in silence, every token of the oldest key.
 * Keys from keystores, environment variables and directories never carry a `kid`.
 */
export function refuseUnreachableKidlessKeys(
  keys: readonly UsableKey[],
  secretId: string,
  storeName: string,
  option: string,
): void {
  const byAlgorithm = new Map<string, string[]>();
  for (const { jwk, origin } of keys) {
    if (jwk.kid !== undefined) continue;
    const algorithms = new JwkIndex({ keys: [jwk] }, { allowSymmetric: true }).algorithmsServed();
    for (const alg of algorithms) byAlgorithm.set(alg, [...(byAlgorithm.get(alg) ?? []), origin]);
  }
  for (const [alg, origins] of byAlgorithm) {
    if (origins.length <= MAX_KEYS_TRIED) continue;
    throw new RsConfigError(
      option,
      `secret ${secretIdInMessage(secretId)} (from ${storeName}) has ${origins.length} keys without "kid" that verify ${alg}, but a token is checked against at most ${MAX_KEYS_TRIED} of them (the first listed), so ${origins.slice(MAX_KEYS_TRIED).join(', ')} would never verify one. Keep at most ${MAX_KEYS_TRIED} (the active key, the next and the previous), or give the keys a "kid"`,
    );
  }
}
