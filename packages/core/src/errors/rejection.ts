import { buildChallenge } from './challenge.js';
import { FAILURES, type Failure, type FailureCode, type OAuthErrorCode } from './failure.js';

/** The JSON body sent with a rejection: small, and free of anything the client sent. */
export interface RejectionBody {
  readonly error?: OAuthErrorCode;
  readonly error_description: string;
  /** The stable {@link FailureCode}, to quote when asking an API's operators for help. */
  readonly code: FailureCode;
}

/**
 * A refused request, ready to send: adapters copy `status`, `headers` and `body` to their response and
 * add nothing of their own.
 */
export interface Rejection {
  readonly status: number;
  readonly code: FailureCode;
  /** The RFC 6750 error code, absent when no credentials were sent at all. */
  readonly error: OAuthErrorCode | undefined;
  readonly description: string;
  /**
   * The `WWW-Authenticate` challenge; absent on 503, where the token could not be checked at all and no
   * credentials would help.
   */
  readonly wwwAuthenticate: string | undefined;
  /** Response headers: `www-authenticate` (not on 503), `cache-control`, `content-type` (lower case). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: RejectionBody;
}

/** What the challenge carries besides the failure itself. */
export interface ChallengeSettings {
  readonly realm?: string | undefined;
  readonly errorUri?: string | undefined;
}

const UNAVAILABLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-type': 'application/json',
});

/** Turns a stage's {@link Failure} into the response that tells the client. */
export function buildRejection(failure: Failure, settings: ChallengeSettings): Rejection {
  const { status, error } = FAILURES[failure.code];
  const body: RejectionBody =
    error === undefined
      ? { error_description: failure.description, code: failure.code }
      : { error, error_description: failure.description, code: failure.code };
  if (status >= 500) {
    return {
      status,
      code: failure.code,
      error,
      description: failure.description,
      wwwAuthenticate: undefined,
      headers: UNAVAILABLE_HEADERS,
      body,
    };
  }
  const wwwAuthenticate = buildChallenge('Bearer', {
    realm: settings.realm,
    error,
    // A request without any credentials gets a bare challenge (RFC 6750 §3.1).
    errorDescription: error === undefined ? undefined : failure.description,
    errorUri: error === undefined ? undefined : settings.errorUri,
    scope: failure.requiredScopes,
  });
  return {
    status,
    code: failure.code,
    error,
    description: failure.description,
    wwwAuthenticate,
    headers: {
      'www-authenticate': wwwAuthenticate,
      'cache-control': 'no-store',
      'content-type': 'application/json',
    },
    body,
  };
}
