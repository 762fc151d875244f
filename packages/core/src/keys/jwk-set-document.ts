import { isObject } from '../encoding/json-object.js';
import { JwkIndex } from './jwk-index.js';
import { JwkSetError, type UnusableJwk } from './jwk-set-error.js';

/** A JWK set document as published at a `jwks_uri` (RFC 7517 §5). */
export interface JwkSetDocument {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Indexes a received set. A set without one usable key is a broken publication, not a rotation: it never
 * replaces the last good keys. Neither does an ambiguous one (`ERR_RS_JWKS_AMBIGUOUS`): two keys under one
 * `kid` that fit one algorithm, or shared secrets (`oct`) beside public keys. A fetched set never verifies
 * with a secret, but a secret published beside the keys is a set that is not the issuer's public keys
 * alone (a mistake at the authorization server, or a secret leaked to anyone who fetches the set): it is
 * refused whole, as a configured set mixing the two is, not used with the secret left out.
 * `onImportFailure` hears of a key that passed the checks and still could not be imported, when a token
 * first needs it. Throws a {@link JwkSetError} whose `code` says which.
 */
export function indexJwkSet(
  received: unknown,
  label: string,
  onImportFailure?: (key: UnusableJwk) => void,
): { index: JwkIndex; document: JwkSetDocument } {
  let index: JwkIndex;
  try {
    index = new JwkIndex(received, { allowSymmetric: false, onImportFailure });
  } catch (error) {
    // The index's own verdict keeps its code (`ERR_RS_JWKS_AMBIGUOUS` is not a malformed set).
    const code = error instanceof JwkSetError ? error.code : 'ERR_RS_JWKS_MALFORMED';
    throw new JwkSetError(code, `${label}: ${(error as Error).message}`);
  }
  // The index leaves a secret out of a fetched set as a broken key: seen beside public keys, it is the
  // mix the index refuses in configuration.
  if (index.size > 0 && (received as JwkSetDocument).keys.some(isSharedSecret))
    throw new JwkSetError(
      'ERR_RS_JWKS_AMBIGUOUS',
      `${label}: a JWK set must not mix shared secrets ("oct") with public keys`,
    );
  if (index.size === 0) {
    const broken = index.unusable.length > 0 ? ` (${listUnusable(index)})` : '';
    throw new JwkSetError(
      'ERR_RS_JWKS_NO_USABLE_KEY',
      `${label} holds no usable verification key${broken}`,
      index.unusable,
    );
  }
  return { index, document: received as JwkSetDocument };
}

function isSharedSecret(candidate: unknown): boolean {
  return isObject(candidate) && candidate.kty === 'oct';
}

export function listUnusable(index: JwkIndex): string {
  return index.unusable.map(({ key, reason }) => `${key}: ${reason}`).join('; ');
}
