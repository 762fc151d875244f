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
  /** The `WWW-Authenticate` challenge. */
  readonly wwwAuthenticate: string;
  /** Response headers: `www-authenticate`, `cache-control`, `content-type` (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: RejectionBody;
}

/** What the challenge carries besides the failure itself. */
export interface ChallengeSettings {
  readonly realm?: string | undefined;
  readonly errorUri?: string | undefined;
}

/** Turns a stage's {@link Failure} into the response that tells the client. */
export function buildRejection(failure: Failure, settings: ChallengeSettings): Rejection {
  const { status, error } = FAILURES[failure.code];
  const wwwAuthenticate = buildChallenge('Bearer', {
    realm: settings.realm,
    error,
    // A request without any credentials gets a bare challenge (RFC 6750 §3.1).
    errorDescription: error === undefined ? undefined : failure.description,
    errorUri: error === undefined ? undefined : settings.errorUri,
    scope: failure.requiredScopes,
  });
  const body: RejectionBody =
    error === undefined
      ? { error_description: failure.description, code: failure.code }
      : { error, error_description: failure.description, code: failure.code };
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
