import { requireOption } from '../config/config-error.js';
import { everyEntry, isNonEmptyString } from '../config/option-schema.js';
import type { TokenInfo } from '../token-info.js';
import { asynchronousAnswer, isAsyncFunction, isThenable, SYNCHRONOUS } from './synchronous-answer.js';

/**
 * A condition on the token's claims, checked after the token is validated. A failed check answers
 * 403 `insufficient_scope`: the token is genuine but does not grant this request. The description names
 * the claim, never its value.
 */
export interface ClaimCheck {
  /** What the check requires, for the `error_description`, e.g. `claim "groups" must include "admin"`. */
  readonly description: string;
  /**
   * Whether the claims meet the condition. Only `true` passes: any other result (`'true'`, `1`,
   * `undefined`) refuses the request. It must be synchronous: an `async` test is refused when the policy is
   * checked, and a promise returned at request time throws an `RsConfigError` rather than let it through.
   */
  test(claims: Readonly<Record<string, unknown>>, token: TokenInfo): boolean;
}

/**
 * A claim name, a dotted path into nested objects such as `'realm_access.roles'` (as NGINX writes them),
 * or the same path as segments, `['realm_access', 'roles']`, for names that contain dots themselves.
 */
export type ClaimPath = string | readonly string[];

/**
 * The claim at `path`, or `undefined`. A string is first a claim name (so namespaced names such as
 * `https://example.com/roles` keep working); only when no claim has that exact name is it read as a
 * dotted path.
 *
 * @example
 * ```ts
 * claimAt({ address: { country: 'NZ' } }, 'address.country'); // 'NZ'
 * ```
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: ClaimPath): unknown {
  // Own members only: a claim named `constructor` or `__proto__` must not find Object.prototype's.
  if (typeof path === 'string') {
    if (Object.hasOwn(claims, path)) return claims[path];
    return path.includes('.') ? claimAt(claims, path.split('.')) : undefined;
  }
  let value: unknown = claims;
  for (const segment of path) {
    if (
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value) ||
      !Object.hasOwn(value, segment)
    ) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * Requires the claim to equal `expected`: strict equality for a string, a number or a boolean; for an
 * array, a claim that is an array of the same members in the same order.
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, and an `expected` that is
 * `undefined` (an unset environment variable would otherwise match every token without the claim), `null`,
 * `NaN`, an object, or an empty array or one holding anything but strings, finite numbers and booleans. An
 * integer beyond ±(2^53 − 1) is refused too: JSON.parse reads the integers around it as the same number,
 * so a token carrying a neighbouring 64-bit ID would match; compare such IDs as strings.
 *
 * @example `claimEquals('tenant', 'acme')`, `claimEquals('roles', ['user', 'admin'])`
 */
export function claimEquals(
  path: ClaimPath,
  expected: string | number | boolean | readonly (string | number | boolean)[],
): ClaimCheck {
  const claimPath = claimPathArgument(path, 'claimEquals');
  const description = `claim "${pathName(claimPath)}" must equal the expected value`;
  if (Array.isArray(expected)) {
    requireOption(
      expected.length > 0 && everyEntry(expected, isClaimValue),
      'claimEquals(expected)',
      `must be ${CLAIM_VALUE}; an array must hold at least one of them (an empty one is most often a list that failed to load)`,
    );
    // A copy: the check is settled now, whatever later becomes of the caller's array.
    const members: readonly unknown[] = [...expected];
    return {
      description,
      test(claims) {
        const value = claimAt(claims, claimPath);
        return (
          Array.isArray(value) &&
          value.length === members.length &&
          members.every((member, index) => value[index] === member)
        );
      },
    };
  }
  requireOption(
    isClaimValue(expected),
    'claimEquals(expected)',
    `must be ${CLAIM_VALUE}, or an array of them`,
  );
  return { description, test: (claims) => claimAt(claims, claimPath) === expected };
}

/**
 * Requires the claim to include every one of `values`. The claim may be an array or a space-separated
 * string (as `scope` is).
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, and no values at all
 * (every token holding the claim would pass) or a value that is not a non-empty string.
 *
 * @example `claimIncludes(['realm_access', 'roles'], 'admin')`
 */
export function claimIncludes(path: ClaimPath, ...values: readonly string[]): ClaimCheck {
  const claimPath = claimPathArgument(path, 'claimIncludes');
  requireOption(
    values.length > 0 && values.every(isNonEmptyString),
    'claimIncludes(values)',
    'must be one or more non-empty strings: with none, every token holding the claim would pass',
  );
  return {
    description: `claim "${pathName(claimPath)}" must include the required values`,
    test: (claims) => {
      const value = claimAt(claims, claimPath);
      const members = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : undefined;
      return members !== undefined && values.every((wanted) => members.includes(wanted));
    },
  };
}

/**
 * Any condition on one claim. The request passes only when `predicate` returns `true`.
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, a `predicate` that is
 * not a function or is `async` (its promise is no answer), and a `requirement` that is not a non-empty
 * string. A predicate that returns a promise at request time (an async function in disguise) throws an
 * `RsConfigError` naming `claimCheck(predicate)`: the request fails, it is never let through.
 *
 * @example `claimCheck('email_verified', (v) => v === true, 'a verified email')`
 */
export function claimCheck(
  path: ClaimPath,
  predicate: (value: unknown, token: TokenInfo) => boolean,
  requirement?: string,
): ClaimCheck {
  const claimPath = claimPathArgument(path, 'claimCheck');
  requireOption(
    typeof predicate === 'function',
    'claimCheck(predicate)',
    'must be a function of the claim value and the token, returning true or false',
  );
  requireOption(!isAsyncFunction(predicate), 'claimCheck(predicate)', SYNCHRONOUS);
  requireOption(
    requirement === undefined || isNonEmptyString(requirement),
    'claimCheck(requirement)',
    'must be a non-empty string describing the condition, or left out',
  );
  const name = pathName(claimPath);
  return {
    description: `claim "${name}" must satisfy ${requirement ?? 'the route condition'}`,
    test(claims, token) {
      const result: unknown = predicate(claimAt(claims, claimPath), token);
      if (isThenable(result))
        throw asynchronousAnswer(result, 'claimCheck(predicate)', `the predicate for claim "${name}"`);
      return result === true;
    },
  };
}

/** The path as the description names it: dotted. */
export function pathName(path: ClaimPath): string {
  return typeof path === 'string' ? path : path.join('.');
}

/**
 * `path` as a claim-check factory takes it: a non-empty string, or a non-empty array of non-empty
 * segments (copied, so that a later change to the caller's array cannot change the check). Anything else
 * throws an `RsConfigError` naming `helper(path)`, not a `TypeError` from the first request.
 */
export function claimPathArgument(path: unknown, helper: string): ClaimPath {
  requireOption(
    isClaimPath(path),
    `${helper}(path)`,
    'must be a claim name, a dotted path, or a non-empty array of non-empty path segments',
  );
  return typeof path === 'string' ? path : Object.freeze([...path]);
}

/** Whether `path` is a claim path: a non-empty string, or a non-empty array of non-empty segments. */
export function isClaimPath(path: unknown): path is ClaimPath {
  if (typeof path === 'string') return path !== '';
  return Array.isArray(path) && path.length > 0 && everyEntry(path, isNonEmptyString);
}

const CLAIM_VALUE =
  'a string, a finite number (an integer only within ±(2^53 − 1): compare larger IDs as strings), true or false';

// What claimEquals compares with `===`: what a JSON claim holds other than objects and `null`. Not an
// integer beyond the safe ones: JSON.parse reads every integer near it as the same double
// (1234567890123456789 and 1234567890123456800 are one number), so a token of a neighbouring ID would pass.
function isClaimValue(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)))
  );
}
