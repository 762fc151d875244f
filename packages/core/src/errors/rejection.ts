import { buildChallenge, type ChallengeParams } from './challenge.js';
import { FAILURES, type Failure, type FailureCode, type OAuthErrorCode } from './failure.js';

/** The JSON body sent with a rejection: small, and free of anything the client sent. */
export interface RejectionBody {
  /** The OAuth error code, absent when no credentials were sent at all. */
  readonly error?: OAuthErrorCode | undefined;
  /** What failed, in a sentence free of anything the client sent. */
  readonly error_description: string;
  /** The stable {@link FailureCode}, to quote when asking an API's operators for help. */
  readonly code: FailureCode;
}

/**
 * A refused request, ready to send: adapters copy `status`, `headers` and `body` to their response and
 * add nothing of their own.
 */
export interface Rejection {
  /** The HTTP status: the code's in {@link FAILURES} (401, 400, 403 or 503), unless `failureResponses` set another. */
  readonly status: number;
  /** The stable {@link FailureCode}, for logs, metrics and support. */
  readonly code: FailureCode;
  /** The OAuth error code, absent when no credentials were sent at all. */
  readonly error: OAuthErrorCode | undefined;
  /** The `error_description`: what failed, never the token or a value the client chose. */
  readonly description: string;
  /**
   * The `WWW-Authenticate` value: one challenge, or `Bearer …, DPoP …` when both schemes are accepted
   * (RFC 9110 §11.6.1 lets one field list several). Absent on 503, where the token could not be checked
   * at all and no credentials would help.
   */
  readonly wwwAuthenticate: string | undefined;
  /** The same challenges one by one, for a server that prefers a header line each. Empty on 503. */
  readonly challenges: readonly string[];
  /**
   * Response headers (lower case): `www-authenticate` (not on 503), `dpop-nonce` (with `use_dpop_nonce`),
   * `cache-control`, `content-type`. Every value is one string.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body to send (`error`, `error_description`, `code`); see `bodyText` when it was replaced. */
  readonly body: RejectionBody;
  /**
   * Set when the application's `failureResponses` replaced the body: the exact text to send instead of
   * `body` as JSON. `body` still describes the failure, for logs and error middleware.
   */
  readonly bodyText?: string | undefined;
}

/** What every challenge carries besides the failure itself. */
export interface ChallengeSettings {
  /** The `realm` of every challenge; none when absent. */
  readonly realm?: string | undefined;
  /** The `error_uri` of every challenge that carries an error; none when absent. */
  readonly errorUri?: string | undefined;
  /**
   * Set when DPoP is accepted: the proof algorithms, for the `DPoP algs="…"` challenge offered beside
   * the Bearer one.
   */
  readonly dpopAlgorithms?: readonly string[] | undefined;
  /**
   * The URL of the resource's RFC 9728 metadata document, sent as `resource_metadata` in every
   * challenge (RFC 9728 §5.1) so that a client can find the authorization server to ask.
   */
  readonly resourceMetadata?: string | undefined;
}

/** What the refused request presented, and what its route accepts. */
export interface RejectionContext {
  /** The scheme the token came with: that scheme's challenge carries the error. */
  readonly scheme?: 'Bearer' | 'DPoP' | undefined;
  /** `false` when the route accepts DPoP only, so no Bearer challenge is offered. Default `true`. */
  readonly bearer?: boolean | undefined;
  /** A nonce for the `DPoP-Nonce` header (RFC 9449 §9). */
  readonly dpopNonce?: string | undefined;
}

const UNAVAILABLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-type': 'application/json',
});
const NO_CHALLENGES: readonly string[] = Object.freeze([]);

/**
 * Turns a stage's {@link Failure} into the response that tells the client. With DPoP accepted, both
 * challenges are offered (RFC 9449 §7.2): the error goes into the one of the scheme the client used, or
 * into the DPoP one for a proof problem.
 */
export function buildRejection(
  failure: Failure,
  settings: ChallengeSettings,
  context: RejectionContext = {},
): Rejection {
  const { status, error } = FAILURES[failure.code];
  const body: RejectionBody =
    error === undefined
      ? { error_description: failure.description, code: failure.code }
      : { error, error_description: failure.description, code: failure.code };
  const base = { status, code: failure.code, error, description: failure.description, body };
  if (status >= 500) {
    return { ...base, wwwAuthenticate: undefined, challenges: NO_CHALLENGES, headers: UNAVAILABLE_HEADERS };
  }
  const challenges = buildChallenges(failure, error, settings, context);
  const wwwAuthenticate = challenges.join(', ');
  const headers: Record<string, string> = { 'www-authenticate': wwwAuthenticate };
  if (context.dpopNonce !== undefined) headers['dpop-nonce'] = context.dpopNonce;
  headers['cache-control'] = 'no-store';
  headers['content-type'] = 'application/json';
  return { ...base, wwwAuthenticate, challenges, headers };
}

function buildChallenges(
  failure: Failure,
  error: OAuthErrorCode | undefined,
  settings: ChallengeSettings,
  context: RejectionContext,
): string[] {
  const dpop = settings.dpopAlgorithms !== undefined;
  const bearer = context.bearer !== false || !dpop;
  const errorScheme = schemeOfError(error, context.scheme, bearer);
  const plain: ChallengeParams = { realm: settings.realm, resourceMetadata: settings.resourceMetadata };
  const withError: ChallengeParams = {
    realm: settings.realm,
    error,
    // A request without any credentials gets a bare challenge (RFC 6750 §3.1).
    errorDescription: error === undefined ? undefined : failure.description,
    errorUri: error === undefined ? undefined : settings.errorUri,
    scope: failure.requiredScopes,
    acrValues: failure.acrValues,
    maxAge: failure.maxAge,
    resourceMetadata: settings.resourceMetadata,
  };
  const challenges: string[] = [];
  if (bearer) challenges.push(buildChallenge('Bearer', errorScheme === 'Bearer' ? withError : plain));
  if (dpop || errorScheme === 'DPoP') {
    const params = errorScheme === 'DPoP' ? withError : plain;
    challenges.push(buildChallenge('DPoP', { ...params, algs: settings.dpopAlgorithms }));
  }
  return challenges;
}

function schemeOfError(
  error: OAuthErrorCode | undefined,
  presented: 'Bearer' | 'DPoP' | undefined,
  bearer: boolean,
): 'Bearer' | 'DPoP' {
  if (error === 'invalid_dpop_proof' || error === 'use_dpop_nonce') return 'DPoP';
  if (presented === 'DPoP' || !bearer) return 'DPoP';
  return 'Bearer';
}
