import { compactVerify } from 'jose';
// Each class by name: the `errors` namespace would bring every jose error class into a Worker bundle.
import { JOSEError, JOSENotSupported, JWSSignatureVerificationFailed } from 'jose/errors';
import { endsCanonically } from '../encoding/base64url.js';
import { isCompactJwsSpelling } from '../encoding/compact-jws-spelling.js';
import { detachedCopy } from '../encoding/detached-copy.js';
import { decodeJsonSegment } from '../encoding/json-object.js';
import { type Failure, failure, type Outcome, refusal, success } from '../errors/failure.js';

/** The protected header of a compact JWS, decoded but not yet trusted. */
export interface UntrustedJwsHeader {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly typ: string | undefined;
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * A compact JWS split once: the token, where its header and payload end (the two dots), and its
 * decoded header. Every segment is canonical base64url, so each signature path reads the same bytes.
 */
export interface CompactJws {
  readonly token: string;
  /** Index of the first dot. */
  readonly headerEnd: number;
  /** Index of the second dot: `token.slice(0, payloadEnd)` is the signing input. */
  readonly payloadEnd: number;
  readonly header: UntrustedJwsHeader;
}

const MAX_HEADER_CHARS = 4096;

/**
 * Splits a three-part compact JWS and decodes its header. The token's length is already bounded by the
 * caller; the header gets its own, smaller bound so a hostile header costs little to reject. Everything
 * that does not depend on a key is checked here, once, before any key is looked up: the signature paths
 * behind {@link JwsSignatureCheck} then differ only in how they compute. `alphabetChecked`: the caller
 * already matched the token against the compact JWS alphabet ({@link isCompactJwsSpelling}).
 */
export function parseCompactJws(token: string, alphabetChecked = false): Outcome<CompactJws> {
  const headerEnd = token.indexOf('.');
  if (headerEnd <= 0) return refusal('token_malformed', 'The access token is not a JWT');
  if (headerEnd > MAX_HEADER_CHARS) return refusal('token_malformed', 'The JWT header is too large');
  const payloadEnd = token.indexOf('.', headerEnd + 1);
  if (payloadEnd === -1 || token.indexOf('.', payloadEnd + 1) !== -1) {
    return refusal('token_malformed', 'The access token is not a JWT');
  }
  if (
    // A scan of the whole token: skipped when the caller already made it (the resource server does,
    // while extracting the token).
    (!alphabetChecked && !isCompactJwsSpelling(token)) ||
    !endsCanonically(token, 0, headerEnd) ||
    !endsCanonically(token, headerEnd + 1, payloadEnd) ||
    !endsCanonically(token, payloadEnd + 1, token.length)
  ) {
    return refusal('token_malformed', 'The JWT is not canonical base64url');
  }
  const header = headerOf(token, headerEnd);
  if (!header.ok) return header;
  return success({ token, headerEnd, payloadEnd, header: header.value });
}

// An issuer signs every token with the same header (alg, kid, typ), so its decoding is remembered:
// base64url, UTF-8 and JSON once per distinct header rather than once per request. Headers are chosen by
// clients, so the memory is small and emptied when full. Each entry keeps a copy of its segment: the
// segment itself is a view into the token, which must not outlive its request.
const MAX_REMEMBERED_HEADERS = 64;
interface RememberedHeader {
  readonly segment: string;
  readonly header: Outcome<UntrustedJwsHeader>;
}
const rememberedHeaders = new Map<string, RememberedHeader>();
// The last header looked up: most tokens carry the header of the one before, found then without hashing
// the segment for the map.
let last: RememberedHeader | undefined;

function headerOf(token: string, headerEnd: number): Outcome<UntrustedJwsHeader> {
  const segment = token.slice(0, headerEnd);
  // Equality, which V8 compares in bulk, rather than `startsWith`, which costs several times as much.
  if (last !== undefined && segment === last.segment) return last.header;
  let remembered = rememberedHeaders.get(segment);
  if (remembered === undefined) {
    remembered = { segment: detachedCopy(segment), header: decodeJwsHeader(segment) };
    if (rememberedHeaders.size >= MAX_REMEMBERED_HEADERS) rememberedHeaders.clear();
    rememberedHeaders.set(remembered.segment, remembered);
  }
  last = remembered;
  return remembered.header;
}

function decodeJwsHeader(segment: string): Outcome<UntrustedJwsHeader> {
  const parsed = decodeJsonSegment(segment);
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
  if (parsed.crit !== undefined) return { ok: false, failure: criticalHeaderFailure(parsed.crit) };
  return success({
    alg: parsed.alg,
    kid: parsed.kid as string | undefined,
    typ: parsed.typ as string | undefined,
    raw: Object.freeze(parsed),
  });
}

/**
 * RFC 7515 §4.1.11: every extension named in `crit` must be understood. The only one jose knows is
 * `b64`, refused above, so any `crit` refuses the token: with the verdict jose would give, so that the
 * Node and portable paths agree (a malformed list or a listed `b64` that is absent is malformed; an
 * unknown name is unsupported).
 */
function criticalHeaderFailure(crit: unknown): Failure {
  if (
    !Array.isArray(crit) ||
    crit.length === 0 ||
    crit.some((name) => typeof name !== 'string' || name.length === 0)
  ) {
    return failure('token_malformed', 'The JWT is malformed');
  }
  return crit[0] === 'b64'
    ? failure('token_malformed', 'The JWT is malformed')
    : failure('critical_header_unsupported', 'The JWT has an unsupported critical header');
}

/** The result of checking one key against a JWS. */
export type SignatureCheck =
  // The payload as bytes, or as text when the path already decoded it (strictly, from UTF-8).
  | { readonly valid: true; readonly payload: Uint8Array | string }
  | { readonly valid: false; readonly failure?: Failure | undefined };

/**
 * Checks the signature of a parsed compact JWS with one key, for the header's `alg`. This is the seam
 * where the signature paths differ (jose's portable one, `node:crypto` on Node); key selection, header
 * checks and claim checks stay outside it. A wrong signature is `{ valid: false }` (try the next key).
 */
export type JwsSignatureCheck = (jws: CompactJws, key: CryptoKey) => SignatureCheck | Promise<SignatureCheck>;

/**
 * The portable path: jose's `compactVerify` on WebCrypto, for every runtime. A token jose refuses for
 * other reasons than the signature (unknown `crit`, malformed) carries its failure.
 */
export async function checkJwsSignature(jws: CompactJws, key: CryptoKey): Promise<SignatureCheck> {
  try {
    const { payload } = await compactVerify(jws.token, key, { algorithms: [jws.header.alg] });
    return { valid: true, payload };
  } catch (error) {
    if (error instanceof JWSSignatureVerificationFailed) return { valid: false };
    if (error instanceof JOSENotSupported && /crit|Extension Header/i.test(error.message)) {
      return {
        valid: false,
        failure: failure('critical_header_unsupported', 'The JWT has an unsupported critical header'),
      };
    }
    if (error instanceof JOSEError) {
      return { valid: false, failure: failure('token_malformed', 'The JWT is malformed') };
    }
    // A key/algorithm mismatch that slipped past key selection is a bug, not the client's doing, but the
    // request must still be refused: fail closed.
    return { valid: false, failure: SIGNATURE_UNCHECKABLE };
  }
}

/** The refusal when a key cannot be used for the token's algorithm (a bug in key selection). */
export const SIGNATURE_UNCHECKABLE: Failure = failure(
  'signature_invalid',
  'The JWT signature could not be verified',
);
