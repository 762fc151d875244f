import type { OAuth2Context } from '@rs/core';
import type { AdapterAuthResult } from '@rs/core/adapter';

/**
 * What an authorizer answers for core's decision. API Gateway knows three outcomes: allow, deny (403)
 * and `Unauthorized` (401); every other failure of the authorizer is a 500.
 * - accepted: `allow`;
 * - 403 (insufficient scope, a policy refusal): `deny`;
 * - 400 and 401 (no token, a bad one, a malformed request): `unauthorized`;
 * - 5xx (keys or introspection unavailable): `unavailable`, so that API Gateway answers 500 rather than
 *   blaming the client; never an allow.
 */
export type AuthorizerDecision =
  | { readonly outcome: 'allow'; readonly context: OAuth2Context }
  | { readonly outcome: 'deny'; readonly status: number; readonly code: string }
  | { readonly outcome: 'unauthorized'; readonly status: number; readonly code: string }
  | { readonly outcome: 'unavailable'; readonly status: number; readonly code: string };

export function authorizerDecision(result: AdapterAuthResult<unknown>): AuthorizerDecision {
  if (result.ok) return { outcome: 'allow', context: result.context };
  const { status, code } = result.rejection;
  if (status === 403) return { outcome: 'deny', status, code };
  if (status >= 500) return { outcome: 'unavailable', status, code };
  return { outcome: 'unauthorized', status, code };
}

/**
 * The error a REST API authorizer throws for 401: API Gateway answers 401 only for an error whose
 * message is exactly `Unauthorized`.
 */
export function unauthorized(): Error {
  return new Error('Unauthorized');
}

/** The error an authorizer throws when it cannot decide: API Gateway answers 500, never allows. */
export function authorizerUnavailable(code: string): Error {
  return new Error(`The authorizer cannot decide now (${code})`);
}
