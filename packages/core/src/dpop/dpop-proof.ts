import { compactVerify, importJWK, type JWK } from 'jose';
import { timingSafeEqualStrings } from '../crypto/constant-time.js';
import { jwkThumbprint } from '../crypto/jwk-thumbprint.js';
import { accessTokenHash } from '../crypto/token-hash.js';
import { decodeJsonSegment, isObject, parseJsonObject } from '../encoding/json-object.js';
import { PRIVATE_MEMBERS, PUBLIC_MEMBERS } from '../encoding/jwk-members.js';
import { type FailureCode, type Outcome, refusal, success } from '../errors/failure.js';
import { keyTypeFitsAlgorithm } from '../keys/algorithms.js';
import { rsaProofKeyProblem } from '../keys/rsa-key-checks.js';
import { LruMap } from '../lru-map.js';
import { normalizeHttpUri, receivedHttpUri } from './http-uri.js';

/** A DPoP proof whose every own check passed; what binds it to the token is checked later. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key, to compare with the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly nonce: string | undefined;
}

/** The request a proof must match. */
export interface ProofTarget {
  readonly method: string;
  /**
   * The public URL of the request (RsRequest.url), its path as received: the one the framework routes.
   * See {@link receivedHttpUri}.
   */
  readonly url: string;
  /** The access token presented with the proof, for `ath`. */
  readonly token: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** Settled proof-checking settings. */
export interface ProofSettings {
  readonly algorithms: ReadonlySet<string>;
  /** Seconds a proof's `iat` may lie before or after now. */
  readonly iatWindow: number;
  readonly maxProofLength: number;
}

/** Checks one proof; see {@link dpopProofChecker}. */
export type ProofChecker = (proof: string, target: ProofTarget) => Promise<Outcome<VerifiedDpopProof>>;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// RFC 7517/7518 private and symmetric key members: a proof's key must be public (RFC 9449 §4.3 check 7).
const SECRET_MEMBERS = [...PRIVATE_MEMBERS, 'k'] as const;
// The members that define a public key (RFC 7638 §3.2); anything else in `jwk` is not used.
// RFC 9449 §11.1 asks servers to refuse needlessly large jti values; 96 random bits need 16 characters.
const MAX_JTI_LENGTH = 256;

/**
 * Checks a DPoP proof against the request (RFC 9449 §4.3): compact JWS, `typ` `dpop+jwt`, an allowed
 * asymmetric `alg`, a public `jwk` that fits it and verifies the signature, then `jti`, `htm`, `htu`,
 * `iat` within the window and `ath`. Header members are judged before the signature, claims only after.
 * Imported keys are kept by thumbprint: a client signs many proofs with one key.
 */
export function dpopProofChecker(settings: ProofSettings): ProofChecker {
  const keys = new LruMap<string, CryptoKey>({ max: 1_000 });

  async function importProofKey(jwk: JWK, alg: string, jkt: string): Promise<CryptoKey | undefined> {
    const id = `${alg}:${jkt}`;
    const known = keys.get(id);
    if (known !== undefined) return known;
    try {
      const key = await importJWK(jwk, alg);
      // importJWK answers bytes for symmetric keys; a proof key must be a public CryptoKey.
      if (key instanceof Uint8Array || key.type !== 'public') return undefined;
      keys.set(id, key);
      return key;
    } catch {
      return undefined;
    }
  }

  return async function checkProof(proof, target) {
    if (proof.length > settings.maxProofLength) return invalid('The DPoP proof is too large');
    if (!COMPACT_JWS.test(proof)) return invalid('The DPoP proof is not a compact JWT');
    const header = decodeJsonSegment(proof.slice(0, proof.indexOf('.')));
    if (header === undefined) return invalid('The DPoP proof header is not valid base64url JSON');
    if (!isDpopType(header.typ)) return invalid('The DPoP proof "typ" is not "dpop+jwt"');
    const alg = header.alg;
    if (typeof alg !== 'string' || !settings.algorithms.has(alg)) {
      return invalid('The DPoP proof algorithm is not accepted');
    }
    // No extension is understood here, so any critical one must be refused (RFC 7515 §4.1.11).
    if (header.crit !== undefined) return invalid('The DPoP proof has critical header parameters');
    const jwk = publicJwk(header.jwk, alg);
    if (typeof jwk === 'string') return invalid(jwk);
    const jkt = await jwkThumbprint(jwk);
    if (jkt === undefined) return invalid('The DPoP proof "jwk" is not a valid public key');
    const key = await importProofKey(jwk, alg, jkt);
    if (key === undefined) return invalid('The DPoP proof "jwk" is not a valid public key');
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(proof, key, { algorithms: [alg] }));
    } catch {
      return invalid('The DPoP proof signature is not valid');
    }
    return checkClaims(parseJsonObject(payload), jkt, target, settings.iatWindow);
  };
}

function isDpopType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  // Media types are case-insensitive, and RFC 7515 §4.1.9 lets "application/" be left out.
  const lower = typ.toLowerCase();
  return lower === 'dpop+jwt' || lower === 'application/dpop+jwt';
}

/**
 * The public key in the proof header, reduced to its defining members, or why it cannot serve: an RSA
 * key must also pass {@link rsaProofKeyProblem} (exponent of at most 32 bits, modulus of 2 048 to 4 096).
 */
function publicJwk(value: unknown, alg: string): JWK | string {
  if (!isObject(value)) return 'The DPoP proof has no "jwk" header';
  if (SECRET_MEMBERS.some((member) => Object.hasOwn(value, member))) {
    return 'The DPoP proof "jwk" holds private key material';
  }
  const members =
    typeof value.kty === 'string' && Object.hasOwn(PUBLIC_MEMBERS, value.kty)
      ? PUBLIC_MEMBERS[value.kty]
      : undefined;
  if (members === undefined || !keyTypeFitsAlgorithm(value.kty, value.crv, alg)) {
    return 'The DPoP proof "jwk" does not fit its algorithm';
  }
  const jwk: Record<string, string> = { kty: value.kty as string };
  for (const member of members) {
    const memberValue = value[member];
    if (typeof memberValue !== 'string' || memberValue.length === 0) {
      return 'The DPoP proof "jwk" is not a valid public key';
    }
    jwk[member] = memberValue;
  }
  // The client chose this key: an unusual RSA one could make its signature check cost many times the
  // usual, before any token is resolved. Refused before it is imported.
  const rsaProblem = jwk.kty === 'RSA' ? rsaProofKeyProblem(jwk) : undefined;
  if (rsaProblem !== undefined) return `The DPoP proof "jwk" is not an accepted RSA key: ${rsaProblem}`;
  return jwk;
}

async function checkClaims(
  claims: Record<string, unknown> | undefined,
  jkt: string,
  target: ProofTarget,
  iatWindow: number,
): Promise<Outcome<VerifiedDpopProof>> {
  if (claims === undefined) return invalid('The DPoP proof payload is not a JSON object');
  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    return invalid('The DPoP proof "jti" is missing or invalid');
  }
  if (typeof htm !== 'string') return invalid('The DPoP proof has no "htm"');
  if (htm !== target.method) {
    return refusal('dpop_htm_mismatch', 'The DPoP proof was made for another HTTP method');
  }
  if (typeof htu !== 'string') return invalid('The DPoP proof has no "htu"');
  // The request's path as sent, not as the URL parser would rewrite it: that is the route it reaches.
  const expected = receivedHttpUri(target.url);
  if (expected === undefined || normalizeHttpUri(htu) !== expected) {
    return refusal('dpop_htu_mismatch', 'The DPoP proof was made for another URL');
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return invalid('The DPoP proof has no numeric "iat"');
  if (Math.abs(target.now / 1000 - iat) > iatWindow) {
    return refusal('dpop_iat_invalid', 'The DPoP proof was not made within the accepted time window');
  }
  if (typeof ath !== 'string') return invalid('The DPoP proof has no "ath"');
  if (!timingSafeEqualStrings(ath, await accessTokenHash(target.token))) {
    return refusal('dpop_ath_mismatch', 'The DPoP proof was made for another access token');
  }
  if (nonce !== undefined && typeof nonce !== 'string')
    return invalid('The DPoP proof "nonce" is not a string');
  return success({ jkt, jti, iat, nonce });
}

function invalid(description: string): Outcome<never> {
  return refusal('dpop_proof_invalid' satisfies FailureCode, description);
}
