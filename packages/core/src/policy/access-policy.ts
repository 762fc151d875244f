import { RsConfigError } from '../config/config-error.js';
import {
  anyValue,
  checkOptions,
  isPlainObject,
  type OptionSchema,
  objectWith,
  oneOf,
  refuseGivenUndefined,
  requirementList,
} from '../config/option-schema.js';
import {
  SENDER_CONSTRAINTS,
  type SenderConstraint,
  senderConstraintOption,
} from '../confirmation/confirmation-method.js';
import type { Failure } from '../errors/failure.js';
import type { RsRequest } from '../request.js';
import type { TokenInfo } from '../token-info.js';
import type { ClaimCheck } from './claim-checks.js';
import {
  isAnyOf,
  missingScopes,
  namedScopes,
  type ScopeRequirement,
  type StaticScopeRequirement,
  validateScopeRequirement,
} from './scopes.js';
import { checkStepUp, type StepUpRequirement, validateStepUp, withLoginOfBoth } from './step-up.js';
import { asynchronousAnswer, isAsyncFunction, isThenable, SYNCHRONOUS } from './synchronous-answer.js';

/**
 * What a request must satisfy once its token is valid. A resource server has one for every route, and a
 * route may add its own: both apply, so a route can never drop a server-wide requirement.
 */
export interface AccessPolicy extends StepUpRequirement {
  /**
   * Required scopes; a failure answers 403 `insufficient_scope` with `scope="…"`: the scopes needed to
   * access the resource (RFC 6750 §3). When the server-wide policy and the route's both require scopes,
   * that is what both need, whichever of them failed: the server-wide policy's scopes, then the route's,
   * each named once (every alternative of an `{ anyOf }`, as its own refusal names them). A client that
   * asks its authorization server for exactly those gets a token that passes both.
   */
  readonly scopes?: ScopeRequirement;
  /**
   * Conditions on claims; a failure answers 403 `insufficient_scope`. A check passes only when its `test`
   * returns `true`; an `async` test is refused, and a promise returned throws an `RsConfigError`. An empty
   * list is refused, as an empty scope list is: it would require nothing (leave `claims` out instead).
   */
  readonly claims?: readonly ClaimCheck[];
  /**
   * Accept only sender-constrained tokens: `'mtls'` certificate-bound (RFC 8705), `'dpop'` DPoP-bound
   * (RFC 9449), `'any'` either. Checked in the confirm stage; a failure answers 401 `invalid_token`.
   */
  readonly requireSenderConstrained?: SenderConstraint;
}

/** The rules of {@link AccessPolicy}: `{ scope: [...] }` for `scopes` is refused, never read as no requirement. */
export const ACCESS_POLICY_OPTIONS: OptionSchema<AccessPolicy> = {
  // Lists, { allOf }, { anyOf } or a function: validateScopeRequirement checks each form.
  scopes: anyValue,
  // `claims: verifyClaims(JSON.parse(process.env.X ?? '[]'))` with X unset would otherwise require nothing.
  claims: requirementList(
    objectWith('a claim check such as claimEquals(…)', 'test'),
    'a list of claim checks needs at least one check (an empty one requires nothing; leave claims out for a route that requires none)',
  ),
  requireSenderConstrained: oneOf(...SENDER_CONSTRAINTS),
  acrValues: anyValue,
  maxAge: anyValue,
};

/**
 * Throws an {@link RsConfigError} naming `option` when the policy cannot work. Returns the policy as it
 * was checked: a frozen copy, each member read once, so that changing the object afterwards (or a getter
 * answering differently later) cannot loosen what was checked. The pipeline applies the copy.
 */
export function validateAccessPolicy<P extends AccessPolicy | undefined>(policy: P, option: string): P {
  if (policy === undefined) return policy;
  const settled = settledCopy(policy, option);
  checkOptions(settled, ACCESS_POLICY_OPTIONS, option);
  // `scopes: process.env.SCOPES?.split(' ')` with the variable unset would otherwise require nothing.
  for (const member of Object.keys(settled))
    refuseGivenUndefined(
      settled,
      member,
      `${option}.${member}`,
      'is undefined: a requirement that failed to load? Leave the member out for a route without it',
    );
  checkSettledPolicy(settled, option);
  return Object.freeze(settled) as P;
}

function checkSettledPolicy(policy: AccessPolicy, option: string): void {
  if (policy.scopes !== undefined) validateScopeRequirement(policy.scopes, `${option}.scopes`);
  senderConstraintOption(policy.requireSenderConstrained, `${option}.requireSenderConstrained`);
  validateStepUp(policy, option);
  // checkOptions has made `claims` an array of objects with a `test` method.
  policy.claims?.forEach((check, index) => {
    // Its promise would be truthy whatever it resolves to: refused now, not found at the first request.
    if (isAsyncFunction(check.test)) throw new RsConfigError(`${option}.claims[${index}].test`, SYNCHRONOUS);
    // It is the refusal's error_description: without one, clients would read "The access token undefined".
    if (typeof check.description !== 'string' || check.description.trim() === '')
      throw new RsConfigError(
        `${option}.claims[${index}].description`,
        'must say what the check requires, such as claim "tenant" must equal "acme" (it is the refusal\'s error_description)',
      );
  });
}

// Lists and objects nested deeper than a policy's own ({ allOf: [...] }) are left as they are: the
// checks refuse them anyway.
const MAX_SETTLED_DEPTH = 3;

/**
 * The policy's own members read once into a new object, its lists and plain objects copied and frozen.
 * Claim checks and functions are code, kept as they are; only the list holding the checks is copied. A
 * hole in a list becomes `undefined`, which the checks then refuse.
 */
function settledCopy(policy: object, option: string): Record<string, unknown> {
  if (!isPlainObject(policy)) throw new RsConfigError(option, 'must be a plain object');
  const copy: Record<string, unknown> = {};
  for (const member of Object.keys(policy)) {
    const value: unknown = (policy as Record<string, unknown>)[member];
    copyMember(
      copy,
      member,
      member === 'claims' && Array.isArray(value) ? Object.freeze(Array.from(value)) : frozenData(value, 1),
    );
  }
  return copy;
}

/**
 * Sets `copy[member]` as an own member, whatever its name. An assignment to a member named `__proto__`
 * (which `JSON.parse` makes an own member of a policy read from a file) would set the copy's prototype
 * instead: `{ "scopes": { "__proto__": { "anyOf": ["read"] } } }` would lose the name the checks refuse
 * as an unknown option, and pass its contents off as inherited members.
 */
function copyMember(copy: Record<string, unknown>, member: string, value: unknown): void {
  Object.defineProperty(copy, member, { value, enumerable: true, writable: true, configurable: true });
}

function frozenData(value: unknown, depth: number): unknown {
  if (depth > MAX_SETTLED_DEPTH) return value;
  if (Array.isArray(value))
    return Object.freeze(Array.from(value, (entry: unknown) => frozenData(entry, depth + 1)));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copyMember(copy, key, frozenData(value[key], depth + 1));
  return Object.freeze(copy);
}

/**
 * Checks the server-wide policy, then the route's, against a valid token, and answers the first
 * requirement that fails: scopes, then the login behind it (RFC 9470), then claims, of each policy in
 * turn. `now` is in milliseconds since the epoch. A claim check passes only when its test returns `true`.
 * A computed requirement or a claim check that answers with a promise (or a computed requirement that
 * returns nonsense) is a bug in the application: an `RsConfigError` is thrown, the request never passes.
 *
 * A scope refusal names the scopes of both policies (see {@link AccessPolicy.scopes}): naming only those
 * of the policy that failed would send a client for a token the other one refuses. Each policy's
 * requirement is computed at most once per request, and the other policy's only for a refusal. A step-up
 * refusal likewise asks for the login both policies demand (see {@link withLoginOfBoth}).
 */
export function checkAccessPolicies(
  serverPolicy: AccessPolicy | undefined,
  routePolicy: AccessPolicy | undefined,
  token: TokenInfo,
  request: RsRequest,
  now: number,
): Failure | undefined {
  const serverScopes = serverPolicy === undefined ? undefined : requiredScopes(serverPolicy, request, token);
  if (serverPolicy !== undefined) {
    const denied = checkAccessPolicy(serverPolicy, serverScopes, token, now);
    if (denied?.code === 'insufficient_user_authentication')
      return withLoginOfBoth(denied, serverPolicy, routePolicy);
    if (denied !== undefined) {
      if (denied.code !== 'insufficient_scope' || routePolicy?.scopes === undefined) return denied;
      return withScopesOfBoth(denied, serverScopes, scopesForChallenge(routePolicy, request, token));
    }
  }
  if (routePolicy === undefined) return undefined;
  const routeScopes = requiredScopes(routePolicy, request, token);
  const denied = checkAccessPolicy(routePolicy, routeScopes, token, now);
  if (denied?.code === 'insufficient_user_authentication')
    return withLoginOfBoth(denied, serverPolicy, routePolicy);
  if (denied?.code !== 'insufficient_scope' || serverScopes === undefined) return denied;
  return withScopesOfBoth(denied, serverScopes, routeScopes);
}

/** The scope requirement of a policy for this request, computed when it is a function; none without one. */
function requiredScopes(
  policy: AccessPolicy,
  request: RsRequest,
  token: TokenInfo,
): StaticScopeRequirement | undefined {
  const requirement = policy.scopes;
  if (typeof requirement !== 'function') return requirement;
  const computed = requirement(request, token);
  // A computed requirement is application code: a wrong result is a bug, reported as such.
  validateScopeRequirement(computed, 'policy.scopes (computed)', true);
  return computed;
}

/**
 * The route's scope requirement, computed only to name it in a refusal the server-wide policy already
 * decided: `undefined` when a computed requirement throws or answers something invalid for this request.
 * A route's function may rely on what the server-wide policy admits (`claims.org.id` on a token that has
 * an `org`); for a request refused before the route would ever have been asked, its failure must not
 * turn a 403 into an error, so the refusal names the server-wide scopes alone.
 */
function scopesForChallenge(
  routePolicy: AccessPolicy,
  request: RsRequest,
  token: TokenInfo,
): StaticScopeRequirement | undefined {
  try {
    return requiredScopes(routePolicy, request, token);
  } catch {
    return undefined;
  }
}

/** A scope refusal naming what both policies require: the server-wide scopes first, none twice. */
function withScopesOfBoth(
  denied: Failure,
  serverScopes: StaticScopeRequirement | undefined,
  routeScopes: StaticScopeRequirement | undefined,
): Failure {
  const named = new Set([...namedScopes(serverScopes), ...namedScopes(routeScopes)]);
  return { ...denied, requiredScopes: [...named] };
}

/** Checks one policy, its scope requirement already computed for this request: the first failure. */
function checkAccessPolicy(
  policy: AccessPolicy,
  scopes: StaticScopeRequirement | undefined,
  token: TokenInfo,
  now: number,
): Failure | undefined {
  if (scopes !== undefined) {
    const missing = missingScopes(scopes, token.scopes);
    if (missing !== undefined) {
      return {
        code: 'insufficient_scope',
        description: isAnyOf(scopes)
          ? 'The access token has none of the scopes this request accepts'
          : 'The access token lacks a scope this request requires',
        requiredScopes: missing,
      };
    }
  }
  const stepUp = checkStepUp(policy, token, now);
  if (stepUp !== undefined) return stepUp;
  const claims = policy.claims;
  if (claims !== undefined) {
    for (let index = 0; index < claims.length; index++) {
      const check = claims[index]!;
      const result: unknown = check.test(token.claims, token);
      // Only `true` passes: a truthy answer such as 'false' or a promise must never open the route.
      if (result === true) continue;
      if (isThenable(result))
        throw asynchronousAnswer(result, `policy.claims[${index}]`, `the claim check "${check.description}"`);
      return { code: 'claim_check_failed', description: `The access token ${check.description}` };
    }
  }
  return undefined;
}
