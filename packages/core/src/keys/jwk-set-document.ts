import { isObject } from '../encoding/json-object.js';
import { holdsSecretKeyMaterial, PUBLIC_MEMBERS } from '../encoding/jwk-members.js';
import { JwkIndex } from './jwk-index.js';
import { JwkSetError, type UnusableJwk } from './jwk-set-error.js';

/** A JWK set document as published at a `jwks_uri` (RFC 7517 §5). */
export interface JwkSetDocument {
  /** The keys, as published: each is checked before use, and a broken one is left out. */
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
 * The public keys of the set as received, each with only the members a public JWK of its type has
 * (RFC 7517 §4, RFC 7518 §6.2.1, §6.3.1, RFC 8037 §2): the document is handed to the application
 * (`RemoteJwks.export`, written to a file to bundle with a function), which must never get key material
 * to keep secret from us, whatever it is called (`d`, or the `priv` of a key type this library does not
 * know). A key carrying private or secret members, published by mistake, is dropped whole rather than
 * stripped to its public part, which would make a compromised key usable once the document is hydrated;
 * so is a key of another type, which no token could use.
 */
function publicKeysOf(set: JwkSetDocument): JwkSetDocument {
  const keys: Record<string, unknown>[] = [];
  for (const key of set.keys) {
    if (!isObject(key) || holdsSecretKeyMaterial(key)) continue;
    const material =
      typeof key.kty === 'string' && Object.hasOwn(PUBLIC_MEMBERS, key.kty)
        ? PUBLIC_MEMBERS[key.kty]
        : undefined;
    if (material === undefined) continue;
    const kept: Record<string, unknown> = {};
    for (const member of [...DESCRIPTIVE_MEMBERS, ...material])
      if (Object.hasOwn(key, member)) kept[member] = key[member];
    keys.push(kept);
  }
  return { keys };
}

const DESCRIPTIVE_MEMBERS = ['kty', 'kid', 'use', 'key_ops', 'alg', 'x5c', 'x5t', 'x5t#S256', 'x5u'] as const;

function isSharedSecret(candidate: unknown): boolean {
  return isObject(candidate) && candidate.kty === 'oct';
}

export function listUnusable(index: JwkIndex): string {
  return index.unusable.map(({ key, reason }) => `${key}: ${reason}`).join('; ');
}
