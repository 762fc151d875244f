import { RsConfigError } from '../config/config-error.js';
import { isPlainObject } from '../config/option-schema.js';
import { type ClaimCheck, type ClaimPath, claimAt, pathName } from './claim-checks.js';

/** The delimiters of delimited string claims (such as `scope`), by NGINX's names or as one character. */
export type ClaimDelimiter = 'SPACE' | 'COMMA' | 'SEMICOLON' | (string & {});

const DELIMITERS: Readonly<Record<string, string>> = { SPACE: ' ', COMMA: ',', SEMICOLON: ';' };

/**
 * Requires a string claim, NGINX `verifyClaims` type `STRING`. Without a delimiter, the claim must equal
 * `expected` (case-sensitive), or, when it is an array, contain it. With one, the claim must be a string
 * that, split at the delimiter, holds every word of `expected` in any order (more is fine).
 *
 * @example
 * ```ts
 * claimStringMatches('aud', 'account');
 * claimStringMatches('scope', 'openid profile email', { delimiter: 'SPACE' });
 * ```
 */
export function claimStringMatches(
  path: ClaimPath,
  expected: string,
  options: { readonly delimiter?: ClaimDelimiter } = {},
): ClaimCheck {
  requireType(typeof expected === 'string', 'claimStringMatches', 'expected', 'a string');
  const delimiter = options.delimiter === undefined ? undefined : delimiterOf(options.delimiter);
  const wanted = delimiter === undefined ? undefined : words(expected, delimiter);
  return {
    description: described(path),
    test(claims) {
      const value = claimAt(claims, path);
      if (wanted !== undefined) {
        if (typeof value !== 'string') return false;
        const present = words(value, delimiter!);
        return wanted.every((word) => present.includes(word));
      }
      if (typeof value === 'string') return value === expected;
      return Array.isArray(value) && value.includes(expected);
    },
  };
}

/**
 * Requires an integer claim, NGINX type `INTEGER`: `42` and `"42"` both equal `42`.
 *
 * @example
 * ```ts
 * claimIntegerEquals('acr', 1);
 * ```
 */
export function claimIntegerEquals(path: ClaimPath, expected: number): ClaimCheck {
  requireType(Number.isSafeInteger(expected), 'claimIntegerEquals', 'expected', 'a safe integer');
  return {
    description: described(path),
    test: (claims) => integerOf(claimAt(claims, path)) === expected,
  };
}

/**
 * Requires a boolean claim, NGINX type `BOOLEAN`: `true`, `"true"` and `"TRUE"` all equal `true`.
 *
 * @example
 * ```ts
 * claimBooleanEquals('email_verified', true);
 * ```
 */
export function claimBooleanEquals(path: ClaimPath, expected: boolean): ClaimCheck {
  requireType(typeof expected === 'boolean', 'claimBooleanEquals', 'expected', 'true or false');
  return {
    description: described(path),
    test: (claims) => booleanOf(claimAt(claims, path)) === expected,
  };
}

/**
 * Requires an array claim holding every one of `expected`, NGINX type `ARRAY`, in any order (more is
 * fine). A claim that is a single string counts as an array of that one string.
 *
 * @example
 * ```ts
 * claimArrayContains('resource_access.account.roles', ['manage-account', 'view-profile']);
 * ```
 */
export function claimArrayContains(path: ClaimPath, expected: readonly string[]): ClaimCheck {
  requireType(
    Array.isArray(expected) && expected.length > 0 && expected.every((v) => typeof v === 'string'),
    'claimArrayContains',
    'expected',
    'a non-empty array of strings',
  );
  return {
    description: described(path),
    test(claims) {
      const value = claimAt(claims, path);
      const members = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
      return members !== undefined && expected.every((wanted) => members.includes(wanted));
    },
  };
}

/** One entry of an NGINX `verifyClaims` list, as written in its policy JSON. */
export interface VerifyClaimSpec {
  /** A claim name or dotted path, e.g. `resource_access.account.roles`. */
  readonly claim: string;
  readonly type: 'STRING' | 'INTEGER' | 'BOOLEAN' | 'ARRAY';
  readonly value: string | number | boolean | readonly string[];
  /** For `STRING` only. */
  readonly delimiter?: ClaimDelimiter;
}

/**
 * Turns an NGINX `verifyClaims` list into claim checks for a policy's `claims`, with the same
 * semantics (see the named helpers). Checked now: a wrong entry throws an `RsConfigError` naming it.
 *
 * @example
 * ```ts
 * const policy: AccessPolicy = {
 *   claims: verifyClaims([
 *     { claim: 'scope', type: 'STRING', value: 'openid profile', delimiter: 'SPACE' },
 *     { claim: 'email_verified', type: 'BOOLEAN', value: true },
 *   ]),
 * };
 * ```
 */
export function verifyClaims(specs: readonly VerifyClaimSpec[]): ClaimCheck[] {
  if (!Array.isArray(specs)) throw new RsConfigError('verifyClaims', 'must be an array');
  return specs.map((entry, index) => {
    const option = `verifyClaims[${index}]`;
    const spec = entry as VerifyClaimSpec;
    if (!isPlainObject(entry) || typeof spec.claim !== 'string' || spec.claim === '')
      throw new RsConfigError(`${option}.claim`, 'must be a claim name or dotted path');
    if (spec.delimiter !== undefined && spec.type !== 'STRING')
      throw new RsConfigError(`${option}.delimiter`, 'applies to STRING claims only');
    try {
      switch (spec.type) {
        case 'STRING':
          return claimStringMatches(spec.claim, spec.value as string, { delimiter: spec.delimiter });
        case 'INTEGER':
          return claimIntegerEquals(spec.claim, spec.value as number);
        case 'BOOLEAN':
          return claimBooleanEquals(spec.claim, spec.value as boolean);
        case 'ARRAY':
          return claimArrayContains(spec.claim, spec.value as readonly string[]);
        default:
          throw new RsConfigError(`${option}.type`, 'must be STRING, INTEGER, BOOLEAN or ARRAY');
      }
    } catch (error) {
      if (!(error instanceof RsConfigError) || error.option.startsWith(option)) throw error;
      if (error.option === 'delimiter')
        throw new RsConfigError(`${option}.delimiter`, 'must be SPACE, COMMA, SEMICOLON or one character');
      throw new RsConfigError(`${option}.value`, `does not fit type ${spec.type}`);
    }
  });
}

function described(path: ClaimPath): string {
  // The name only: claim values are the token's, and expected values may be sensitive too.
  return `claim "${pathName(path)}" must match the expected value`;
}

function delimiterOf(delimiter: ClaimDelimiter): string {
  const character = Object.hasOwn(DELIMITERS, delimiter) ? DELIMITERS[delimiter]! : delimiter;
  if (typeof character !== 'string' || character.length !== 1)
    throw new RsConfigError('delimiter', 'must be SPACE, COMMA, SEMICOLON or one character');
  return character;
}

function words(value: string, delimiter: string): string[] {
  return value.split(delimiter).filter((word) => word.length > 0);
}

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function requireType(condition: boolean, helper: string, argument: string, expected: string): void {
  if (!condition) throw new RsConfigError(`${helper}(${argument})`, `must be ${expected}`);
}
