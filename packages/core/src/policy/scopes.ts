import { RsConfigError } from '../config/config-error.js';
import { anyValue, checkOptions, isPlainObject, type OptionSchema } from '../config/option-schema.js';
import type { RsRequest } from '../request.js';
import type { TokenInfo } from '../token-info.js';
import { asynchronousAnswer, isAsyncFunction, isThenable } from './synchronous-answer.js';

/**
 * The scopes a route requires:
 * - a list, or `{ allOf }`: every one of them;
 * - `{ anyOf }`: at least one of them;
 * - a function of the request and token, evaluated per request, returning one of the above. It must be
 *   synchronous: an `async` function is refused, and a promise returned throws an `RsConfigError`.
 *
 * Each configured list names at least one scope: an empty one would require nothing (or, for `{ anyOf }`,
 * refuse every token), so `[]`, `{ allOf: [] }` and `{ anyOf: [] }` are refused. A route that requires no
 * scope leaves `scopes` out. A function decides per request, and may return `[]` for a request that needs
 * no scope; the empty `{ allOf: [] }` and `{ anyOf: [] }` throw when it returns them.
 */
export type ScopeRequirement =
  | readonly string[]
  // The other key typed `never`: `{ allOf, anyOf }` together is refused at start-up, so it must not compile.
  | {
      /** Scopes the token must all carry. */
      readonly allOf: readonly string[];
      readonly anyOf?: never;
    }
  | {
      /** Scopes of which the token must carry at least one. */
      readonly anyOf: readonly string[];
      readonly allOf?: never;
    }
  | ((request: RsRequest, token: TokenInfo) => StaticScopeRequirement);

/** A {@link ScopeRequirement} that is not computed. */
export type StaticScopeRequirement = Exclude<ScopeRequirement, (...args: never[]) => unknown>;

// `{ allof: […] }` would otherwise be no requirement at all. The lists are checked below.
const SCOPE_SETS: OptionSchema<{ allOf: unknown; anyOf: unknown }> = { allOf: anyValue, anyOf: anyValue };

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether `value` is an RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\\`. */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value);
}

/** What is missing: the scopes to name in the challenge, or `undefined` when the requirement is met. */
export function missingScopes(
  requirement: StaticScopeRequirement,
  granted: ReadonlySet<string>,
): readonly string[] | undefined {
  if (isAnyOf(requirement)) {
    return requirement.anyOf.some((scope) => granted.has(scope)) ? undefined : requirement.anyOf;
  }
  const required = isAllOf(requirement) ? requirement.allOf : requirement;
  // By index: a policy's lists are frozen copies, which `for…of` walks through the slower iterator path.
  for (let index = 0; index < required.length; index++) {
    if (!granted.has(required[index]!)) return required;
  }
  return undefined;
}

/**
 * Validates a scope requirement: given in configuration (a synchronous function is then accepted and its
 * results are checked each time it runs), or returned by such a function (`computed`). Throws an
 * {@link RsConfigError} naming `option` for an `async` function, a promise, an empty list, `{ allOf: [] }`,
 * `{ anyOf: [] }`, both `allOf` and `anyOf`, an unknown key, and a scope that is not a scope token.
 */
export function validateScopeRequirement(requirement: unknown, option: string, computed = false): void {
  if (typeof requirement === 'function') {
    if (computed)
      throw new RsConfigError(option, 'a computed requirement must return scopes, { allOf } or { anyOf }');
    // Its promise would be refused at every request: say so at start-up.
    if (isAsyncFunction(requirement))
      throw new RsConfigError(
        option,
        'a function computing the requirement must be synchronous: an async function returns a promise, not scopes',
      );
    return;
  }
  if (computed && isThenable(requirement))
    throw asynchronousAnswer(
      requirement,
      option,
      'the function computing the requirement',
      'scopes, { allOf } or { anyOf }',
    );
  if (isPlainObject(requirement)) checkOptions(requirement, SCOPE_SETS, option);
  // missingScopes would read only anyOf and silently drop the allOf requirement.
  if (isAllOf(requirement as StaticScopeRequirement) && isAnyOf(requirement as StaticScopeRequirement)) {
    throw new RsConfigError(option, 'use either { allOf } or { anyOf }, not both');
  }
  const list = Array.isArray(requirement)
    ? requirement
    : isAllOf(requirement as StaticScopeRequirement)
      ? (requirement as { allOf: unknown }).allOf
      : isAnyOf(requirement as StaticScopeRequirement)
        ? (requirement as { anyOf: unknown }).anyOf
        : undefined;
  if (!Array.isArray(list))
    throw new RsConfigError(option, 'must be an array of scopes, { allOf }, { anyOf } or a function');
  // An empty list or all-of would require nothing (and an empty any-of refuse every token, with an empty
  // scope="" challenge): almost certainly a list that failed to load (`process.env.SCOPES` unset), never to
  // be read as "no scope required".
  // A function returning a plain `[]` decided that this request needs no scope.
  if (list.length === 0 && !(computed && Array.isArray(requirement))) {
    const anyOf = isAnyOf(requirement as StaticScopeRequirement);
    const form = anyOf
      ? '{ anyOf }'
      : isAllOf(requirement as StaticScopeRequirement)
        ? '{ allOf }'
        : 'a list of scopes';
    const effect = anyOf ? 'an empty one refuses every token' : 'an empty one requires nothing';
    const instead = computed
      ? 'return [] for a request that needs no scope'
      : 'leave scopes out for a route that requires none';
    throw new RsConfigError(option, `${form} needs at least one scope (${effect}; ${instead})`);
  }
  for (const scope of list) {
    if (!isScopeToken(scope)) {
      throw new RsConfigError(option, `${JSON.stringify(scope)} is not a valid scope token (RFC 6749 §3.3)`);
    }
  }
}

/**
 * Whether the requirement is `{ anyOf }`: an object (not a list) with an own `anyOf`. Never an inherited
 * one: after a prototype pollution (`Object.prototype.anyOf = ['openid']`), `'anyOf' in ['admin']` is
 * true, and every list of required scopes would be read as that any-of.
 */
export function isAnyOf(
  requirement: StaticScopeRequirement,
): requirement is { readonly anyOf: readonly string[] } {
  return isScopeSet(requirement) && Object.hasOwn(requirement, 'anyOf');
}

function isAllOf(requirement: StaticScopeRequirement): requirement is { readonly allOf: readonly string[] } {
  return isScopeSet(requirement) && Object.hasOwn(requirement, 'allOf');
}

// A list of scopes is never an { allOf } or { anyOf }, whatever members it was given besides its entries.
function isScopeSet(requirement: StaticScopeRequirement): boolean {
  return typeof requirement === 'object' && requirement !== null && !Array.isArray(requirement);
}

/**
 * The scopes a requirement names, for metadata (`scopes_supported`); none for a computed requirement,
 * which can only be known per request.
 */
export function namedScopes(requirement: ScopeRequirement | undefined): readonly string[] {
  if (requirement === undefined || typeof requirement === 'function') return [];
  if (isAnyOf(requirement)) return requirement.anyOf;
  return isAllOf(requirement) ? requirement.allOf : requirement;
}
