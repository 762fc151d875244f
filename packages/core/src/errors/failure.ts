/**
 * Why a request was refused. Every code is stable: applications may switch on it, log it and count it.
 * The table below fixes, once, the HTTP status and RFC 6750 error each code answers with.
 */
export const FAILURES = {
  // No credentials at all: 401 with a bare challenge and no error code (RFC 6750 §3.1).
  token_missing: { status: 401, error: undefined },

  // The request itself is malformed (RFC 6750 §3.1 invalid_request).
  multiple_token_methods: { status: 400, error: 'invalid_request' },
  malformed_authorization: { status: 400, error: 'invalid_request' },
  https_required: { status: 400, error: 'invalid_request' },

  // The token does not grant access (RFC 6750 §3.1 invalid_token).
  token_malformed: { status: 401, error: 'invalid_token' },
  token_too_large: { status: 401, error: 'invalid_token' },
  token_unsupported: { status: 401, error: 'invalid_token' },
  algorithm_not_allowed: { status: 401, error: 'invalid_token' },
  critical_header_unsupported: { status: 401, error: 'invalid_token' },
  unknown_key: { status: 401, error: 'invalid_token' },
  signature_invalid: { status: 401, error: 'invalid_token' },
  decryption_failed: { status: 401, error: 'invalid_token' },
  token_type_invalid: { status: 401, error: 'invalid_token' },
  token_expired: { status: 401, error: 'invalid_token' },
  token_not_yet_valid: { status: 401, error: 'invalid_token' },
  issuer_mismatch: { status: 401, error: 'invalid_token' },
  audience_mismatch: { status: 401, error: 'invalid_token' },
  claim_missing: { status: 401, error: 'invalid_token' },
  claim_invalid: { status: 401, error: 'invalid_token' },
  confirmation_unsupported: { status: 401, error: 'invalid_token' },

  // Sender-constrained tokens (RFC 8705, RFC 9449): the request does not prove possession of the key.
  certificate_missing: { status: 401, error: 'invalid_token' },
  certificate_mismatch: { status: 401, error: 'invalid_token' },
  certificate_invalid: { status: 401, error: 'invalid_token' },
  certificate_header_invalid: { status: 401, error: 'invalid_token' },
  // A certificate header arrived where trusted proxies are listed, and the adapter knows no peer address.
  certificate_header_untrusted: { status: 401, error: 'invalid_token' },
  dpop_bound_token_as_bearer: { status: 401, error: 'invalid_token' },
  dpop_key_mismatch: { status: 401, error: 'invalid_token' },
  jwk_confirmation_failed: { status: 401, error: 'invalid_token' },
  sender_constraint_required: { status: 401, error: 'invalid_token' },

  // The DPoP proof itself is wrong (RFC 9449 §7.1: invalid_dpop_proof for a proof that fails a check of
  // §4.3, the first of which is "not more than one DPoP HTTP request header field"): challenged with the
  // DPoP scheme.
  dpop_proof_multiple: { status: 401, error: 'invalid_dpop_proof' },
  dpop_proof_missing: { status: 401, error: 'invalid_dpop_proof' },
  dpop_proof_invalid: { status: 401, error: 'invalid_dpop_proof' },
  dpop_htm_mismatch: { status: 401, error: 'invalid_dpop_proof' },
  dpop_htu_mismatch: { status: 401, error: 'invalid_dpop_proof' },
  dpop_iat_invalid: { status: 401, error: 'invalid_dpop_proof' },
  dpop_ath_mismatch: { status: 401, error: 'invalid_dpop_proof' },
  dpop_replayed: { status: 401, error: 'invalid_dpop_proof' },
  dpop_nonce_required: { status: 401, error: 'use_dpop_nonce' },

  // The authorization server said the token is not active (revoked, expired, unknown).
  token_inactive: { status: 401, error: 'invalid_token' },
  // A revocation feed named the token (by itself, its jti, subject, client or session) after it was issued.
  token_revoked: { status: 401, error: 'invalid_token' },

  // The token could not be checked through no fault of the client: fail closed with 503, no challenge.
  introspection_unavailable: { status: 503, error: undefined },
  introspection_misconfigured: { status: 503, error: undefined },
  keys_unavailable: { status: 503, error: undefined },
  replay_check_unavailable: { status: 503, error: undefined },

  // The token is valid but does not carry enough privilege (RFC 6750 §3.1 insufficient_scope).
  insufficient_scope: { status: 403, error: 'insufficient_scope' },
  claim_check_failed: { status: 403, error: 'insufficient_scope' },

  // The token is valid but the login behind it is too weak or too old for the route (RFC 9470).
  insufficient_user_authentication: { status: 401, error: 'insufficient_user_authentication' },
} as const satisfies Record<string, { status: number; error: OAuthErrorCode | undefined }>;

/** The error codes of RFC 6750 §3.1, RFC 9449 §7.1 and §9 and RFC 9470 §3 that a resource server answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication';

/** A stable reason for refusing a request; see {@link FAILURES} for its status and OAuth error. */
export type FailureCode = keyof typeof FAILURES;

/**
 * Why a stage refused: a stable code and a sentence for the `error_description`. The description must
 * never contain the token or claim values chosen by the client; it says what failed, not with what.
 */
export interface Failure {
  /** Why, as a stable code; {@link FAILURES} gives its status and OAuth error. */
  readonly code: FailureCode;
  /** The `error_description`: what failed, never the token or a value the client chose. */
  readonly description: string;
  /** For `insufficient_scope`: the scopes the route requires, sent back in the challenge's `scope`. */
  readonly requiredScopes?: readonly string[] | undefined;
  /** For `insufficient_user_authentication`: the `acr` values that would do, for `acr_values` (RFC 9470 §3). */
  readonly acrValues?: readonly string[] | undefined;
  /** For `insufficient_user_authentication`: the maximum authentication age in seconds, for `max_age`. */
  readonly maxAge?: number | undefined;
}

/** Builds a {@link Failure}. */
export function failure(code: FailureCode, description: string): Failure {
  return { code, description };
}

/** Either a value or the failure that prevented it. */
export type Outcome<T> =
  | {
      readonly ok: true;
      /** The value the step produced. */
      readonly value: T;
    }
  | {
      readonly ok: false;
      /** Why the step refused. */
      readonly failure: Failure;
    };

/** A successful {@link Outcome}. */
export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

/** A failed {@link Outcome}. */
export function refusal<T = never>(code: FailureCode, description: string): Outcome<T> {
  return { ok: false, failure: { code, description } };
}
