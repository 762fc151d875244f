import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** A Node key as a JWK, or `undefined` for key types JWK cannot express (DSA, RSA-PSS-only, X448, …). */
export function keyObjectJwk(key: KeyObject): JWK | undefined {
  try {
    return key.export({ format: 'jwk' }) as JWK;
  } catch {
    return undefined;
  }
}
