import { parseJsonObject } from '../encoding/json-object.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import { isPublicKeyEncryption } from '../keys/jwe-algorithms.js';
import type { KeySelector } from '../keys/verification-key-source.js';
import type { UntrustedJwsHeader } from './compact-jws.js';
import type { JweDecryptor } from './jwe-decryptor.js';
import type { SignedJwtVerifier, VerifiedJwt } from './signed-jwt-verifier.js';

/** Checks the `typ` of the token's authenticated header (a profile's rule), before any key is used. */
export type TypeCheck = (typ: string | undefined) => Failure | undefined;

/** The trusted claims of a JWT, and for a signed one (not encrypted), the key that verified it. */
export interface ReadJwt {
  readonly claims: Record<string, unknown>;
  readonly signedBy?: { readonly key: CryptoKey; readonly selector: KeySelector };
}

/** Reads a compact JWT of any form into its trusted claims. */
export interface JwtReader {
  /**
   * Synchronous when nothing is pending (a signed token on the Node path with its key imported).
   * `alphabetChecked`: the caller already matched the token against the compact JWS alphabet.
   */
  read(token: string, now: number, alphabetChecked?: boolean): Outcome<ReadJwt> | Promise<Outcome<ReadJwt>>;
}

/**
 * Reads the three forms of JWT an access token may take:
 *
 * - a JWS: verified with the verification keys;
 * - a JWE holding claims: accepted only with symmetric key management (`dir`, AES key wrap), where
 *   opening it proves it came from a holder of the shared secret. Anyone can encrypt to a public key, so
 *   a token encrypted with RSA-OAEP or ECDH-ES must hold a signed JWT;
 * - a JWE holding a JWS (a nested JWT, RFC 7519 §5.2): decrypted, then verified.
 *
 * One level of encryption only: a JWE inside a JWE is refused unopened, so a token nested ten deep costs
 * one decryption. The `typ` check applies to the header that is authenticated by a configured key: the
 * inner JWS's, or the JWE's when there is no signature.
 */
export function jwtReader(
  verifier: SignedJwtVerifier | undefined,
  decryptor: JweDecryptor | undefined,
  checkType: TypeCheck | undefined,
): JwtReader {
  const checkJwsHeader = (header: UntrustedJwsHeader): Failure | undefined => {
    // RFC 7515 defines no compression; Access Management writes `zip: "NONE"`, which changes nothing. A
    // compressed payload would be misread as claims, so anything else is refused.
    if (header.raw.zip !== undefined && header.raw.zip !== 'NONE') {
      return { code: 'token_unsupported', description: 'Compressed signed tokens are not supported' };
    }
    return checkType?.(header.typ);
  };

  function verifySigned(
    jws: string,
    now: number,
    alphabetChecked: boolean,
  ): Outcome<ReadJwt> | Promise<Outcome<ReadJwt>> {
    const verified = verifier!.verify(jws, now, checkJwsHeader, alphabetChecked);
    return verified instanceof Promise ? verified.then(signedBy) : signedBy(verified);
  }

  async function readEncrypted(token: string, now: number): Promise<Outcome<ReadJwt>> {
    const decrypted = await decryptor!.decrypt(token, now);
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
      const typeProblem = checkType?.(header.typ);
      if (typeProblem !== undefined) return { ok: false, failure: typeProblem };
      return parseClaims(text);
    }
    const dots = countDots(text);
    if (dots === 4)
      return refusal('token_unsupported', 'Encrypted tokens nested in encrypted tokens are refused');
    if (dots !== 2)
      return refusal('token_malformed', 'The encrypted token holds neither claims nor a signed JWT');
    if (verifier === undefined) {
      return refusal(
        'token_unsupported',
        'The encrypted token holds a signed JWT and no verification key is configured',
      );
    }
    // What an encrypted token holds is not tied to the signing key alone (the decryption key matters
    // too): it is not reported as signed, so it is never remembered as verified.
    const verified = await verifySigned(text, now, false);
    return verified.ok ? success({ claims: verified.value.claims }) : verified;
  }

  return {
    read(token, now, alphabetChecked = false) {
      const dots = countDots(token);
      if (dots === 2) {
        if (verifier === undefined) {
          return refusal('token_unsupported', 'Only encrypted access tokens are accepted here');
        }
        return verifySigned(token, now, alphabetChecked);
      }
      if (dots === 4) {
        if (decryptor === undefined) {
          return refusal('token_unsupported', 'Encrypted access tokens are not accepted here');
        }
        return readEncrypted(token, now);
      }
      return refusal('token_malformed', 'The access token is not a JWT');
    },
  };
}

// The header doubles as the key selector (`alg`, `kid`): one object per distinct header, not per token.
function signedBy(verified: Outcome<VerifiedJwt>): Outcome<ReadJwt> {
  if (!verified.ok) return verified;
  const { claims, header, key } = verified.value;
  return success({ claims, signedBy: { key, selector: header } });
}

function parseClaims(text: string): Outcome<ReadJwt> {
  const claims = parseJsonObject(text);
  return claims === undefined
    ? refusal('token_malformed', 'The encrypted token content is not a JSON object')
    : success({ claims });
}

function countDots(token: string): number {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  return dots;
}
