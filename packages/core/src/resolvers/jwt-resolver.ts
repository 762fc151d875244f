import { checkValidityPeriod } from '../claims/validity.js';
import { RsConfigError, requireOption } from '../errors/config-error.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import { checkJwsSignature, decodeJwsHeader } from '../jose/compact-jws.js';
import {
  ASYMMETRIC_JWS_ALGORITHMS,
  SUPPORTED_JWS_ALGORITHMS,
  SYMMETRIC_JWS_ALGORITHMS,
} from '../keys/algorithms.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';
import { isObject, type TokenInfo, tokenInfoFromClaims } from '../token-info.js';
import type { AccessTokenResolver, ResolveContext } from './resolver.js';

/** Options of {@link jwtResolver}. */
export interface JwtResolverOptions {
  /** The trusted issuer(s). The token's `iss` must equal one of them exactly. */
  readonly issuer: string | readonly string[];
  /** When set, the token's `aud` must contain at least one of these. */
  readonly audience?: string | readonly string[];
  /** Where verification keys come from, tried in order. */
  readonly keys: VerificationKeySource | readonly VerificationKeySource[];
  /**
   * Accepted JWS algorithms. Default: RS/PS/ES 256/384/512 and EdDSA, plus HS256/384/512 when a source
   * holds shared secrets. `none` is never accepted.
   */
  readonly algorithms?: readonly string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 0, as in a zero-trust gateway. */
  readonly skewAllowance?: number;
  /**
   * `'rfc9068'` enforces the JWT access-token profile: header `typ` `at+jwt` (case-insensitive, with or
   * without `application/`) and claims `iss exp aud sub client_id iat jti`. Default: no profile.
   */
  readonly profile?: 'rfc9068';
  /** Claims that must be present besides `iss` and `exp`. */
  readonly requiredClaims?: readonly string[];
  /** Longest accepted token, in characters. Default 16 384. */
  readonly maxTokenLength?: number;
}

const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;
const payloadDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Validates signed JWT access tokens locally: signature with the issuer's keys, then issuer, audience,
 * validity period and the optional RFC 9068 profile. Any failure is `invalid_token` with a description
 * of what failed.
 *
 * @example
 * ```ts
 * const resolver = jwtResolver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
 *   profile: 'rfc9068',
 * });
 * ```
 */
export function jwtResolver(options: JwtResolverOptions): AccessTokenResolver {
  const issuers = stringSet(options.issuer, 'jwt.issuer', true)!;
  const audiences = stringSet(options.audience, 'jwt.audience', false);
  const sources = Array.isArray(options.keys) ? options.keys : [options.keys as VerificationKeySource];
  requireOption(sources.length > 0, 'jwt.keys', 'at least one key source is required');
  for (const source of sources) {
    requireOption(
      typeof source?.keysFor === 'function',
      'jwt.keys',
      'each entry must be a key source such as remoteJwks(…)',
    );
  }
  const symmetric = sources.some((source) => source.symmetric);
  const algorithms = allowedAlgorithms(options.algorithms, symmetric);
  const skew = options.skewAllowance ?? 0;
  requireOption(
    Number.isFinite(skew) && skew >= 0,
    'jwt.skewAllowance',
    'must be a non-negative number of seconds',
  );
  requireOption(
    options.profile === undefined || options.profile === 'rfc9068',
    'jwt.profile',
    'the only profile is "rfc9068"',
  );
  const rfc9068 = options.profile === 'rfc9068';
  const requiredClaims = [...(rfc9068 ? RFC9068_CLAIMS : []), ...(options.requiredClaims ?? [])];
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  requireOption(
    Number.isInteger(maxTokenLength) && maxTokenLength > 0,
    'jwt.maxTokenLength',
    'must be a positive integer',
  );

  async function verify(token: string, now: number): Promise<Outcome<Record<string, unknown>>> {
    if (token.length > maxTokenLength) return refusal('token_too_large', 'The access token is too large');
    const segments = countDots(token) + 1;
    if (segments === 5) return refusal('token_unsupported', 'Encrypted access tokens are not accepted here');
    if (segments !== 3) return refusal('token_malformed', 'The access token is not a JWT');

    const decoded = decodeJwsHeader(token);
    if (!decoded.ok) return decoded;
    const header = decoded.value;
    if (!algorithms.has(header.alg)) {
      return refusal('algorithm_not_allowed', 'The JWT signing algorithm is not allowed');
    }
    if (rfc9068 && !isAccessTokenType(header.typ)) {
      return refusal('token_type_invalid', 'The JWT "typ" header is not "at+jwt"');
    }

    const selector = { alg: header.alg, kid: header.kid };
    const keys: CryptoKey[] = [];
    let unavailable: Failure | undefined;
    for (const source of sources) {
      const found = await source.keysFor(selector, now);
      if (found.ok) keys.push(...found.value);
      else unavailable ??= found.failure;
    }
    if (keys.length === 0) {
      if (unavailable !== undefined) return { ok: false, failure: unavailable };
      return refusal('unknown_key', 'No key of the issuer matches the JWT');
    }

    for (const key of keys) {
      const check = await checkJwsSignature(token, key, header.alg);
      if (check.valid) {
        const payload = parsePayload(check.payload);
        return payload === undefined
          ? refusal('token_malformed', 'The JWT payload is not a JSON object')
          : success(payload);
      }
      if (check.failure !== undefined) return { ok: false, failure: check.failure };
    }
    return refusal('signature_invalid', 'The JWT signature is invalid');
  }

  function checkClaims(info: TokenInfo, now: number): Failure | undefined {
    const claims = info.claims;
    if (info.issuer === undefined || !issuers.has(info.issuer)) {
      return { code: 'issuer_mismatch', description: 'The JWT issuer is not trusted' };
    }
    if (audiences !== undefined && !info.audience.some((aud) => audiences.has(aud))) {
      return { code: 'audience_mismatch', description: 'The JWT is not meant for this resource server' };
    }
    const validity = checkValidityPeriod(info, now, skew, true);
    if (validity !== undefined) return validity;
    for (const claim of requiredClaims) {
      if (!Object.hasOwn(claims, claim) || claims[claim] === undefined)
        return { code: 'claim_missing', description: `The JWT has no "${claim}" claim` };
    }
    return undefined;
  }

  return {
    async resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
      const verified = await verify(token, context.now);
      if (!verified.ok) return verified;
      const info = tokenInfoFromClaims(verified.value, 'jwt');
      const problem = checkClaims(info, context.now);
      return problem === undefined ? success(info) : { ok: false, failure: problem };
    },
  };
}

function allowedAlgorithms(
  configured: readonly string[] | undefined,
  symmetric: boolean,
): ReadonlySet<string> {
  if (configured === undefined) {
    return new Set<string>([...ASYMMETRIC_JWS_ALGORITHMS, ...(symmetric ? SYMMETRIC_JWS_ALGORITHMS : [])]);
  }
  requireOption(
    Array.isArray(configured) && configured.length > 0,
    'jwt.algorithms',
    'must be a non-empty array',
  );
  for (const alg of configured) {
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
      throw new RsConfigError('jwt.algorithms', '"none" is never accepted');
    }
    requireOption(
      SUPPORTED_JWS_ALGORITHMS.has(alg),
      'jwt.algorithms',
      `"${alg}" is not a supported JWS algorithm`,
    );
    requireOption(
      symmetric || !alg.startsWith('HS'),
      'jwt.algorithms',
      `"${alg}" needs a shared secret among the keys (sharedSecret(…) or an "oct" key)`,
    );
  }
  return new Set(configured);
}

function stringSet(
  value: string | readonly string[] | undefined,
  option: string,
  required: boolean,
): Set<string> | undefined {
  if (value === undefined) {
    if (required) throw new RsConfigError(option, 'is required');
    return undefined;
  }
  const list = typeof value === 'string' ? [value] : value;
  requireOption(
    Array.isArray(list) && list.length > 0,
    option,
    'must be a non-empty string or array of strings',
  );
  for (const item of list) {
    requireOption(typeof item === 'string' && item.length > 0, option, 'must contain only non-empty strings');
  }
  return new Set(list);
}

function isAccessTokenType(typ: string | undefined): boolean {
  if (typ === undefined) return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}

function countDots(token: string): number {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  return dots;
}

function parsePayload(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payloadDecoder.decode(bytes));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
