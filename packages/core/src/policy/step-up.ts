import { ownClaim } from '../claims/own-claim.js';
import { RsConfigError } from '../config/config-error.js';
import { MAX_SKEW_SECONDS } from '../config/option-schema.js';
import type { Failure } from '../errors/failure.js';
import type { TokenInfo } from '../token-info.js';

/**
 * What a route demands of the login behind a token (RFC 9470): how it was made (`acr`) and how long ago
 * (`auth_time`). A token that falls short is genuine, so the answer is 401
 * `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge, telling the client
 * what to ask the authorization server for. Read from JWT claims and introspection answers alike.
 */
export interface StepUpRequirement {
  /** The token's `acr` must be one of these (exact, case-sensitive). */
  readonly acrValues?: readonly string[];
  /**
   * The token's `auth_time` must be at most this many seconds ago (a whole number, at least 1). A token
   * without `auth_time` falls short.
   */
  readonly maxAge?: number;
}

// RFC 9470 §3 sends acr values space-separated inside a quoted parameter: no spaces, quotes or controls.
const ACR_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Throws an {@link RsConfigError} naming `option` when a step-up demand cannot work. */
export function validateStepUp(requirement: StepUpRequirement, option: string): void {
  const { acrValues, maxAge } = requirement;
  if (acrValues !== undefined) {
    if (!Array.isArray(acrValues) || acrValues.length === 0)
      throw new RsConfigError(`${option}.acrValues`, 'must be a non-empty array of acr values');
    for (const value of acrValues) {
      if (typeof value !== 'string' || !ACR_VALUE.test(value))
        throw new RsConfigError(`${option}.acrValues`, `${JSON.stringify(value)} is not a valid acr value`);
    }
  }
  // 0 is refused: a login always lies some time before the request that uses its token, so no token could
  // ever pass, and every client would be sent to log in again forever.
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 1)) {
    throw new RsConfigError(
      `${option}.maxAge`,
      `must be a positive integer number of seconds${maxAgeHint(maxAge)}`,
    );
  }
}

/** What is wrong with a refused `maxAge`, beyond not being a positive integer. */
function maxAgeHint(maxAge: unknown): string {
  if (maxAge === 0) return ' (0 could never be met: a login is always some time before the request)';
  // Read from an environment variable or a file without Number(): "300" is no number of seconds.
  if (typeof maxAge === 'string') return ', not a string: convert it with Number()';
  return '';
}

/**
 * The refusal for a token whose authentication does not meet `requirement`, or `undefined`. `now` is in
 * milliseconds since the epoch.
 */
export function checkStepUp(
  requirement: StepUpRequirement,
  token: TokenInfo,
  now: number,
): Failure | undefined {
  const { acrValues, maxAge } = requirement;
  if (acrValues === undefined && maxAge === undefined) return undefined;
  let description: string | undefined;
  if (acrValues !== undefined) {
    // The token's own claim: an `acr` inherited from a polluted Object.prototype would meet the demand.
    const acr = ownClaim(token.claims, 'acr');
    if (typeof acr !== 'string' || !acrValues.includes(acr))
      description =
        'The authentication context class of the access token is not sufficient for this resource';
  }
  if (description === undefined && maxAge !== undefined) {
    const authTime = ownClaim(token.claims, 'auth_time');
    if (typeof authTime !== 'number' || !Number.isFinite(authTime))
      description = 'The access token does not say when the user authenticated';
    else if (now / 1000 - authTime > maxAge)
      description = 'The user authenticated too long ago for this resource';
    else if (!possibleLoginTime(authTime, token, now))
      description = 'The access token says the user authenticated at a time still to come';
  }
  if (description === undefined) return undefined;
  return { code: 'insufficient_user_authentication', description, acrValues, maxAge };
}

/**
 * A step-up refusal of one policy, asking for what the server-wide policy and the route's both demand
 * (RFC 9470 §3): the `acr` values both accept and the shorter `max_age`. Naming one policy's demand alone
 * would send the client to log in again only to be refused by the other: `acr_values="urn:mfa urn:hwk"`
 * from the server-wide policy when the route takes `urn:hwk` only, or no `max_age` when the route sets
 * one. When the two accept no `acr` in common no login satisfies both, and the refusal keeps its own values.
 */
export function withLoginOfBoth(
  denied: Failure,
  serverPolicy: StepUpRequirement | undefined,
  routePolicy: StepUpRequirement | undefined,
): Failure {
  const acrValues = acrValuesOfBoth(serverPolicy?.acrValues, routePolicy?.acrValues) ?? denied.acrValues;
  const ages = [serverPolicy?.maxAge, routePolicy?.maxAge].filter((age) => age !== undefined);
  const maxAge = ages.length === 0 ? undefined : Math.min(...ages);
  return { ...denied, acrValues, maxAge };
}

/** The acr values both lists accept, in the first list's order; `undefined` when they share none. */
function acrValuesOfBoth(
  first: readonly string[] | undefined,
  second: readonly string[] | undefined,
): readonly string[] | undefined {
  if (first === undefined || second === undefined) return first ?? second;
  const shared = first.filter((value) => second.includes(value));
  return shared.length === 0 ? undefined : shared;
}

/**
 * Whether `auth_time` can be when the user logged in: a login precedes the token issued for it, so not
 * after the token's `iat` (both stamped by the authorization server's clock), and, against this server's
 * clock, not further ahead than the largest clock skew any setting allows. A later one says nothing about
 * how recent the login was; taken as it is, it would meet every `maxAge`.
 */
function possibleLoginTime(authTime: number, token: TokenInfo, now: number): boolean {
  if (token.issuedAt !== undefined && authTime > token.issuedAt) return false;
  return authTime <= now / 1000 + MAX_SKEW_SECONDS;
}
