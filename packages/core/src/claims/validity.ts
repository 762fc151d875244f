import { type Failure, failure } from '../errors/failure.js';
import type { TokenInfo } from '../token-info.js';

/**
 * Checks `exp`, `nbf` and `iat` against the clock with a skew allowance, as ForgeRock Identity Gateway's resolver does:
 * with 2 minutes of skew, a token issued at 12:00 is valid from 11:58 and one expiring at 13:00 is
 * refused from 13:02. Values that are present but not numbers are refused.
 */
export function checkValidityPeriod(
  info: TokenInfo,
  nowMs: number,
  skewSeconds: number,
  requireExpiry: boolean,
): Failure | undefined {
  // Own members, as tokenInfoFromClaims reads them (written out: fixed names load faster than ownClaim's).
  const claims = info.claims;
  const exp = Object.hasOwn(claims, 'exp') ? claims.exp : undefined;
  const nbf = Object.hasOwn(claims, 'nbf') ? claims.nbf : undefined;
  const iat = Object.hasOwn(claims, 'iat') ? claims.iat : undefined;
  // A resolver of the application's own may build TokenInfo by hand: a time that is no finite number
  // (a string, NaN, a Date) would compare as never expired.
  if (!isTime(info.expiresAt) || !isTime(info.notBefore) || !isTime(info.issuedAt))
    return failure('claim_invalid', 'The access token validity period is not in numbers');
  if (exp !== undefined && info.expiresAt === undefined)
    return failure('claim_invalid', 'The "exp" claim is not a number');
  if (nbf !== undefined && info.notBefore === undefined)
    return failure('claim_invalid', 'The "nbf" claim is not a number');
  if (iat !== undefined && info.issuedAt === undefined)
    return failure('claim_invalid', 'The "iat" claim is not a number');
  // The times are read from the claims (tokenInfoFromClaims); a TokenInfo built by hand that says
  // otherwise (an `expiresAt` ahead of a past `exp`) is judged by neither: it is refused.
  if (
    (exp !== undefined && info.expiresAt !== exp) ||
    (nbf !== undefined && info.notBefore !== nbf) ||
    (iat !== undefined && info.issuedAt !== iat)
  )
    return failure('claim_invalid', 'The access token validity period disagrees with its claims');
  const now = nowMs / 1000;
  if (info.expiresAt === undefined) {
    if (requireExpiry) return failure('claim_missing', 'The access token has no expiry ("exp")');
  } else if (now >= info.expiresAt + skewSeconds) {
    return failure('token_expired', 'The access token expired');
  }
  if (info.notBefore !== undefined && now + skewSeconds < info.notBefore) {
    return failure('token_not_yet_valid', 'The access token is not valid yet');
  }
  if (info.issuedAt !== undefined && now + skewSeconds < info.issuedAt) {
    return failure('token_not_yet_valid', 'The access token was issued in the future');
  }
  return undefined;
}

function isTime(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}
