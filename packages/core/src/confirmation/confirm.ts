import { calculateJwkThumbprint, type JWK } from 'jose';
import { timingSafeEqual, timingSafeEqualStrings } from '../crypto/constant-time.js';
import type { VerifiedDpopProof } from '../dpop/dpop-proof.js';
import { isObject } from '../encoding/json-object.js';
import { type Failure, failure } from '../errors/failure.js';
import type { CertificateSource } from '../mtls/certificate-source.js';
import { thumbprintDigest } from '../mtls/certificate-thumbprint.js';
import type { RsRequest } from '../request.js';
import type { TokenInfo } from '../token-info.js';

/**
 * Which sender-constrained tokens a server or route demands: `'mtls'` certificate-bound (RFC 8705),
 * `'dpop'` DPoP-bound and presented with a proof (RFC 9449), `'any'` either.
 */
export type SenderConstraint = 'mtls' | 'dpop' | 'any';

/** Every {@link SenderConstraint}. */
export const SENDER_CONSTRAINTS: readonly SenderConstraint[] = ['mtls', 'dpop', 'any'];

/**
 * Confirms a token bound to a public key (`cnf.jwk`, as the seed's authorization server issues) when
 * the request carries no DPoP proof: the application's own proof of possession, such as a signed
 * request header it checks with `jwk`. Resolve `true` only when the request proves possession.
 */
export type JwkConfirmationVerifier = (
  jwk: Readonly<Record<string, unknown>>,
  request: RsRequest,
  token: TokenInfo,
) => boolean | Promise<boolean>;

/** How the token was presented: the scheme, and the checked DPoP proof for the DPoP scheme. */
export interface Presentation {
  readonly request: RsRequest;
  readonly scheme: 'Bearer' | 'DPoP';
  readonly proof: VerifiedDpopProof | undefined;
}

/** What the confirm stage draws on. */
export interface ConfirmationSettings {
  readonly certificates: CertificateSource;
  readonly jwkVerifier: JwkConfirmationVerifier | undefined;
}

// Registered confirmation methods (RFC 7800 §3, RFC 9203) @rs cannot check, and the SHA-1 `x5t` that
// some servers misuse: a token bound with one of them is refused, never treated as a bearer token.
// Members outside the registry (AM puts `auth_level` in `cnf`) are not methods and are ignored.
const UNCHECKABLE_METHODS = ['jwe', 'jku', 'kid', 'osc', 'x5t'] as const;

/**
 * The confirm stage (RFC 7800): a token with `cnf` grants access only to a request that proves
 * possession of what `cnf` names, every method present; a token without `cnf` passes unless
 * `required` demands a sender-constrained one. Runs on every request, also when the token info came
 * from a cache.
 */
export async function checkConfirmation(
  token: TokenInfo,
  presented: Presentation,
  settings: ConfirmationSettings,
  required: readonly SenderConstraint[],
): Promise<Failure | undefined> {
  // A `cnf` that is not a JSON object binds the token to something unknown: never a bearer token.
  if (token.claims.cnf !== undefined && token.confirmation === undefined)
    return failure('claim_invalid', 'The access token "cnf" is not a JSON object');
  const cnf = token.confirmation;
  const x5t = cnf?.['x5t#S256'];
  const jkt = cnf?.jkt;
  const jwk = cnf?.jwk;
  if (
    cnf !== undefined &&
    (UNCHECKABLE_METHODS.some((method) => Object.hasOwn(cnf, method)) ||
      (x5t === undefined && jkt === undefined && jwk === undefined))
  ) {
    return failure(
      'confirmation_unsupported',
      'The access token is bound to a key this resource server cannot check',
    );
  }
  // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token would let a thief skip the proof.
  if (jkt !== undefined && presented.scheme === 'Bearer') {
    return failure(
      'dpop_bound_token_as_bearer',
      'The access token is DPoP-bound: send it with the DPoP scheme',
    );
  }
  if (presented.scheme === 'DPoP' && jkt === undefined && jwk === undefined) {
    return failure('dpop_key_mismatch', 'The access token is not bound to a DPoP key');
  }
  if (x5t !== undefined) {
    const problem =
      sameCertificate(x5t, cnf!['x5t#SHA256']) ??
      (await checkCertificate(x5t, presented.request, settings.certificates));
    if (problem !== undefined) return problem;
  }
  if (jkt !== undefined) {
    if (typeof jkt !== 'string')
      return failure('claim_invalid', 'The access token "cnf.jkt" is not a string');
    if (presented.proof === undefined || !timingSafeEqualStrings(jkt, presented.proof.jkt))
      return keyMismatch();
  }
  if (jwk !== undefined) {
    const problem = await checkJwk(jwk, token, presented, settings.jwkVerifier);
    if (problem !== undefined) return problem;
  }
  return unmetRequirement(required, x5t !== undefined, presented.scheme === 'DPoP', jwk !== undefined);
}

/**
 * Every certificate member present is checked: `x5t#SHA256` (another spelling of `x5t#S256`) beside
 * `x5t#S256` must name the same certificate, or a token could carry one thumbprint for each of two
 * readers and pass whichever one looks.
 */
function sameCertificate(x5t: unknown, alias: unknown): Failure | undefined {
  if (alias === undefined || alias === x5t) return undefined;
  const [first, second] = [thumbprintDigest(x5t), thumbprintDigest(alias)];
  if (first === undefined || second === undefined)
    return failure(
      'claim_invalid',
      'The access token "cnf" certificate thumbprint is not a base64url SHA-256',
    );
  return timingSafeEqual(first, second)
    ? undefined
    : failure('claim_invalid', 'The access token "cnf" names two different certificates');
}

async function checkCertificate(
  x5t: unknown,
  request: RsRequest,
  certificates: CertificateSource,
): Promise<Failure | undefined> {
  const expected = thumbprintDigest(x5t);
  if (expected === undefined) {
    return failure(
      'claim_invalid',
      'The access token "cnf" certificate thumbprint is not a base64url SHA-256',
    );
  }
  const presented = await certificates.digest(request);
  if (!presented.ok) return presented.failure;
  if (presented.value === undefined) {
    return failure(
      'certificate_missing',
      'The access token is bound to a client certificate and none was presented',
    );
  }
  return timingSafeEqual(presented.value, expected)
    ? undefined
    : failure('certificate_mismatch', 'The client certificate is not the one the access token is bound to');
}

async function checkJwk(
  jwk: unknown,
  token: TokenInfo,
  presented: Presentation,
  verifier: JwkConfirmationVerifier | undefined,
): Promise<Failure | undefined> {
  if (!isObject(jwk)) return failure('claim_invalid', 'The access token "cnf.jwk" is not a JSON object');
  if (presented.proof !== undefined) {
    let thumbprint: string;
    try {
      thumbprint = await calculateJwkThumbprint(jwk as JWK, 'sha256');
    } catch {
      return failure('claim_invalid', 'The access token "cnf.jwk" is not a valid key');
    }
    return timingSafeEqualStrings(thumbprint, presented.proof.jkt) ? undefined : keyMismatch();
  }
  let confirmed = false;
  if (verifier !== undefined) {
    try {
      confirmed = (await verifier(jwk, presented.request, token)) === true;
    } catch {
      // Application code failing on what a client sent must not let the request through.
      confirmed = false;
    }
  }
  return confirmed
    ? undefined
    : failure(
        'jwk_confirmation_failed',
        'The request does not prove possession of the key the access token is bound to',
      );
}

function unmetRequirement(
  required: readonly SenderConstraint[],
  certificateBound: boolean,
  dpopBound: boolean,
  keyBound: boolean,
): Failure | undefined {
  for (const constraint of required) {
    if (constraint === 'mtls' && !certificateBound) {
      return failure('sender_constraint_required', 'This resource requires a certificate-bound access token');
    }
    if (constraint === 'dpop' && !dpopBound) {
      return failure('sender_constraint_required', 'This resource requires a DPoP-bound access token');
    }
    if (constraint === 'any' && !certificateBound && !dpopBound && !keyBound) {
      return failure(
        'sender_constraint_required',
        'This resource requires a sender-constrained access token',
      );
    }
  }
  return undefined;
}

function keyMismatch(): Failure {
  return failure(
    'dpop_key_mismatch',
    'The DPoP proof is not signed with the key the access token is bound to',
  );
}
