import type { TokenInfo } from '../token-info.js';

/**
 * A condition on the token's claims, checked after the token is validated. A failed check answers
 * 403 `insufficient_scope`: the token is genuine but does not grant this request. The description names
 * the claim, never its value.
 */
export interface ClaimCheck {
  /** What the check requires, for the `error_description`, e.g. `claim "groups" must include "admin"`. */
  readonly description: string;
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
 * Requires the claim to equal `expected` (strict equality; for arrays, same members in the same order).
 *
 * @example `claimEquals('tenant', 'acme')`
 */
export function claimEquals(path: ClaimPath, expected: string | number | boolean): ClaimCheck {
  return {
    description: `claim "${pathName(path)}" must equal the expected value`,
    test: (claims) => claimAt(claims, path) === expected,
  };
}

/**
 * Requires the claim to include every one of `values`. The claim may be an array or a space-separated
 * string (as `scope` is).
 *
 * @example `claimIncludes(['realm_access', 'roles'], 'admin')`
 */
export function claimIncludes(path: ClaimPath, ...values: readonly string[]): ClaimCheck {
  return {
    description: `claim "${pathName(path)}" must include the required values`,
    test: (claims) => {
      const value = claimAt(claims, path);
      const members = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : undefined;
      return members !== undefined && values.every((wanted) => members.includes(wanted));
    },
  };
}

/**
 * Any condition on one claim.
 *
 * @example `claimCheck('email_verified', (v) => v === true, 'a verified email')`
 */
export function claimCheck(
  path: ClaimPath,
  predicate: (value: unknown, token: TokenInfo) => boolean,
  requirement?: string,
): ClaimCheck {
  return {
    description: `claim "${pathName(path)}" must satisfy ${requirement ?? 'the route condition'}`,
    test: (claims, token) => predicate(claimAt(claims, path), token),
  };
}

/** The path as the description names it: dotted. */
export function pathName(path: ClaimPath): string {
  return typeof path === 'string' ? path : path.join('.');
}
