import { ownClaims } from '../claims/own-claim.js';
import { requireOption } from '../config/config-error.js';
import { integerBetween, type OptionRule } from '../config/option-schema.js';
import { stringSetOption } from '../config/option-values.js';
import { refusePatternValue } from '../config/pattern-value.js';
import { sha256Digest } from '../crypto/sha256-digest.js';
import type { ReplayStore } from '../dpop/replay-store.js';
import { isObject } from '../encoding/json-object.js';
import { isNumericDate } from '../encoding/numeric-date.js';
import type { FailureCode } from '../errors/failure.js';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
import { checkComparedIssuer, checkUrlSpelling } from '../http/endpoint-url.js';
import { signedJwtVerifier } from '../jose/signed-jwt-verifier.js';
import { ASYMMETRIC_JWS_ALGORITHMS } from '../keys/algorithms.js';
import { checkAlgorithmsServed } from '../keys/algorithms-served.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';

/**
 * The error codes a Security Event Token recipient answers with (RFC 8935 section 2.4, registered in
 * the "Security Event Token Error Codes" registry; RFC 8936 uses them for `setErrs`).
 */
export type SetErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

/** A verified Security Event Token (RFC 8417): the claims a receiver acts on. */
export interface SecurityEventToken {
  /** `iss`: the transmitter, as configured. */
  readonly issuer: string;
  /** `jti`: the SET's unique ID, acknowledged and checked for replay. */
  readonly jti: string;
  /** `iat`, seconds since the epoch. */
  readonly issuedAt: number;
  /** Event type URI → event payload. At least one. */
  readonly events: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The RFC 9493 subject identifier of the Shared Signals Framework (`sub_id`), when present. */
  readonly subjectId: Readonly<Record<string, unknown>> | undefined;
  /** Every claim, unchanged. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Why a SET was refused: an RFC 8935 error code and a description safe to send back. */
export interface SetRefusal {
  /** The RFC 8935 error code (`err`). */
  readonly err: SetErrorCode;
  /** A sentence for the transmitter (`description`), safe to send back. */
  readonly description: string;
  /** The SET was valid but already received: a poller acknowledges it again instead of reporting it. */
  readonly duplicate?: true | undefined;
}

/**
 * Thrown when the SET could not be checked through no fault of the transmitter (keys or replay store down),
 * with code `ERR_RS_SET_CHECK_UNAVAILABLE`. The push and poll deliveries answer it as a failure to try
 * again; a receiver called directly throws it.
 */
export class SetCheckUnavailableError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/SetCheckUnavailableError';
  override name = 'SetCheckUnavailableError';
  declare readonly code: 'ERR_RS_SET_CHECK_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RS_SET_CHECK_UNAVAILABLE', message, options);
  }
}

export type SetVerification =
  /** `replayKey`: under which the `jti` was remembered in the replay store. */
  | { readonly ok: true; readonly set: SecurityEventToken; readonly replayKey: string }
  | { readonly ok: false; readonly refusal: SetRefusal };

/** How SETs of one transmitter are checked. Durations in milliseconds. */
export interface SecurityEventVerifierOptions {
  /** The transmitter's issuer identifier: `iss` must equal it. */
  readonly issuer: string;
  /** This receiver's identifier(s) at the transmitter: `aud` must contain one. */
  readonly audience: string | readonly string[];
  /** The transmitter's signing keys: `staticJwks({ keys })` or `remoteJwks({ url })` (its `jwks_uri`). */
  readonly keys: VerificationKeySource;
  /** Accepted JWS algorithms. Default: the asymmetric ones (RS, PS, ES, EdDSA). */
  readonly algorithms?: readonly string[] | undefined;
  /**
   * The oldest SET accepted, by its `iat`. SETs carry no `exp` (RFC 8417 section 2.2): this is what
   * bounds how long a stolen SET could be replayed, and how long `jti`s are remembered. Default 5 min;
   * a whole number of milliseconds from 1 minute to 1 day ({@link SET_MAX_AGE_RULE}).
   */
  readonly maxAge?: number | undefined;
  /**
   * Clock difference tolerated on `iat` (and `exp`, `nbf` when present), in milliseconds, unlike
   * `jwtResolver`'s `skewAllowance` in seconds: `skew: 60` is 60 ms. Default 60 000 (60 s), at most
   * 300 000 (5 min).
   */
  readonly skew?: number | undefined;
  /** Where received `jti`s are remembered, so that a SET is acted on once. Shared stores for several instances. */
  readonly replayStore: ReplayStore;
  /**
   * Longest SET accepted, in characters. Default 64 KiB; an integer from 200 (no SET is shorter) to
   * 1 MiB ({@link SET_MAX_LENGTH_RULE}).
   */
  readonly maxLength?: number | undefined;
}

// A minute: a SET takes seconds to arrive, and seconds given for milliseconds (300) fall below it.
const MIN_SET_MAX_AGE_MS = 60_000;
// A day: no access token lives that long, so an older SET revokes nothing still accepted. Well within what
// a replay store takes as a lifetime: Redis refuses an expiry beyond 64 bits, so `1e300` failed every SET.
const MAX_SET_MAX_AGE_MS = 86_400_000;

/**
 * The rule of `maxAge`: whole milliseconds, because the `jti` is remembered for `maxAge` plus twice the
 * skew and a replay store such as Redis (`SET … PX`) takes only a whole number of milliseconds.
 */
export const SET_MAX_AGE_RULE: OptionRule = integerBetween(
  MIN_SET_MAX_AGE_MS,
  MAX_SET_MAX_AGE_MS,
  'milliseconds',
);

/**
 * The fewest characters a SET can have: a header of `typ` and `alg`, a 64-byte signature (ES256, EdDSA)
 * and the least payload that passes (`iss`, `aud`, `iat`, `jti`, one event) make about 235.
 */
export const MIN_SET_LENGTH = 200;
// 1 MiB: a poll answer of the default size could not carry a longer one, and a push body is capped at 64 KiB.
const MAX_SET_LENGTH = 1024 * 1024;

/** The rule of `maxLength`: a limit below {@link MIN_SET_LENGTH} would refuse every SET with a 400. */
export const SET_MAX_LENGTH_RULE: OptionRule = integerBetween(MIN_SET_LENGTH, MAX_SET_LENGTH);

const SECEVENT_TYPES = new Set(['secevent+jwt', 'application/secevent+jwt']);
const MAX_JTI_LENGTH = 256;
const MAX_EVENTS = 16;

/** Refusals of the JWS check, as RFC 8935 error codes. */
const KEY_FAILURES: ReadonlySet<FailureCode> = new Set(['unknown_key', 'signature_invalid']);

/**
 * Checks Security Event Tokens of one transmitter, over options `securityEventReceiver` checked first: a JWS with header `typ` `secevent+jwt` signed by one
 * of the transmitter's keys (never a key named by the SET), `iss` equal to the transmitter, `aud` naming
 * this receiver, `iat` no older than `maxAge` nor in the future, an `exp` (if any) not past, an
 * `events` object, and a `jti` not seen before (remembered for as long as the SET would be accepted).
 */
export function securityEventVerifier(options: SecurityEventVerifierOptions) {
  const option = 'securityEventReceiver';
  requireOption(
    typeof options.issuer === 'string' && options.issuer.length > 0,
    `${option}.issuer`,
    'must be a non-empty string',
  );
  // Compared exactly with the SET's `iss` and `aud`, as `jwtResolver` compares a token's: an identifier
  // with white space, a control character or one the URL parser drops could never be stated.
  checkComparedIssuer(options.issuer, `${option}.issuer`);
  refusePatternValue(
    options.issuer,
    `${option}.issuer`,
    "give the transmitter's issuer as its SETs state it in iss",
  );
  const audiences = stringSetOption(options.audience, `${option}.audience`, true)!;
  for (const audience of audiences) {
    checkUrlSpelling(audience, `${option}.audience`);
    refusePatternValue(audience, `${option}.audience`, 'list each audience as the SETs state it in aud');
  }
  requireOption(
    typeof options.replayStore?.remember === 'function',
    `${option}.replayStore`,
    'must be a replay store such as memoryReplayStore()',
  );
  // The receiver, in the replay key beside the transmitter: APIs of one deployment that share a replay
  // store each receive a SET addressed to all of them, and each must act on it once. Audiences hold no
  // white space (checked above), so a line feed keeps them apart.
  const receiver = [...audiences].sort().join('\n');
  const maxAge = options.maxAge ?? 300_000;
  const skew = options.skew ?? 60_000;
  const maxLength = options.maxLength ?? 64 * 1024;
  const verifier = signedJwtVerifier(options.keys, options.algorithms ?? ASYMMETRIC_JWS_ALGORITHMS, option);
  checkAlgorithmsServed(options.algorithms, [options.keys], `${option}.algorithms`);

  /**
   * `mayActAgain` is asked when the `jti` was remembered already: `true` accepts the copy (its first
   * delivery used up the `jti` but was not acted on whole), `false` refuses it as a duplicate.
   */
  async function verify(
    jwt: string,
    now: number,
    mayActAgain: (replayKey: string) => boolean = () => false,
  ): Promise<SetVerification> {
    if (typeof jwt !== 'string' || jwt.length === 0 || jwt.length > maxLength)
      return refused('invalid_request', 'The SET is missing or too large');
    const verified = await verifier.verify(jwt, now, (header) =>
      header.typ !== undefined && SECEVENT_TYPES.has(header.typ.toLowerCase())
        ? undefined
        : { code: 'token_type_invalid', description: 'The SET header typ is not secevent+jwt' },
    );
    if (!verified.ok) {
      const { code } = verified.failure;
      if (code === 'keys_unavailable')
        throw new SetCheckUnavailableError('The transmitter keys are unavailable');
      if (KEY_FAILURES.has(code))
        return refused('invalid_key', 'The SET signature does not verify with the transmitter keys');
      if (code === 'token_type_invalid')
        return refused('invalid_request', 'The SET header typ is not secevent+jwt');
      return refused('invalid_request', 'The SET is not a well-formed signed JWT');
    }
    const claims = verified.value.claims;
    // Own members only, as ownClaim reads them: a `sub_id` (or `events`, `iss`…) inherited from a polluted
    // Object.prototype is no part of what the transmitter signed, and would revoke another subject's tokens
    // in place of the one it names.
    const {
      iss,
      aud: audience,
      iat,
      exp,
      nbf,
      jti,
      events,
      sub_id: subjectId,
    } = ownClaims(claims, ['iss', 'aud', 'iat', 'exp', 'nbf', 'jti', 'events', 'sub_id'] as const);
    if (iss !== options.issuer) return refused('invalid_issuer', 'The SET issuer is not the transmitter');
    const aud = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : [];
    if (!aud.some((a) => typeof a === 'string' && audiences.has(a)))
      return refused('invalid_audience', 'The SET is not meant for this receiver');
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      return refused('invalid_request', 'The SET has no iat');
    if (iat * 1000 > now + skew) return refused('invalid_request', 'The SET iat is in the future');
    if (iat * 1000 < now - maxAge - skew) return refused('invalid_request', 'The SET is too old');
    // A date that is no number (`"exp": "1700000000"`) is the transmitter's mistake to name as such, not
    // a SET that expired.
    if (exp !== undefined && !isNumericDate(exp))
      return refused('invalid_request', 'The SET exp is not a number');
    if (exp !== undefined && exp * 1000 <= now - skew)
      return refused('invalid_request', 'The SET has expired');
    if (nbf !== undefined && !isNumericDate(nbf))
      return refused('invalid_request', 'The SET nbf is not a number');
    if (nbf !== undefined && nbf * 1000 > now + skew)
      return refused('invalid_request', 'The SET is not yet valid');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
      return refused('invalid_request', 'The SET has no valid jti');
    if (!isObject(events)) return refused('invalid_request', 'The SET has no events object');
    const types = Object.keys(events);
    if (types.length > MAX_EVENTS)
      return refused('invalid_request', `The SET has more than ${MAX_EVENTS} events`);
    if (types.length === 0 || !types.every((type) => isObject(events[type])))
      return refused('invalid_request', 'The SET events are not event objects');
    if (subjectId !== undefined && !isObject(subjectId))
      return refused('invalid_request', 'The SET sub_id is not a subject identifier');
    // Last, so that only a SET that would be acted on uses up its jti. Remembered beyond the last instant
    // its iat keeps it acceptable here (iat + maxAge + skew, inclusive; an older copy is refused as too
    // old), by the skew again for instances sharing the store whose clocks differ by as much, and by a
    // second. Whole milliseconds, as replay stores take them: a skew may be given with a fraction.
    const acceptableForMs = iat * 1000 + maxAge + skew - now;
    const jtiLifetimeMs = Math.max(1, Math.ceil(acceptableForMs)) + Math.ceil(skew) + 1_000;
    const replayKey = `rs:set:${await sha256Digest(`${options.issuer}\n${receiver}\n${jti}`)}`;
    let first: boolean;
    try {
      first = await options.replayStore.remember(replayKey, jtiLifetimeMs);
    } catch (error) {
      throw new SetCheckUnavailableError('The SET replay store is unavailable', { cause: error });
    }
    if (!first && !mayActAgain(replayKey))
      return {
        ok: false,
        refusal: { err: 'invalid_request', description: 'The SET was already received', duplicate: true },
      };
    return {
      ok: true,
      replayKey,
      set: {
        issuer: options.issuer,
        jti,
        issuedAt: iat,
        events: events as SecurityEventToken['events'],
        subjectId: subjectId as SecurityEventToken['subjectId'],
        claims,
      },
    };
  }

  return { verify };
}

function refused(err: SetErrorCode, description: string): SetVerification {
  return { ok: false, refusal: { err, description } };
}
