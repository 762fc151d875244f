import type { AccessPolicy } from '@rs/core';

/**
 * How an authorizer answers.
 *
 * @example
 * ```ts
 * import type { AuthorizerSettings } from '@rs/lambda';
 * const settings: AuthorizerSettings = { policy: { scopes: ['read'] }, contextClaims: ['sub', 'scope'] };
 * ```
 */
export interface AuthorizerSettings {
  /** What every request must satisfy on top of the server-wide policy. Checked when the authorizer is built. */
  readonly policy?: AccessPolicy;
  /**
   * The claims passed to the integration in the authorizer `context` (arrays and objects as JSON text).
   * Default: every claim of the token. The raw token is never passed.
   */
  readonly contextClaims?: readonly string[] | undefined;
  /**
   * What an IAM policy answer allows or denies: `'method'` (default), the invoked method or route only;
   * `'stage'`, every method of the stage. API Gateway caches an answer per token (REST API TOKEN
   * authorizers do by default, for 300 s) and applies it to the other routes the same token calls:
   * with caching on, use `'stage'` and one authorizer per policy, or the cached Allow of one route
   * is what the next route gets.
   */
  readonly policyScope?: 'method' | 'stage' | undefined;
}
