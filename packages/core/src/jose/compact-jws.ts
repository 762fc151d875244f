import { compactVerify, errors } from 'jose';
import { decodeJsonSegment } from '../encoding/json-object.js';
import { type Failure, failure, type Outcome, refusal, success } from '../errors/failure.js';

/** The protected header of a compact JWS, decoded but not yet trusted. */
export interface UntrustedJwsHeader {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly typ: string | undefined;
  readonly raw: Readonly<Record<string, unknown>>;
}

const MAX_HEADER_CHARS = 4096;

/**
 * Decodes the header of a three-part compact JWS. The token's length is already bounded by the caller;
 * the header gets its own, smaller bound so a hostile header costs little to reject.
 */
export function decodeJwsHeader(token: string): Outcome<UntrustedJwsHeader> {
  const firstDot = token.indexOf('.');
  if (firstDot <= 0) return refusal('token_malformed', 'The access token is not a JWT');
  if (firstDot > MAX_HEADER_CHARS) return refusal('token_malformed', 'The JWT header is too large');
  const parsed = decodeJsonSegment(token.slice(0, firstDot));
  if (parsed === undefined) return refusal('token_malformed', 'The JWT header is not valid base64url JSON');
  if (typeof parsed.alg !== 'string') return refusal('token_malformed', 'The JWT header has no "alg"');
  if (parsed.kid !== undefined && typeof parsed.kid !== 'string') {
    return refusal('token_malformed', 'The JWT header "kid" is not a string');
  }
  if (parsed.typ !== undefined && typeof parsed.typ !== 'string') {
    return refusal('token_malformed', 'The JWT header "typ" is not a string');
  }
  // RFC 7797 unencoded payloads are not JWTs.
  if (parsed.b64 !== undefined) return refusal('token_malformed', 'The JWT header must not use "b64"');
  return success({
    alg: parsed.alg,
    kid: parsed.kid as string | undefined,
    typ: parsed.typ as string | undefined,
    raw: parsed,
  });
}

/** The result of checking one key against a JWS. */
export type SignatureCheck =
  | { readonly valid: true; readonly payload: Uint8Array }
  | { readonly valid: false; readonly failure?: Failure };

/**
 * Checks the signature of a compact JWS with one key and one algorithm. This is the seam where a
 * faster, runtime-specific verifier can later take the hot path; key selection and claim checks stay
 * outside it. A wrong signature is `{ valid: false }` (try the next key); a token jose refuses for
 * other reasons (unknown `crit`, malformed) carries its failure.
 */
export async function checkJwsSignature(token: string, key: CryptoKey, alg: string): Promise<SignatureCheck> {
  try {
    const { payload } = await compactVerify(token, key, { algorithms: [alg] });
    return { valid: true, payload };
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return { valid: false };
    if (error instanceof errors.JOSENotSupported && /crit|Extension Header/i.test(error.message)) {
      return {
        valid: false,
        failure: failure('critical_header_unsupported', 'The JWT has an unsupported critical header'),
      };
    }
    if (error instanceof errors.JOSEError) {
      return { valid: false, failure: failure('token_malformed', 'The JWT is malformed') };
    }
    // A key/algorithm mismatch that slipped past key selection is a bug, not the client's doing, but the
    // request must still be refused: fail closed.
    return { valid: false, failure: failure('signature_invalid', 'The JWT signature could not be verified') };
  }
}
