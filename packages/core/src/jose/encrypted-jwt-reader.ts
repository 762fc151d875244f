import { parseJsonObject } from '../encoding/json-object.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { isPublicKeyEncryption } from '../keys/jwe-algorithms.js';
import type { JweDecryptor } from './jwe-decryptor.js';
import {
  countDots,
  type ReadEncrypted,
  type ReadJwt,
  type ReadSigned,
  type TypeCheck,
} from './jwt-reader.js';
import { rememberNestedJws } from './nested-jws.js';

/**
 * Reads encrypted JWTs (JWE), for `jwtReader`:
 *
 * - a JWE holding claims: accepted only with symmetric key management (`dir`, AES key wrap, PBES2), where
 *   opening it proves it came from a holder of the shared secret. Anyone can encrypt to a public key, so
 *   a token encrypted with RSA-OAEP or ECDH-ES must hold a signed JWT;
 * - a JWE holding a JWS (a nested JWT, RFC 7519 §5.2): decrypted, then verified with `readSigned`.
 *
 * One level of encryption only: a JWE inside a JWE is refused unopened, so a token nested ten deep costs
 * one decryption. The `typ` check applies to the header that is authenticated by a configured key: the
 * inner JWS's, or the JWE's when there is no signature. With `signatureRequired` (RFC 9068 §2.1), a JWE
 * holding claims alone is refused whatever its key management.
 */
export function encryptedJwtReader(
  decryptor: JweDecryptor,
  readSigned: ReadSigned | undefined,
  checkType: TypeCheck | undefined,
  signatureRequired = false,
): ReadEncrypted {
  return async (token, now) => {
    const decrypted = await decryptor.decrypt(token, now);
    if (!decrypted.ok) return decrypted;
    const { header, plaintext } = decrypted.value;
    let text: string;
    try {
      text = decodeUtf8(plaintext);
    } catch {
      return refusal('token_malformed', 'The encrypted token content is not UTF-8');
    }
    const nested = header.cty !== undefined && /^(application\/)?jwt$/i.test(header.cty);
    if (text.trimStart().startsWith('{')) {
      if (nested)
        return refusal('token_malformed', 'The encrypted token says it holds a JWT but holds claims');
      if (isPublicKeyEncryption(header.alg)) {
        return refusal('token_unsupported', 'A token encrypted to a public key must hold a signed JWT');
      }
      if (signatureRequired)
        return refusal('token_unsupported', 'The access token must be signed (RFC 9068 §2.1)');
      const typeProblem = checkType?.(header.typ);
      if (typeProblem !== undefined) return { ok: false, failure: typeProblem };
      return parseClaims(text);
    }
    const dots = countDots(text);
    if (dots === 4)
      return refusal('token_unsupported', 'Encrypted tokens nested in encrypted tokens are refused');
    if (dots !== 2)
      return refusal('token_malformed', 'The encrypted token holds neither claims nor a signed JWT');
    if (readSigned === undefined) {
      return refusal(
        'token_unsupported',
        'The encrypted token holds a signed JWT and no verification key is configured',
      );
    }
    // What an encrypted token holds is not tied to the signing key alone (the decryption key matters
    // too): it is not reported as signed, so it is never remembered as verified.
    const verified = await readSigned(text, now, false);
    if (!verified.ok) return verified;
    rememberNestedJws(verified.value.claims, text);
    return success({ claims: verified.value.claims });
  };
}

function parseClaims(text: string): Outcome<ReadJwt> {
  const claims = parseJsonObject(text);
  return claims === undefined
    ? refusal('token_malformed', 'The encrypted token content is not a JSON object')
    : success({ claims });
}
