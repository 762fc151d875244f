import type { OAuth2Context } from '@rs/core';

/** A Lambda authorizer's `context`: API Gateway accepts only string, number and boolean values. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/**
 * The token's claims as an authorizer `context`, which API Gateway hands to the integration
 * (`event.requestContext.authorizer`). Strings, finite numbers and booleans pass as they are; arrays
 * and objects (`aud`, `cnf`, …) become their JSON text; `null` is left out. `claims` picks the claims
 * to pass (default: all). The raw token is never part of it.
 */
export function authorizerContext(
  context: OAuth2Context,
  claims: readonly string[] | undefined,
): AuthorizerContext {
  const flattened: AuthorizerContext = {};
  const source = context.claims;
  for (const name of claims ?? Object.keys(source)) {
    const value = Object.hasOwn(source, name) ? source[name] : undefined;
    if (typeof value === 'string' || typeof value === 'boolean') setEntry(flattened, name, value);
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) setEntry(flattened, name, value);
    } else if (value !== null && value !== undefined) setEntry(flattened, name, JSON.stringify(value));
  }
  return flattened;
}

/**
 * Adds an entry of its own, whatever its name: assigned, a claim named `__proto__` (an own member of
 * parsed JSON like any other) would try to set the context's prototype, and never reach the integration.
 */
function setEntry(context: AuthorizerContext, name: string, value: string | number | boolean): void {
  Object.defineProperty(context, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The `principalId` of an IAM policy answer: the token's subject, else its client, else `anonymous`
 * (a refusal before any token was understood).
 */
export function principalOf(context: OAuth2Context | undefined): string {
  return context?.subject ?? context?.clientId ?? 'anonymous';
}
