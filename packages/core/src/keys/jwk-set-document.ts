import { JwkIndex } from './jwk-index.js';
import { JwkSetError, type UnusableJwk } from './jwk-set-error.js';

/** A JWK set document as published at a `jwks_uri` (RFC 7517 §5). */
export interface JwkSetDocument {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Indexes a received set. A set without one usable key is a broken publication, not a rotation: it never
 * replaces the last good keys. `onImportFailure` hears of a key that passed the checks and still could
 * not be imported, when a token first needs it.
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
    throw new JwkSetError('ERR_RS_JWKS_MALFORMED', `${label}: ${(error as Error).message}`);
  }
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

export function listUnusable(index: JwkIndex): string {
  return index.unusable.map(({ key, reason }) => `${key}: ${reason}`).join('; ');
}
