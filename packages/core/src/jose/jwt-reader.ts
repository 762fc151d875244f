import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import type { KeySelector } from '../keys/verification-key-source.js';
import type { UntrustedJwsHeader } from './compact-jws.js';
import type { SignedJwtVerifier, VerifiedJwt } from './signed-jwt-verifier.js';

/** Checks the `typ` of the token's authenticated header (a profile's rule), before any key is used. */
export type TypeCheck = (typ: string | undefined) => Failure | undefined;

/** The trusted claims of a JWT, and for a signed one (not encrypted), the key that verified it. */
export interface ReadJwt {
  readonly claims: Record<string, unknown>;
  readonly signedBy?: { readonly key: CryptoKey; readonly selector: KeySelector } | undefined;
}

/** Reads a compact JWT of any form into its trusted claims. */
export interface JwtReader {
  /**
   * Synchronous when nothing is pending (a signed token on the Node path with its key imported).
   * `alphabetChecked`: the caller already matched the token against the compact JWS alphabet.
   */
  read(token: string, now: number, alphabetChecked?: boolean): Outcome<ReadJwt> | Promise<Outcome<ReadJwt>>;
}

/** Reads a compact JWS into its trusted claims (synchronous when nothing is pending). */
export type ReadSigned = (
  jws: string,
  now: number,
  alphabetChecked: boolean,
) => Outcome<ReadJwt> | Promise<Outcome<ReadJwt>>;

/** Reads a compact JWE into its trusted claims. */
export type ReadEncrypted = (jwe: string, now: number) => Promise<Outcome<ReadJwt>>;

/**
 * Reads signed JWTs with the verification keys: the header is checked (no compression, the profile's
 * `typ`) before the signature.
 */
export function signedJwtReader(verifier: SignedJwtVerifier, checkType: TypeCheck | undefined): ReadSigned {
  const checkJwsHeader = (header: UntrustedJwsHeader): Failure | undefined => {
    // RFC 7515 defines no compression; Access Management writes `zip: "NONE"`, which changes nothing. A
    // compressed payload would be misread as claims, so anything else is refused.
    if (header.raw.zip !== undefined && header.raw.zip !== 'NONE') {
      return { code: 'token_unsupported', description: 'Compressed signed tokens are not supported' };
    }
    return checkType?.(header.typ);
  };
  return (jws, now, alphabetChecked) => {
    const verified = verifier.verify(jws, now, checkJwsHeader, alphabetChecked);
    return verified instanceof Promise ? verified.then(signedBy) : signedBy(verified);
  };
}

/**
 * Reads the forms of JWT an access token may take: a JWS with `readSigned`, a JWE with `readEncrypted`
 * (see `encryptedJwtReader`). A form without its reader is refused `token_unsupported`; anything else is
 * not a JWT.
 */
export function jwtReader(
  readSigned: ReadSigned | undefined,
  readEncrypted: ReadEncrypted | undefined,
): JwtReader {
  return {
    read(token, now, alphabetChecked = false) {
      const dots = countDots(token);
      if (dots === 2) {
        if (readSigned === undefined) {
          return refusal('token_unsupported', 'Only encrypted access tokens are accepted here');
        }
        return readSigned(token, now, alphabetChecked);
      }
      if (dots === 4) {
        if (readEncrypted === undefined) {
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

/** The number of `.` in a token: 2 for a compact JWS, 4 for a compact JWE. */
export function countDots(token: string): number {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  return dots;
}
