import { isObject } from '../encoding/json-object.js';
import { PRIVATE_MEMBERS } from '../encoding/jwk-members.js';
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
 * first needs it. Throws a {@link JwkSetError} whose `code` says which. The `document` returned is the set
 * less any key carrying private or secret material ({@link publicKeysOf}).
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
  return { index, document: publicKeysOf(received as JwkSetDocument) };
}

/**
 * The set as received, less every key that carries private or secret material (a private key published
 * by mistake, left out of the index already): the document is handed to the application
 * (`RemoteJwks.export`, written to a file to bundle with a function), which must never get the issuer's
 * private key from us. The key is dropped whole rather than stripped to its public part, which would make
 * a compromised key usable once the document is hydrated.
 */
function publicKeysOf(set: JwkSetDocument): JwkSetDocument {
  const keys = set.keys.filter((key) => !carriesKeyMaterialToKeepSecret(key));
  return keys.length === set.keys.length ? set : { ...set, keys };
}

function carriesKeyMaterialToKeepSecret(key: unknown): boolean {
  return isObject(key) && (key.kty === 'oct' || PRIVATE_MEMBERS.some((member) => Object.hasOwn(key, member)));
}

function isSharedSecret(candidate: unknown): boolean {
  return isObject(candidate) && candidate.kty === 'oct';
}

export function listUnusable(index: JwkIndex): string {
  return index.unusable.map(({ key, reason }) => `${key}: ${reason}`).join('; ');
}
